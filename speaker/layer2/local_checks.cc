#include "speaker/layer2/local_checks.h"

#include <algorithm>
#include <map>

namespace ironlb::speaker {

LocalChecks::LocalChecks(EventLoop* loop, std::shared_ptr<health::Prober> prober,
                         std::function<void()> changed)
    : loop_(loop), changed_(std::move(changed)) {
  if (prober == nullptr) prober = health::MakeSocketProber();
  std::weak_ptr<bool> alive = alive_;
  monitor_ = std::make_unique<health::HealthMonitor>(
      std::move(prober),
      [this, alive] {
        // From a checker thread: tell the owner on the loop's thread, if we still exist.
        loop_->Post([this, alive] {
          if (alive.lock() && changed_) changed_();
        });
      },
      health::HealthMonitor::Options{
          .subject = "local check", .key_field = "advertisement", .notify_first_result = true});
}

LocalChecks::~LocalChecks() {
  *alive_ = false;
  alive_.reset();
  monitor_.reset();  // joins the checker threads
}

void LocalChecks::Set(const config::Config& config) {
  checks_.clear();
  std::map<std::string, health::CheckTarget> targets;
  for (const config::L2Advertisement& adv : config.l2_advertisements) {
    if (!adv.local_check) continue;
    checks_[adv.meta.name] = *adv.local_check;
    targets[adv.meta.name] = {adv.local_check->address, adv.local_check->check.port,
                              adv.local_check->check};
  }
  monitor_->SetTargets(targets);
}

std::set<std::string> LocalChecks::Passing() const {
  std::set<std::string> out;
  for (const LocalCheckResult& r : Results()) {
    if (r.passing) out.insert(r.advertisement);
  }
  return out;
}

bool LocalChecks::AllKnown() const {
  const std::vector<LocalCheckResult> results = Results();
  return std::all_of(results.begin(), results.end(),
                     [](const LocalCheckResult& r) { return r.known; });
}

std::chrono::milliseconds LocalChecks::LongestTimeout() const {
  std::chrono::milliseconds out{0};
  for (const auto& [name, c] : checks_) {
    out = std::max(out, std::chrono::milliseconds(c.check.timeout_ms));
  }
  return out;
}

std::vector<LocalCheckResult> LocalChecks::Results() const {
  std::map<std::string, health::BackendHealth> health;
  for (health::BackendHealth& h : monitor_->Snapshot()) health.emplace(h.key, std::move(h));
  std::vector<LocalCheckResult> out;
  for (const auto& [name, c] : checks_) {
    LocalCheckResult r{.advertisement = name, .check = config::DescribeLocalCheck(c)};
    if (auto it = health.find(name); it != health.end()) {
      r.known = it->second.known;
      r.passing = it->second.known && it->second.up;
      r.detail = it->second.detail;
    }
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace ironlb::speaker

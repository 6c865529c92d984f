#include "health/health_monitor.h"

#include "absl/strings/str_cat.h"
#include "common/log.h"

namespace ironlb::health {

struct HealthMonitor::Worker {
  Worker(std::string k, CheckTarget t)
      : key(std::move(k)), target(std::move(t)), state(target.check.rise, target.check.fall) {}
  const std::string key;
  const CheckTarget target;
  // Guarded by HealthMonitor::mu_.
  CheckState state;
  BackendHealth health;
  std::chrono::steady_clock::time_point first_failure{};
  bool stop = false;
  std::condition_variable wake;
  std::thread thread;
};

HealthMonitor::HealthMonitor(std::shared_ptr<Prober> prober, std::function<void()> on_change)
    : HealthMonitor(std::move(prober), std::move(on_change), Options{}) {}

HealthMonitor::HealthMonitor(std::shared_ptr<Prober> prober, std::function<void()> on_change,
                             Options options)
    : prober_(std::move(prober)), on_change_(std::move(on_change)), options_(std::move(options)) {}

HealthMonitor::~HealthMonitor() { SetTargets({}); }

void HealthMonitor::SetTargets(const std::map<std::string, CheckTarget>& targets) {
  std::vector<std::unique_ptr<Worker>> stopped;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto it = workers_.begin(); it != workers_.end();) {
      auto want = targets.find(it->first);
      if (want == targets.end() || !(want->second == it->second->target)) {
        it->second->stop = true;
        it->second->wake.notify_all();
        stopped.push_back(std::move(it->second));
        it = workers_.erase(it);
      } else {
        ++it;
      }
    }
    for (const auto& [key, target] : targets) {
      if (workers_.count(key) > 0 || target.check.type == config::HealthCheckType::kNone) {
        continue;
      }
      auto w = std::make_unique<Worker>(key, target);
      w->health.key = key;
      Worker* raw = w.get();
      workers_.emplace(key, std::move(w));
      raw->thread = std::thread([this, raw] { Run(raw); });
    }
  }
  // Joined outside the lock: a worker may be waiting for it.
  for (auto& w : stopped) {
    if (w->thread.joinable()) w->thread.join();
  }
}

void HealthMonitor::Run(Worker* w) {
  const auto interval = std::chrono::milliseconds(w->target.check.interval_ms);
  auto next = std::chrono::steady_clock::now();
  while (true) {
    const ProbeResult r = prober_->Probe(w->target.check, w->target.address, w->target.port);
    const auto now = std::chrono::steady_clock::now();
    bool changed = false;
    bool notify = false;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (w->stop) return;
      ++w->health.checks;
      w->health.detail = r.detail;
      if (r.kind == ProbeResult::Kind::kLocalError) {
        if (w->health.local_errors++ == 0) {
          IRONLB_LOG(kError, "health check cannot run")
              .With(options_.key_field, w->key)
              .With("error", r.detail);
        }
      } else {
        const bool ok = r.kind == ProbeResult::Kind::kUp;
        if (!ok && w->state.up() && w->first_failure == std::chrono::steady_clock::time_point{}) {
          w->first_failure = now;
        }
        if (ok) w->first_failure = {};
        const bool first = !w->state.known();
        changed = w->state.Record(ok, now);
        notify = changed || (first && options_.notify_first_result);
        if (changed && !w->state.up() &&
            w->first_failure != std::chrono::steady_clock::time_point{}) {
          w->health.last_down_detection = now - w->first_failure;
        }
        if (!w->state.up()) w->first_failure = {};
        w->health.up = w->state.up();
        w->health.known = w->state.known();
        w->health.transitions = w->state.transitions();
      }
      if (changed) {
        IRONLB_LOG(kInfo, absl::StrCat(options_.subject, w->health.up ? " up" : " down"))
            .With(options_.key_field, w->key)
            .With("check", r.detail);
      }
    }
    if (notify && on_change_) on_change_();
    next += interval;
    if (next < now) next = now;  // a slow check: no burst to catch up
    std::unique_lock<std::mutex> lock(mu_);
    if (w->wake.wait_until(lock, next, [w] { return w->stop; })) return;
  }
}

bool HealthMonitor::IsUp(const std::string& key) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = workers_.find(key);
  return it == workers_.end() || it->second->state.up();
}

std::vector<BackendHealth> HealthMonitor::Snapshot() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<BackendHealth> out;
  for (const auto& [key, w] : workers_) out.push_back(w->health);
  return out;
}

}  // namespace ironlb::health

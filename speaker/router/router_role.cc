#include "speaker/router/router_role.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "arp/route_lookup.h"
#include "common/log.h"
#include "nft/mnl_transport.h"

namespace ironlb::speaker {
namespace {

// RouteFacts from this host's kernel.
class KernelRoutes : public RouteFacts {
 public:
  std::string EgressInterface(const IpAddress& address) const override {
    auto name = arp::EgressInterface(address);
    return name.ok() ? *name : "";
  }
  std::string InterfaceHolding(const IpAddress& address) const override {
    auto name = arp::InterfaceHoldingAddress(address);
    return name.ok() ? *name : "";
  }
};

class MonitorView : public BackendHealthView {
 public:
  explicit MonitorView(const health::HealthMonitor* m) : m_(m) {}
  bool IsUp(const std::string& key) const override { return m_->IsUp(key); }

 private:
  const health::HealthMonitor* m_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<RouterRole>> RouterRole::Create(EventLoop* loop, NftProgrammer* nft,
                                                               metrics::Registry* registry,
                                                               Options options) {
  auto counters = nft::MnlTransport::Create();
  if (!counters.ok()) return counters.status();
  return std::make_unique<RouterRole>(loop, nft, registry, options, std::move(*counters),
                                      std::make_unique<KernelRoutes>());
}

RouterRole::RouterRole(EventLoop* loop, NftProgrammer* nft, metrics::Registry* registry,
                       Options options, std::unique_ptr<nft::NetlinkTransport> counters,
                       std::unique_ptr<RouteFacts> routes)
    : loop_(loop), nft_(nft), options_(options), routes_(std::move(routes)) {
  forwards_ = &registry
                   ->AddGauge("ironlb_router_forwards",
                              "Port forwards (outside, protocol, port) the router plan holds.")
                   .Get();
  conflicts_ = &registry->AddGauge(
      "ironlb_router_port_conflicts",
      "1 for each Service that wanted an outside port an older Service (or an explicit target) "
      "keeps; its other ports are still forwarded.",
      {"group", "outside", "protocol", "port", "service", "holder"});
  problems_ = &registry
                   ->AddGauge("ironlb_router_problems",
                              "Services or targets left out of the port forwards for another "
                              "reason (see the log).")
                   .Get();
  counters_ = ForwardCounters::Register(registry, std::move(counters));
  backend_up_ = &registry->AddGauge(
      "ironlb_backend_up",
      "1 while a balanced forward's backend passes its health checks (0 when they found it "
      "down); draining backends keep their health.",
      {"group", "protocol", "port", "backend"});
  all_down_gauge_ = &registry->AddGauge(
      "ironlb_forward_all_backends_down",
      "1 for each balanced forward with no backend taking new connections (all down or "
      "draining): its new connections are dropped or rejected.",
      {"group", "outside", "protocol", "port"});
  check_errors_ = &registry->AddGauge(
      "ironlb_backend_check_local_errors",
      "Health checks of a backend this host could not even run (no socket, say); the "
      "backend's state is left as it was.",
      {"group", "protocol", "port", "backend"});
  std::shared_ptr<health::Prober> prober = options_.prober;
  if (prober == nullptr) prober = health::MakeSocketProber();
  std::weak_ptr<bool> alive = alive_;
  health_ = std::make_unique<health::HealthMonitor>(prober, [this, alive] {
    // From a checker thread: re-plan on the loop's thread, if we still exist.
    loop_->Post([this, alive] {
      if (alive.lock()) Apply();
    });
  });
  health_view_ = std::make_unique<MonitorView>(health_.get());
}

RouterRole::~RouterRole() {
  *alive_ = false;
  alive_.reset();
  health_.reset();  // joins the checker threads
  if (replan_timer_ != 0) loop_->Cancel(replan_timer_);
}

std::map<std::string, health::BackendHealth> RouterRole::BackendHealth() const {
  std::map<std::string, health::BackendHealth> out;
  for (health::BackendHealth& h : health_->Snapshot()) out.emplace(h.key, std::move(h));
  return out;
}

void RouterRole::CheckBackends() {
  std::map<std::string, health::CheckTarget> targets;
  for (const config::PortForward& pf : config_.port_forwards) {
    for (const config::ForwardTarget& t : pf.targets) {
      if (t.backends.empty() || !t.health_check) continue;
      for (const config::ForwardBackend& b : t.backends) {
        targets[BackendKey(pf.meta.name, t, b)] = {b.address, b.port, *t.health_check};
      }
    }
  }
  health_->SetTargets(targets);
}

void RouterRole::SetDesired(const config::Config& config, const AssignedServices& services) {
  config_ = config;
  services_ = services;
  CheckBackends();
  Apply();
  ScheduleReplan();
}

void RouterRole::ScheduleReplan() {
  if (replan_timer_ != 0) loop_->Cancel(replan_timer_);
  replan_timer_ = loop_->RunAfter(options_.replan_interval, [this] {
    replan_timer_ = 0;
    Apply();
    ScheduleReplan();
  });
}

void RouterRole::Apply() {
  PortForwardPlan plan = PlanPortForwards(config_, services_, *routes_, health_view_.get());
  Report(plan);
  ReportAllDown(plan);
  // The programmer converges the kernel (coalesced, retried with backoff, errors logged and
  // counted as ironlb_nft_reconcile_failures_total); re-planning also repairs a table someone
  // deleted.
  nft_->SetForwards(plan.forwards);
  forwards_->Set(static_cast<double>(plan.forwards.size()));
  counters_->SetApplied(plan);
  plan_ = std::move(plan);
}

void RouterRole::ReportAllDown(const PortForwardPlan& plan) {
  all_down_gauge_->Clear();
  backend_up_->Clear();
  check_errors_->Clear();
  const std::map<std::string, health::BackendHealth> health = BackendHealth();
  std::set<std::string> now;
  for (size_t i = 0; i < plan.forwards.size() && i < plan.info.size(); ++i) {
    const nft::PortForwardEntry& f = plan.forwards[i];
    if (!f.balanced()) continue;
    const ForwardInfo& info = plan.info[i];
    const std::string proto(nft::L4ProtocolName(f.protocol));
    for (size_t b = 0; b < f.backends.size() && b < info.backend_keys.size(); ++b) {
      const nft::Backend& be = f.backends[b];
      const std::string backend = absl::StrCat(be.address.is_v6() ? "[" : "", be.address.ToString(),
                                               be.address.is_v6() ? "]:" : ":", be.port);
      const std::vector<std::string> labels = {info.group, proto, absl::StrCat(f.port), backend};
      auto h = health.find(info.backend_keys[b]);
      backend_up_->WithLabels(labels).Set(h == health.end() || h->second.up ? 1 : 0);
      if (h != health.end()) {
        check_errors_->WithLabels(labels).Set(static_cast<double>(h->second.local_errors));
      }
    }
    if (std::any_of(f.backends.begin(), f.backends.end(),
                    [](const nft::Backend& b) { return b.active; })) {
      continue;
    }
    all_down_gauge_->WithLabels({info.group, info.outside, proto, absl::StrCat(f.port)}).Set(1);
    now.insert(f.name);
    if (all_down_.count(f.name) == 0) {
      IRONLB_LOG(kWarn, "all backends down")
          .With("forward", f.name)
          .With("new_connections",
                f.when_all_down == nft::AllDownAction::kReject ? "rejected" : "dropped");
    }
  }
  for (const std::string& gone : all_down_) {
    if (now.count(gone) == 0) {
      IRONLB_LOG(kInfo, "backends available again").With("forward", gone);
    }
  }
  all_down_ = std::move(now);
}

void RouterRole::Report(const PortForwardPlan& plan) {
  std::set<std::string> now;
  conflicts_->Clear();
  for (const ForwardConflict& c : plan.conflicts) {
    conflicts_
        ->WithLabels({c.group, c.outside, c.protocol, absl::StrCat(c.port), c.service, c.holder})
        .Set(1);
    now.insert(c.message);
    if (reported_.count(c.message) == 0) {
      if (options_.on_new_conflict) options_.on_new_conflict(c);
      IRONLB_LOG(kWarn, "port forward conflict")
          .With("group", c.group)
          .With("outside", c.outside)
          .With("port", absl::StrCat(c.protocol, "/", c.port))
          .With("service", c.service)
          .With("kept_by", c.holder)
          .With("detail", c.message);
    }
  }
  for (const std::string& p : plan.problems) {
    now.insert(p);
    if (reported_.count(p) == 0) {
      IRONLB_LOG(kWarn, "port forward problem").With("detail", p);
    }
  }
  for (const std::string& gone : reported_) {
    if (now.count(gone) == 0) {
      IRONLB_LOG(kInfo, "port forward problem resolved").With("was", gone);
    }
  }
  problems_->Set(static_cast<double>(plan.problems.size()));
  reported_ = std::move(now);
}

}  // namespace ironlb::speaker

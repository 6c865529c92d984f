#include "speaker/router/router_role.h"

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
}

RouterRole::~RouterRole() {
  if (replan_timer_ != 0) loop_->Cancel(replan_timer_);
}

void RouterRole::SetDesired(const config::Config& config,
                            const std::vector<controller::Service>& services,
                            const controller::PlanOutput& allocations) {
  config_ = config;
  services_ = services;
  allocations_ = allocations;
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
  PortForwardPlan plan = PlanPortForwards(config_, services_, allocations_, *routes_);
  Report(plan);
  // The programmer converges the kernel (coalesced, retried with backoff, errors logged and
  // counted as ironlb_nft_reconcile_failures_total); re-planning also repairs a table someone
  // deleted.
  nft_->SetForwards(plan.forwards);
  forwards_->Set(static_cast<double>(plan.forwards.size()));
  counters_->SetApplied(plan);
  plan_ = std::move(plan);
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

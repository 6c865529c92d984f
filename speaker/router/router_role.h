// The router role of ironlb-speaker: on a Linux router in front of the cluster, keeps the
// PortForward groups' outside ports forwarded to the VIPs (PlanPortForwards), as the port-forward
// part of the speaker's nftables table (NftProgrammer), on the speaker's event loop. Re-plans
// when told (start, SIGHUP) and every `replan_interval` (routes and interfaces change under it,
// and the programmer rebuilds a table someone deleted). Reports contested ports and other
// problems in the log (once, when they appear) and in /metrics, and serves each forward's
// packet, byte and connection counters.
//
// The table is left in place when the daemon stops, so a restart does not drop forwarded
// connections; removing every PortForward (and reloading) removes the forwards.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/event_loop.h"
#include "common/metrics.h"
#include "config/types.h"
#include "controller/plan.h"
#include "controller/service.h"
#include "health/health_monitor.h"
#include "nft/netlink_transport.h"
#include "speaker/nft_programmer.h"
#include "speaker/router/forward_counters.h"
#include "speaker/router/port_forward_plan.h"

namespace ironlb::speaker {

class RouterRole {
 public:
  struct Options {
    std::chrono::milliseconds replan_interval{std::chrono::seconds(30)};
    // Called on the loop's thread once for each contested port when it appears (Kubernetes
    // Events on the Service that did not get it).
    std::function<void(const ForwardConflict&)> on_new_conflict;
    // Runs the backends' health checks; null: real sockets.
    std::shared_ptr<health::Prober> prober;
  };

  // Opens a netlink socket for the counters (needs CAP_NET_ADMIN); `loop`, `nft` and
  // `registry` outlive it.
  static absl::StatusOr<std::unique_ptr<RouterRole>> Create(EventLoop* loop, NftProgrammer* nft,
                                                            metrics::Registry* registry,
                                                            Options options);
  // With given parts (tests): `counters` is read on the /metrics thread.
  RouterRole(EventLoop* loop, NftProgrammer* nft, metrics::Registry* registry, Options options,
             std::unique_ptr<nft::NetlinkTransport> counters, std::unique_ptr<RouteFacts> routes);
  ~RouterRole();
  RouterRole(const RouterRole&) = delete;
  RouterRole& operator=(const RouterRole&) = delete;

  // New inputs: plans now and hands the forwards to the programmer.
  void SetDesired(const config::Config& config, const AssignedServices& services);

  // The last plan (tests, status).
  const PortForwardPlan& plan() const { return plan_; }
  // Health of the balanced forwards' checked backends (thread-safe), by BackendKey.
  std::map<std::string, health::BackendHealth> BackendHealth() const;

 private:
  void Apply();
  void Report(const PortForwardPlan& plan);
  void ScheduleReplan();
  void CheckBackends();
  void ReportAllDown(const PortForwardPlan& plan);

  EventLoop* loop_;
  NftProgrammer* nft_;
  Options options_;
  std::unique_ptr<RouteFacts> routes_;
  EventLoop::TimerId replan_timer_ = 0;

  // Inputs of the last SetDesired, for re-planning.
  config::Config config_;
  AssignedServices services_;
  PortForwardPlan plan_;
  std::set<std::string> reported_;  // conflict and problem lines already logged

  metrics::Gauge* forwards_;
  metrics::Family<metrics::Gauge>* conflicts_;
  metrics::Gauge* problems_;
  std::shared_ptr<ForwardCounters> counters_;

  // Health checks of balanced forwards' backends. Every router with the forward runs them (both
  // of an HA pair), so the one that takes over the outside address knows them already.
  std::unique_ptr<health::HealthMonitor> health_;
  std::unique_ptr<BackendHealthView> health_view_;
  // Posted re-plans check this before touching a RouterRole that is gone.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
  std::set<std::string> all_down_;  // forwards (names) with no active backend, logged once
  metrics::Family<metrics::Gauge>* backend_up_;
  metrics::Family<metrics::Gauge>* all_down_gauge_;
  metrics::Family<metrics::Gauge>* check_errors_;
};

}  // namespace ironlb::speaker

// The whole controller as one object: cache (informers), reconcile loop, status writer, Events
// and, when asked, leader election on a Lease. main() only parses flags and serves HTTP;
// tests run several of these in one process against the fake API server.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/metrics.h"
#include "controller/cluster_cache.h"
#include "controller/controller_metrics.h"
#include "controller/dirty_queue.h"
#include "controller/lb_controller.h"
#include "kube/client.h"
#include "kube/event_recorder.h"
#include "kube/leader_elector.h"

namespace ironlb::controller {

struct ControllerDaemonOptions {
  std::string ns;  // where the ironlb.io objects and the Lease are
  // Where MetalLB's objects are read as they are ("" none), and the name of MetalLB <= 0.12's
  // ConfigMap there ("" none).
  std::string metallb_namespace;
  std::string metallb_config_map;
  std::string identity;  // this replica (pod name); Events' source and the Lease's holder
  std::optional<std::string> load_balancer_class;
  bool leader_elect = false;
  std::string lease_name = "ironlb-controller";
  absl::Duration lease_duration = absl::Seconds(10);
  absl::Duration renew_deadline = absl::Seconds(7);
  absl::Duration retry_period = absl::Seconds(2);
  int writer_threads = 4;
  absl::Duration watch_timeout = absl::Minutes(5);
};

class ControllerDaemon {
 public:
  // `client` must outlive the daemon; metrics go to `registry`.
  static absl::StatusOr<std::unique_ptr<ControllerDaemon>> Create(kube::Client* client,
                                                                  metrics::Registry& registry,
                                                                  ControllerDaemonOptions options);
  ~ControllerDaemon();

  void Start();
  // Stops; a leader hands its Lease back so the standby takes over at once.
  void Stop();

  absl::Status Ready() const { return controller_.Ready(); }
  bool IsLeader() const;
  bool WritesIdle() const { return controller_.WritesIdle(); }

 private:
  ControllerDaemon(kube::Client* client, metrics::Registry& registry,
                   ControllerDaemonOptions options);

  ControllerDaemonOptions options_;
  ControllerMetrics metrics_;
  DirtyQueue queue_;
  kube::EventRecorder recorder_;
  ClusterCache cache_;
  LoadBalancerController controller_;
  std::unique_ptr<kube::LeaderElector> elector_;
  bool started_ = false;
};

}  // namespace ironlb::controller

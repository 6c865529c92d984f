// The controller's reconcile loop: while this replica leads, it feeds the allocation engine
// from the ClusterCache and has the StatusWriter show the engine's decisions on the Services.
//
// On becoming leader it starts from scratch: the configuration, the namespaces' labels, then
// every Service at once with the addresses its status already shows, so a restart or a
// takeover keeps every valid assignment. After that it handles the keys the cache marks,
// in batches: configuration first, then namespaces, then Services; and then writes what
// changed for the Services touched and those the engine re-decided.
//
// Without a valid configuration it decides nothing (Services keep what they show): a broken
// configuration must never take addresses away.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "controller/allocator.h"
#include "controller/cluster_cache.h"
#include "controller/config_assembler.h"
#include "controller/config_reporter.h"
#include "controller/controller_metrics.h"
#include "controller/dirty_queue.h"
#include "controller/status_writer.h"
#include "kube/client.h"
#include "kube/event_recorder.h"

namespace ironlb::controller {

struct ControllerOptions {
  // The spec.loadBalancerClass served; nullopt serves Services without one.
  std::optional<std::string> load_balancer_class;
  int writer_threads = 4;
  absl::Duration retry_delay = absl::Seconds(1);  // before a failed write is tried again
  // Where ironlb's configuration objects are read (--namespace): a namespace that does not
  // exist (a wrong --namespace, or objects applied elsewhere) is said in the log and in the
  // Services' AllocationFailed Events.
  std::string config_namespace;
};

class LoadBalancerController {
 public:
  // Everything passed in must outlive the controller.
  LoadBalancerController(kube::Client* client, ClusterCache* cache, DirtyQueue* queue,
                         kube::EventRecorder* recorder, ControllerMetrics* metrics,
                         ControllerOptions options);
  ~LoadBalancerController();
  LoadBalancerController(const LoadBalancerController&) = delete;
  LoadBalancerController& operator=(const LoadBalancerController&) = delete;

  void Start();
  void Stop();
  // Leadership changes (from the LeaderElector's callbacks, or once at start without one).
  void SetLeading(bool leading);

  // OK when this replica does its job: leading with a valid configuration, or standing by
  // with its caches synced.
  absl::Status Ready() const;
  // No writes waiting or running (tests and benchmarks).
  bool WritesIdle() const { return writer_->Idle() && queue_->size() == 0; }
  // No write waiting or running (whatever the queue holds).
  bool WriterIdle() const { return writer_->Idle(); }

 private:
  void Run();
  bool Leading(uint64_t term) const { return leading_ && term_ == term; }
  // Reads everything and decides every Service; false when there is no valid configuration.
  bool Bootstrap(uint64_t term);
  void HandleBatch(const std::vector<std::string>& keys);
  // Assembles the configuration; returns true when one is in force.
  bool ApplyConfig();
  // Whether the configuration namespace is missing now (the API lists namespaces, not that
  // one); logs when that changes.
  void CheckConfigNamespace();
  void ApplyNamespace(const std::string& name);
  void ApplyService(const std::string& key);
  // Queues the writes and Events for one Service's current decision.
  void Show(const std::string& key);
  void Remember(const std::string& key, const Allocation* allocation);
  void UpdateGauges();

  ClusterCache* cache_;
  DirtyQueue* queue_;
  ControllerMetrics* metrics_;
  ControllerOptions options_;
  ConfigReporter reporter_;
  std::unique_ptr<StatusWriter> writer_;

  std::atomic<bool> leading_{false};
  std::atomic<uint64_t> term_{0};
  std::atomic<bool> stopping_{false};
  std::atomic<bool> bootstrapped_{false};
  std::thread thread_;

  // Worker-thread state, rebuilt at every bootstrap.
  std::unique_ptr<Allocator> allocator_;
  ConfigAssembler assembler_;
  std::string fingerprint_;
  bool have_config_ = false;
  bool config_namespace_missing_ = false;
  // The decision last shown in Events, per Service.
  std::map<std::string, Allocation> shown_;
  int64_t assigned_ = 0;
  int64_t pending_ = 0;
};

}  // namespace ironlb::controller

// Kubernetes mode's inputs: informers on Services, EndpointSlices, Nodes and ironlb's
// configuration kinds, and a debounced "something changed" posted to the speaker's event loop.
// The informers keep their caches through API outages (they retry with backoff), so when the
// API server is unreachable nothing changes and announcements continue as they are. A
// configuration with errors is refused; the last good one stays in force.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "common/event_loop.h"
#include "common/metrics.h"
#include "config/config_metrics.h"
#include "config/config_store.h"
#include "kube/client.h"
#include "kube/informer.h"
#include "speaker/kube/kube_snapshot.h"

namespace ironlb::speaker {

struct KubeInputsOptions {
  std::string config_namespace;  // where ironlb.io objects are read; "" = every namespace
  // Where MetalLB's objects (metallb.io) are read as they are; "" = none. A kind whose CRD is
  // not installed (or not readable) counts as empty. And MetalLB <= 0.12's ConfigMap of that
  // name there; "" = none.
  std::string metallb_namespace;
  std::string metallb_config_map;
  std::optional<std::string> lb_class;
  // False on a router host that reads its configuration from --config-dir and only the
  // Services (and nodes, endpoints) from the cluster: no informers on ironlb.io kinds.
  bool read_config = true;
  // A burst of changes (a rollout moving endpoints) becomes one re-apply this long after its
  // first change.
  absl::Duration debounce = absl::Milliseconds(50);
  absl::Duration watch_timeout = absl::Minutes(5);
  kube::BackoffPolicy backoff;
  // With read_config: where ironlb_config_* of the configuration read from the API go.
  metrics::Registry* registry = nullptr;
};

class KubeInputs {
 public:
  // `on_change` runs on `loop`'s thread once every informer has synced, and after changes.
  // Destroy this on the loop's thread or after the loop stopped (it stops the informers).
  KubeInputs(kube::Client* client, EventLoop* loop, KubeInputsOptions options,
             std::function<void()> on_change);
  ~KubeInputs();
  KubeInputs(const KubeInputs&) = delete;
  KubeInputs& operator=(const KubeInputs&) = delete;

  void Start();
  bool synced() const;

  // On the loop's thread: the configuration in force (nullptr until a good one arrived, and
  // always with read_config = false) and
  // the Services, plan and facts from the caches as they are now.
  std::shared_ptr<const config::LoadResult> config();
  KubeSnapshot Snapshot();
  // The same with a configuration from elsewhere (read_config = false).
  KubeSnapshot SnapshotWith(const config::Config& config);
  const config::ConfigStore& config_store() const { return config_store_; }
  // Why the last configuration was refused, or empty.
  std::vector<std::string> ConfigProblems() const;

 private:
  void Changed(bool config);
  void Fire();
  kube::InformerHandlers HandlersFor(bool config);

  kube::Client* client_;
  EventLoop* loop_;
  KubeInputsOptions options_;
  std::function<void()> on_change_;
  std::unique_ptr<kube::Informer> services_;
  std::unique_ptr<kube::Informer> slices_;
  std::unique_ptr<kube::Informer> nodes_;
  std::vector<std::unique_ptr<kube::Informer>> config_informers_;
  std::atomic<bool> scheduled_{false};
  std::atomic<bool> config_dirty_{true};
  config::ConfigStore config_store_;
  std::unique_ptr<config::ConfigMetrics> config_metrics_;
};

}  // namespace ironlb::speaker

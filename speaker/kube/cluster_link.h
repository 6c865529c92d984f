// The speaker agent's side of a cluster (Kubernetes mode, and a router host publishing a
// cluster's Services): the API client, the informers (KubeInputs), the ServiceAnnouncements
// this node publishes (KubeAnnouncer) and Warning Events (KubeEventSink). The agent asks it for
// the inputs in force and tells it what this node announces; nothing else of the API leaks out.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "bgp/desired_state.h"
#include "common/event_loop.h"
#include "common/metrics.h"
#include "config/config_store.h"
#include "kube/client.h"
#include "nlohmann/json.hpp"
#include "speaker/kube/kube_announcer.h"
#include "speaker/kube/kube_event_sink.h"
#include "speaker/kube/kube_inputs.h"
#include "speaker/kube/kube_snapshot.h"

namespace ironlb::speaker {

class ClusterLink {
 public:
  // `options.read_config` false: the configuration comes from a directory (router host).
  // `layer2_owned` is read on the loop's thread. `loop` and `registry` outlive the link.
  ClusterLink(std::unique_ptr<kube::Client> client, EventLoop* loop, std::string node,
              KubeInputsOptions options, KubeAnnouncer::Layer2Owned layer2_owned);
  ~ClusterLink();
  ClusterLink(const ClusterLink&) = delete;
  ClusterLink& operator=(const ClusterLink&) = delete;

  // Starts the informers; `on_change` runs on the loop's thread once they have all synced and
  // after every change.
  void Start(std::function<void()> on_change);
  bool synced() const { return inputs_ && inputs_->synced(); }

  // On the loop's thread, after the first on_change: the configuration read from the API
  // (null until a good one arrived; always null with read_config false), and the Services,
  // plan and facts as the caches hold them now, planned with `config`.
  std::shared_ptr<const config::LoadResult> Config();
  const config::ConfigStore& config_store() const { return inputs_->config_store(); }
  KubeSnapshot Snapshot(const config::Config& config);

  // On the loop's thread, after each apply: where this node announces what.
  void Publish(const AssignedServices& services, std::map<std::string, std::string> service_uids,
               std::optional<bgp::DesiredState> bgp);
  // Thread-safe. A Warning Event on the Service "namespace/name".
  void ServiceWarning(const std::string& service, std::string reason, std::string message);
  // Thread-safe. A Warning Event on `involved` (apiVersion, kind, metadata.namespace/name).
  void Warning(nlohmann::json involved, std::string reason, std::string message);

  // After the loop stopped (graceful stop): stops the informers and deletes this node's
  // ServiceAnnouncements (at most `timeout`).
  void Stop(absl::Duration timeout);

 private:
  std::unique_ptr<kube::Client> client_;
  EventLoop* loop_;
  std::string node_;
  KubeInputsOptions options_;
  KubeAnnouncer::Layer2Owned layer2_owned_;
  std::unique_ptr<KubeEventSink> events_;
  std::unique_ptr<KubeAnnouncer> announcer_;
  std::unique_ptr<KubeInputs> inputs_;
};

}  // namespace ironlb::speaker

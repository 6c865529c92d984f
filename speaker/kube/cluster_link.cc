#include "speaker/kube/cluster_link.h"

#include <utility>

namespace ironlb::speaker {

ClusterLink::ClusterLink(std::unique_ptr<kube::Client> client, EventLoop* loop, std::string node,
                         KubeInputsOptions options, KubeAnnouncer::Layer2Owned layer2_owned)
    : client_(std::move(client)),
      loop_(loop),
      node_(std::move(node)),
      options_(std::move(options)),
      layer2_owned_(std::move(layer2_owned)),
      events_(std::make_unique<KubeEventSink>(client_.get(), node_)) {}

ClusterLink::~ClusterLink() { Stop(absl::ZeroDuration()); }

void ClusterLink::Start(std::function<void()> on_change) {
  announcer_ = std::make_unique<KubeAnnouncer>(client_.get(), loop_, node_, layer2_owned_);
  inputs_ = std::make_unique<KubeInputs>(client_.get(), loop_, options_, std::move(on_change));
  inputs_->Start();
}

std::shared_ptr<const config::LoadResult> ClusterLink::Config() { return inputs_->config(); }

KubeSnapshot ClusterLink::Snapshot(const config::Config& config) {
  return inputs_->SnapshotWith(config);
}

void ClusterLink::Publish(const AssignedServices& services,
                          std::map<std::string, std::string> service_uids,
                          std::optional<bgp::DesiredState> bgp) {
  if (announcer_) announcer_->Update(services, std::move(service_uids), std::move(bgp));
}

void ClusterLink::ServiceWarning(const std::string& service, std::string reason,
                                 std::string message) {
  if (events_) events_->ServiceWarning(service, std::move(reason), std::move(message));
}

void ClusterLink::Warning(nlohmann::json involved, std::string reason, std::string message) {
  if (events_) events_->Warning(std::move(involved), std::move(reason), std::move(message));
}

void ClusterLink::Stop(absl::Duration timeout) {
  inputs_.reset();
  // No longer true once we stop.
  if (announcer_ && timeout > absl::ZeroDuration()) announcer_->WithdrawAll(timeout);
  announcer_.reset();
  events_.reset();
}

}  // namespace ironlb::speaker

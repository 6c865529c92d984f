#include "controller/controller_daemon.h"

#include "common/log.h"
#include "common/status_macros.h"

namespace ironlb::controller {

ControllerDaemon::ControllerDaemon(kube::Client* client, metrics::Registry& registry,
                                   ControllerDaemonOptions options)
    : options_(std::move(options)),
      metrics_(registry),
      recorder_(client, "ironlb-controller", options_.identity),
      cache_(client, &queue_,
             ClusterCache::Options{.config_namespace = options_.ns,
                                   .metallb_namespace = options_.metallb_namespace,
                                   .metallb_config_map = options_.metallb_config_map,
                                   .watch_timeout = options_.watch_timeout}),
      controller_(client, &cache_, &queue_, &recorder_, &metrics_,
                  ControllerOptions{.load_balancer_class = options_.load_balancer_class,
                                    .writer_threads = options_.writer_threads,
                                    .config_namespace = options_.ns}) {}

absl::StatusOr<std::unique_ptr<ControllerDaemon>> ControllerDaemon::Create(
    kube::Client* client, metrics::Registry& registry, ControllerDaemonOptions options) {
  if (options.ns.empty()) {
    return absl::InvalidArgumentError("controller: the namespace of ironlb's objects is not set");
  }
  auto daemon =
      std::unique_ptr<ControllerDaemon>(new ControllerDaemon(client, registry, std::move(options)));
  if (daemon->options_.leader_elect) {
    LoadBalancerController* controller = &daemon->controller_;
    const std::string identity = daemon->options_.identity;
    IRONLB_ASSIGN_OR_RETURN(
        daemon->elector_,
        kube::LeaderElector::Create(
            client, kube::LeaderElectionConfig{
                        .lease_namespace = daemon->options_.ns,
                        .lease_name = daemon->options_.lease_name,
                        .identity = identity,
                        .lease_duration = daemon->options_.lease_duration,
                        .renew_deadline = daemon->options_.renew_deadline,
                        .retry_period = daemon->options_.retry_period,
                        .release_on_stop = true,
                        .on_started_leading =
                            [controller, identity] {
                              IRONLB_LOG(kInfo, "leading: this replica assigns addresses now")
                                  .With("identity", identity);
                              controller->SetLeading(true);
                            },
                        .on_stopped_leading =
                            [controller, identity] {
                              IRONLB_LOG(kInfo, "no longer leading; standing by")
                                  .With("identity", identity);
                              controller->SetLeading(false);
                            },
                        .on_new_leader =
                            [](const std::string& leader) {
                              IRONLB_LOG(kInfo, "leader seen").With("leader", leader);
                            }}));
  }
  return daemon;
}

ControllerDaemon::~ControllerDaemon() { Stop(); }

void ControllerDaemon::Start() {
  if (started_) return;
  started_ = true;
  cache_.Start();
  controller_.Start();
  if (elector_ != nullptr) {
    elector_->Start();
  } else {
    controller_.SetLeading(true);
  }
}

void ControllerDaemon::Stop() {
  if (!started_) return;
  started_ = false;
  // Stop deciding and let writes under way finish (bounded) before the Lease is handed back,
  // so the successor does not race them.
  controller_.SetLeading(false);
  controller_.Stop();
  const absl::Time deadline = absl::Now() + absl::Seconds(2);
  while (!controller_.WriterIdle() && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(10));
  }
  if (elector_ != nullptr) elector_->Stop();
  cache_.Stop();
}

bool ControllerDaemon::IsLeader() const {
  return elector_ != nullptr ? elector_->IsLeader() : started_;
}

}  // namespace ironlb::controller

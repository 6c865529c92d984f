#include "speaker/kube/kube_announcer.h"

#include <chrono>

#include "speaker/kube/announcement_plan.h"

namespace ironlb::speaker {

KubeAnnouncer::KubeAnnouncer(kube::Client* client, EventLoop* loop, std::string node,
                             Layer2Owned layer2_owned)
    : loop_(loop),
      node_(node),
      layer2_owned_(std::move(layer2_owned)),
      publisher_(client, std::move(node)) {
  Tick();
}

KubeAnnouncer::~KubeAnnouncer() { loop_->Cancel(timer_); }

void KubeAnnouncer::Tick() {
  timer_ = loop_->RunAfter(std::chrono::seconds(1), [this] {
    Publish();
    Tick();
  });
}

void KubeAnnouncer::Update(const AssignedServices& services,
                           std::map<std::string, std::string> service_uids,
                           std::optional<bgp::DesiredState> bgp) {
  services_ = services;
  service_uids_ = std::move(service_uids);
  bgp_ = std::move(bgp);
  Publish();
}

void KubeAnnouncer::Publish() {
  AnnouncementFacts facts{.node = node_,
                          .services = &services_,
                          .service_uids = service_uids_,
                          .layer2_owned = layer2_owned_(),
                          .bgp = bgp_ ? &*bgp_ : nullptr};
  publisher_.SetDesired(DesiredAnnouncements(facts));
}

}  // namespace ironlb::speaker

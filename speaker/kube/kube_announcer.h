// Kubernetes mode: publishes where this node announces each Service (ServiceAnnouncement
// objects, announcement_plan.h) from the speaker's event loop. Recomputed after every apply
// and once a second (layer-2 ownership changes without an apply, on failover); the publisher
// writes only differences, off the loop.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "bgp/desired_state.h"
#include "common/event_loop.h"
#include "speaker/assigned_service.h"
#include "speaker/kube/announcement_publisher.h"

namespace ironlb::speaker {

class KubeAnnouncer {
 public:
  using Layer2Owned = std::function<std::map<std::string, std::vector<IpAddress>>()>;

  // `layer2_owned` is read on the loop's thread (it may return nothing when layer 2 is off).
  KubeAnnouncer(kube::Client* client, EventLoop* loop, std::string node, Layer2Owned layer2_owned);
  ~KubeAnnouncer();

  // On the loop's thread, after each apply.
  void Update(const AssignedServices& services, std::map<std::string, std::string> service_uids,
              std::optional<bgp::DesiredState> bgp);
  // After the loop stopped (graceful stop): deletes this node's objects.
  void WithdrawAll(absl::Duration timeout) { publisher_.WithdrawAll(timeout); }
  const AnnouncementPublisher& publisher() const { return publisher_; }

 private:
  void Publish();
  void Tick();

  EventLoop* loop_;
  std::string node_;
  Layer2Owned layer2_owned_;
  AnnouncementPublisher publisher_;
  AssignedServices services_;
  std::map<std::string, std::string> service_uids_;
  std::optional<bgp::DesiredState> bgp_;
  EventLoop::TimerId timer_ = 0;
};

}  // namespace ironlb::speaker

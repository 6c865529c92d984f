// Follows interfaces through rtnetlink (libmnl): one dump at start, then RTM_NEWLINK /
// RTM_DELLINK / RTM_NEWADDR / RTM_DELADDR notifications on the event loop. No polling.
#pragma once

#include <functional>
#include <map>
#include <memory>

#include "absl/status/statusor.h"
#include "arp/link.h"
#include "common/event_loop.h"

struct mnl_socket;
struct nlmsghdr;

namespace ironlb::arp {

class LinkMonitor {
 public:
  struct Callbacks {
    std::function<void(const Link&)> changed;  // new link, or any change to a known one
    std::function<void(int ifindex)> removed;
  };

  // Subscribes, dumps the current links and addresses (reporting each through `changed`),
  // then follows notifications on `loop`. Must be called in the network namespace to watch.
  static absl::StatusOr<std::unique_ptr<LinkMonitor>> Create(EventLoop* loop, Callbacks callbacks);
  ~LinkMonitor();

  const std::map<int, Link>& links() const { return links_; }

 private:
  LinkMonitor(EventLoop* loop, Callbacks callbacks) : loop_(loop), callbacks_(callbacks) {}
  absl::Status Dump(int type);
  absl::Status Resync();
  void OnReadable();
  static int OnMessage(const nlmsghdr* nlh, void* self);
  void HandleLink(const nlmsghdr* nlh);
  void HandleAddress(const nlmsghdr* nlh);

  EventLoop* loop_;
  Callbacks callbacks_;
  mnl_socket* events_ = nullptr;  // multicast notifications
  std::map<int, Link> links_;
};

}  // namespace ironlb::arp

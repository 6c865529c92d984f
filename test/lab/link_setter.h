// Setting a lab link up or down from this process over rtnetlink, without starting a program:
// a cable cut then happens at the instant the test asks for it. (`ip link set` is a new process
// that took 20–150 ms to start on a machine under stress-ng, and a failover measured from
// before it started counted that time as the speakers'.)
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

struct mnl_socket;

namespace ironlb::lab {

class LinkSetter {
 public:
  // A netlink socket inside network namespace `netns` (it stays there for its life).
  static absl::StatusOr<std::unique_ptr<LinkSetter>> Open(const std::string& netns);
  ~LinkSetter();
  LinkSetter(const LinkSetter&) = delete;
  LinkSetter& operator=(const LinkSetter&) = delete;

  // Sets `ifname` administratively up or down and waits for the kernel's answer.
  absl::Status SetUp(const std::string& ifname, bool up);

 private:
  LinkSetter(mnl_socket* nl, std::string netns) : nl_(nl), netns_(std::move(netns)) {}
  std::mutex mu_;
  mnl_socket* nl_;
  std::string netns_;
  uint32_t seq_ = 1;
};

}  // namespace ironlb::lab

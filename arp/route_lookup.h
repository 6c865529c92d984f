// Asks the kernel how this host reaches an address (rtnetlink RTM_GETROUTE, the question
// `ip route get` asks) and which interface holds a local address. Router hosts use the
// answers to tell whether a forwarded connection's replies would come back through them.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "common/ip.h"

namespace ironlb::arp {

// The interface packets to `destination` leave by ("lo" for this host's own addresses).
// NotFound when there is no route.
absl::StatusOr<std::string> EgressInterface(const IpAddress& destination);

// The interface that has `address` assigned; NotFound when none has.
absl::StatusOr<std::string> InterfaceHoldingAddress(const IpAddress& address);

}  // namespace ironlb::arp

// Claiming a VIP on the LAN by hand, from a lab host: a gratuitous ARP request (RFC 5227
// announcement: sender and target IP both the VIP, broadcast) for IPv4, an unsolicited
// Neighbor Advertisement (RFC 4861 7.2.6, override flag, target link-layer address option) to
// all-nodes for IPv6. Built here rather than with arping, whose two Debian flavours disagree
// on flags and which waits for replies that never come.
#pragma once

#include <string>

#include "absl/status/status.h"

namespace ironlb::lab {

absl::Status SendGratuitousArp(const std::string& netns, const std::string& interface,
                               const std::string& mac, const std::string& vip);

absl::Status SendUnsolicitedNa(const std::string& netns, const std::string& interface,
                               const std::string& mac, const std::string& target);

}  // namespace ironlb::lab

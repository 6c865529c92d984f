// Decides the answer to one received frame: an ARP reply or a solicited NA when the frame asks
// for a VIP this interface announces, nothing otherwise. Pure apart from the counters.
#pragma once

#include <optional>

#include "absl/functional/function_ref.h"
#include "absl/types/span.h"
#include "arp/counters.h"
#include "arp/mac_address.h"
#include "common/ip.h"

namespace ironlb::arp {

struct ResponderContext {
  MacAddress own_mac;
  absl::FunctionRef<bool(const IpAddress&)> owns;  // VIPs announced on this interface
  bool router;                                     // host forwards IPv6: NA Router flag
};

// Malformed frames and well-formed requests are counted; a reply is counted by the caller
// once it is sent. Announcements from others (gratuitous ARP, sender IP == target IP) and
// frames that are not requests get no answer.
std::optional<Frame> AnswerFor(absl::Span<const uint8_t> frame, const ResponderContext& context,
                               Layer2Counters& counters);

}  // namespace ironlb::arp

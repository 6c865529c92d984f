// IPv4 ARP (RFC 826) over Ethernet: pure builders into a Frame and a validating parser.
// No I/O here; see packet_socket.h for sending and receiving.
#pragma once

#include <cstdint>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "arp/mac_address.h"
#include "common/ip.h"

namespace ironlb::arp {

// Ethernet header (14) + ARP for Ethernet/IPv4 (28). The NIC pads to the 60-byte minimum.
inline constexpr size_t kArpFrameLen = 42;

enum class ArpOp : uint16_t { kRequest = 1, kReply = 2 };

// One ARP frame, Ethernet header included. IPs are IPv4.
struct ArpMessage {
  MacAddress eth_destination;
  MacAddress eth_source;
  ArpOp op = ArpOp::kRequest;
  MacAddress sender_mac;
  IpAddress sender_ip;
  MacAddress target_mac;
  IpAddress target_ip;

  friend bool operator==(const ArpMessage&, const ArpMessage&) = default;
};

// Gratuitous ARP comes in two shapes; some hosts (old Windows, some routers) only update their
// cache from one of them, so the announcer can send either or both.
enum class GratuitousForm { kRequest, kReply };

Frame BuildArp(const ArpMessage& m);

// "Who has `target_ip`? Tell `sender_ip`", broadcast.
Frame BuildArpRequest(const MacAddress& own_mac, const IpAddress& sender_ip,
                      const IpAddress& target_ip);
// The answer to `request`: `own_mac` has request.target_ip, unicast to the asker.
Frame BuildArpReply(const MacAddress& own_mac, const ArpMessage& request);
// Broadcast announcement that `vip` is at `own_mac` (sender IP == target IP). The request form
// has a zero target MAC (RFC 5227 announcement); the reply form targets the broadcast MAC.
Frame BuildGratuitousArp(const MacAddress& own_mac, const IpAddress& vip, GratuitousForm form);

// Validates an Ethernet frame as ARP for Ethernet/IPv4: length, EtherType, hardware and
// protocol types and lengths, opcode. Trailing bytes (Ethernet padding) are ignored. Errors
// are InvalidArgument naming the field.
absl::StatusOr<ArpMessage> ParseArp(absl::Span<const uint8_t> frame);

}  // namespace ironlb::arp

// IPv6 Neighbor Discovery (RFC 4861) Neighbor Solicitation and Advertisement over Ethernet:
// pure builders into a Frame, a validating parser, and the ICMPv6 checksum.
#pragma once

#include <cstdint>
#include <optional>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "arp/mac_address.h"
#include "common/ip.h"

namespace ironlb::arp {

inline constexpr size_t kIpv6HeaderLen = 40;
inline constexpr uint8_t kIpProtoIcmpv6 = 58;
inline constexpr uint8_t kNdpHopLimit = 255;
// Ethernet + IPv6 + ICMPv6 NS/NA (24) + one link-layer address option (8).
inline constexpr size_t kNdpFrameLen = kEthernetHeaderLen + kIpv6HeaderLen + 24 + 8;

enum class NdpType : uint8_t { kNeighborSolicitation = 135, kNeighborAdvertisement = 136 };

// One NS or NA frame, Ethernet and IPv6 headers included.
struct NdpMessage {
  MacAddress eth_destination;
  MacAddress eth_source;
  IpAddress ip_source;
  IpAddress ip_destination;
  uint8_t hop_limit = kNdpHopLimit;
  NdpType type = NdpType::kNeighborSolicitation;
  IpAddress target;
  // NA flags (RFC 4861 4.4); zero in an NS.
  bool router = false;
  bool solicited = false;
  bool override_flag = false;
  // Source link-layer address option (NS), target link-layer address option (NA).
  std::optional<MacAddress> link_layer_option;

  friend bool operator==(const NdpMessage&, const NdpMessage&) = default;
};

// ff02::1:ffXX:XXXX for `address` (RFC 4291 2.7.1).
IpAddress SolicitedNodeAddress(const IpAddress& address);
// 33:33 followed by the group's low 32 bits (RFC 2464 7).
MacAddress MulticastMacFor(const IpAddress& group);
// The all-nodes group ff02::1.
IpAddress AllNodesAddress();

// ICMPv6 checksum over the IPv6 pseudo-header and `icmp` (whose checksum field must be zero
// when building; when verifying, a valid message sums to zero).
uint16_t Icmpv6Checksum(const IpAddress& source, const IpAddress& destination,
                        absl::Span<const uint8_t> icmp);

// Builds the frame: payload length, hop limit and checksum are computed, option added when set.
Frame BuildNdp(const NdpMessage& m);

// NS from `source_ip` for `target`, to its solicited-node group, with a source link-layer option.
Frame BuildNeighborSolicitation(const MacAddress& own_mac, const IpAddress& source_ip,
                                const IpAddress& target);
// The NA answering `solicitation` for its target: Solicited and Override set, target link-layer
// option; to the asker, or to all nodes when it was a DAD probe (unspecified source, 7.2.4).
Frame BuildSolicitedAdvertisement(const MacAddress& own_mac, const NdpMessage& solicitation,
                                  bool router);
// Unsolicited NA announcing `vip` at `own_mac`: to ff02::1, hop limit 255, Override set,
// Solicited clear, Router only when the host forwards IPv6 (so peers do not mistake a plain
// host for a router and vice versa).
Frame BuildUnsolicitedAdvertisement(const MacAddress& own_mac, const IpAddress& vip, bool router);

// Validates an Ethernet frame as an NS or NA (RFC 4861 7.1.1 / 7.1.2): EtherType, IPv6 version,
// next header ICMPv6 (no extension headers), payload length, hop limit 255, ICMP code 0,
// checksum, length, non-multicast target, option lengths, DAD and multicast rules. Trailing
// bytes beyond the IPv6 payload are ignored. Errors are InvalidArgument naming the field.
absl::StatusOr<NdpMessage> ParseNdp(absl::Span<const uint8_t> frame);

}  // namespace ironlb::arp

#include "arp/ndp_packet.h"

#include <cstring>

#include "absl/strings/str_cat.h"

namespace ironlb::arp {
namespace {

constexpr uint8_t kOptionSourceLinkLayer = 1;
constexpr uint8_t kOptionTargetLinkLayer = 2;
constexpr size_t kNdpBodyLen = 24;  // type, code, checksum, flags/reserved, target

absl::Status Malformed(absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat("ndp: ", what));
}

void StoreV6(uint8_t* p, const IpAddress& a) { std::memcpy(p, a.bytes().data(), 16); }
IpAddress LoadV6(const uint8_t* p) { return *IpAddress::FromBytes(p, 16); }
bool IsMulticast(const IpAddress& a) { return a.bytes()[0] == 0xff; }
bool IsUnspecified(const IpAddress& a) { return a.value() == 0; }

}  // namespace

IpAddress SolicitedNodeAddress(const IpAddress& address) {
  uint128 prefix = uint128{0xff02} << 112 | uint128{1} << 32 | uint128{0xff} << 24;
  return IpAddress::FromValue(IpFamily::kV6, prefix | (address.value() & 0xffffff));
}

MacAddress MulticastMacFor(const IpAddress& group) {
  std::array<uint8_t, 16> b = group.bytes();
  return MacAddress({0x33, 0x33, b[12], b[13], b[14], b[15]});
}

IpAddress AllNodesAddress() {
  return IpAddress::FromValue(IpFamily::kV6, uint128{0xff02} << 112 | 1);
}

uint16_t Icmpv6Checksum(const IpAddress& source, const IpAddress& destination,
                        absl::Span<const uint8_t> icmp) {
  uint64_t sum = 0;
  auto add_bytes = [&sum](const uint8_t* p, size_t n) {
    for (size_t i = 0; i + 1 < n; i += 2) sum += Load16(p + i);
    if (n % 2 != 0) sum += uint32_t{p[n - 1]} << 8;
  };
  std::array<uint8_t, 16> s = source.bytes();
  std::array<uint8_t, 16> d = destination.bytes();
  add_bytes(s.data(), 16);
  add_bytes(d.data(), 16);
  sum += icmp.size();  // upper-layer packet length (32 bits, fits)
  sum += kIpProtoIcmpv6;
  add_bytes(icmp.data(), icmp.size());
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(~sum);
}

Frame BuildNdp(const NdpMessage& m) {
  Frame f;
  uint8_t* p = f.bytes.data();
  std::memcpy(p, m.eth_destination.bytes().data(), 6);
  std::memcpy(p + 6, m.eth_source.bytes().data(), 6);
  Store16(p + 12, kEtherTypeIpv6);
  size_t icmp_len = kNdpBodyLen + (m.link_layer_option ? 8 : 0);
  uint8_t* ip = p + kEthernetHeaderLen;
  ip[0] = 0x60;  // version 6, traffic class 0, flow label 0
  Store16(ip + 4, static_cast<uint16_t>(icmp_len));
  ip[6] = kIpProtoIcmpv6;
  ip[7] = m.hop_limit;
  StoreV6(ip + 8, m.ip_source);
  StoreV6(ip + 24, m.ip_destination);
  uint8_t* icmp = ip + kIpv6HeaderLen;
  icmp[0] = static_cast<uint8_t>(m.type);
  icmp[4] = static_cast<uint8_t>((m.router ? 0x80 : 0) | (m.solicited ? 0x40 : 0) |
                                 (m.override_flag ? 0x20 : 0));
  StoreV6(icmp + 8, m.target);
  if (m.link_layer_option) {
    icmp[24] =
        m.type == NdpType::kNeighborSolicitation ? kOptionSourceLinkLayer : kOptionTargetLinkLayer;
    icmp[25] = 1;  // length in units of 8 bytes
    std::memcpy(icmp + 26, m.link_layer_option->bytes().data(), 6);
  }
  Store16(icmp + 2,
          Icmpv6Checksum(m.ip_source, m.ip_destination, absl::MakeConstSpan(icmp, icmp_len)));
  f.size = kEthernetHeaderLen + kIpv6HeaderLen + icmp_len;
  return f;
}

Frame BuildNeighborSolicitation(const MacAddress& own_mac, const IpAddress& source_ip,
                                const IpAddress& target) {
  IpAddress group = SolicitedNodeAddress(target);
  return BuildNdp({.eth_destination = MulticastMacFor(group),
                   .eth_source = own_mac,
                   .ip_source = source_ip,
                   .ip_destination = group,
                   .type = NdpType::kNeighborSolicitation,
                   .target = target,
                   .link_layer_option = own_mac});
}

Frame BuildSolicitedAdvertisement(const MacAddress& own_mac, const NdpMessage& solicitation,
                                  bool router) {
  bool dad = IsUnspecified(solicitation.ip_source);
  NdpMessage na{.eth_source = own_mac,
                .ip_source = solicitation.target,
                .type = NdpType::kNeighborAdvertisement,
                .target = solicitation.target,
                .router = router,
                .solicited = !dad,
                .override_flag = true,
                .link_layer_option = own_mac};
  if (dad) {
    na.ip_destination = AllNodesAddress();
    na.eth_destination = MulticastMacFor(na.ip_destination);
  } else {
    na.ip_destination = solicitation.ip_source;
    // Unicast NS for unreachability detection may omit the source link-layer option; the
    // frame's own source address is then where the asker is.
    na.eth_destination = solicitation.link_layer_option.value_or(solicitation.eth_source);
  }
  return BuildNdp(na);
}

Frame BuildUnsolicitedAdvertisement(const MacAddress& own_mac, const IpAddress& vip, bool router) {
  IpAddress all_nodes = AllNodesAddress();
  return BuildNdp({.eth_destination = MulticastMacFor(all_nodes),
                   .eth_source = own_mac,
                   .ip_source = vip,
                   .ip_destination = all_nodes,
                   .type = NdpType::kNeighborAdvertisement,
                   .target = vip,
                   .router = router,
                   .solicited = false,
                   .override_flag = true,
                   .link_layer_option = own_mac});
}

absl::StatusOr<NdpMessage> ParseNdp(absl::Span<const uint8_t> frame) {
  constexpr size_t kMinLen = kEthernetHeaderLen + kIpv6HeaderLen + kNdpBodyLen;
  if (frame.size() < kMinLen) {
    return Malformed(absl::StrCat("truncated frame: ", frame.size(), " bytes, need ", kMinLen));
  }
  const uint8_t* p = frame.data();
  if (uint16_t type = Load16(p + 12); type != kEtherTypeIpv6) {
    return Malformed(absl::StrCat("ethertype 0x", absl::Hex(type), " is not IPv6 (0x86dd)"));
  }
  const uint8_t* ip = p + kEthernetHeaderLen;
  if ((ip[0] >> 4) != 6) return Malformed(absl::StrCat("IP version ", ip[0] >> 4, " is not 6"));
  if (ip[6] != kIpProtoIcmpv6) {
    return Malformed(absl::StrCat("next header ", ip[6], " is not ICMPv6 (58)"));
  }
  size_t payload_len = Load16(ip + 4);
  size_t available = frame.size() - kEthernetHeaderLen - kIpv6HeaderLen;
  if (payload_len > available) {
    return Malformed(
        absl::StrCat("payload length ", payload_len, " exceeds the frame's ", available, " bytes"));
  }
  if (payload_len < kNdpBodyLen) {
    return Malformed(absl::StrCat("ICMPv6 length ", payload_len, " is below ", kNdpBodyLen));
  }
  if (ip[7] != kNdpHopLimit) {
    return Malformed(absl::StrCat("hop limit ", ip[7], " is not 255"));
  }
  const uint8_t* icmp = ip + kIpv6HeaderLen;
  if (icmp[0] != static_cast<uint8_t>(NdpType::kNeighborSolicitation) &&
      icmp[0] != static_cast<uint8_t>(NdpType::kNeighborAdvertisement)) {
    return Malformed(absl::StrCat("ICMPv6 type ", icmp[0], " is not NS (135) or NA (136)"));
  }
  if (icmp[1] != 0) return Malformed(absl::StrCat("ICMPv6 code ", icmp[1], " is not 0"));

  NdpMessage m;
  m.eth_destination = MacAddress::FromBytes(p);
  m.eth_source = MacAddress::FromBytes(p + 6);
  m.ip_source = LoadV6(ip + 8);
  m.ip_destination = LoadV6(ip + 24);
  m.hop_limit = ip[7];
  m.type = static_cast<NdpType>(icmp[0]);
  if (Icmpv6Checksum(m.ip_source, m.ip_destination, absl::MakeConstSpan(icmp, payload_len)) != 0) {
    return Malformed(absl::StrCat("bad ICMPv6 checksum 0x", absl::Hex(Load16(icmp + 2))));
  }
  m.router = (icmp[4] & 0x80) != 0;
  m.solicited = (icmp[4] & 0x40) != 0;
  m.override_flag = (icmp[4] & 0x20) != 0;
  m.target = LoadV6(icmp + 8);
  if (IsMulticast(m.ip_source)) {
    return Malformed(absl::StrCat("source ", m.ip_source.ToString(), " is multicast"));
  }
  if (IsMulticast(m.target)) {
    return Malformed(absl::StrCat("target ", m.target.ToString(), " is multicast"));
  }
  bool ns = m.type == NdpType::kNeighborSolicitation;
  uint8_t wanted_option = ns ? kOptionSourceLinkLayer : kOptionTargetLinkLayer;
  for (size_t off = kNdpBodyLen; off < payload_len;) {
    if (payload_len - off < 2) return Malformed("truncated option header");
    size_t len = size_t{icmp[off + 1]} * 8;
    if (len == 0) return Malformed(absl::StrCat("option type ", icmp[off], " has length 0"));
    if (len > payload_len - off) {
      return Malformed(absl::StrCat("option type ", icmp[off], " overruns the message"));
    }
    if (icmp[off] == wanted_option) {
      if (len != 8) {
        return Malformed(
            absl::StrCat("link-layer address option of ", len, " bytes on Ethernet, want 8"));
      }
      m.link_layer_option = MacAddress::FromBytes(icmp + off + 2);
    }
    off += len;  // other options are skipped, as RFC 4861 asks
  }
  if (ns && IsUnspecified(m.ip_source)) {
    if (m.ip_destination != SolicitedNodeAddress(m.target)) {
      return Malformed("DAD solicitation not sent to the target's solicited-node group");
    }
    if (m.link_layer_option) return Malformed("DAD solicitation carries a link-layer option");
  }
  if (!ns && IsMulticast(m.ip_destination) && m.solicited) {
    return Malformed("multicast advertisement has the Solicited flag");
  }
  return m;
}

}  // namespace ironlb::arp

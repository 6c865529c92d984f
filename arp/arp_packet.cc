#include "arp/arp_packet.h"

#include <cstring>

#include "absl/strings/str_cat.h"

namespace ironlb::arp {
namespace {

constexpr uint16_t kHardwareEthernet = 1;

void StoreMac(uint8_t* p, const MacAddress& m) { std::memcpy(p, m.bytes().data(), 6); }
void StoreV4(uint8_t* p, const IpAddress& a) { std::memcpy(p, a.bytes().data(), 4); }
IpAddress LoadV4(const uint8_t* p) {
  return IpAddress::FromValue(IpFamily::kV4, uint32_t{p[0]} << 24 | uint32_t{p[1]} << 16 |
                                                 uint32_t{p[2]} << 8 | uint32_t{p[3]});
}

}  // namespace

Frame BuildArp(const ArpMessage& m) {
  Frame f;
  uint8_t* p = f.bytes.data();
  StoreMac(p, m.eth_destination);
  StoreMac(p + 6, m.eth_source);
  Store16(p + 12, kEtherTypeArp);
  uint8_t* a = p + kEthernetHeaderLen;
  Store16(a, kHardwareEthernet);
  Store16(a + 2, kEtherTypeIpv4);
  a[4] = 6;
  a[5] = 4;
  Store16(a + 6, static_cast<uint16_t>(m.op));
  StoreMac(a + 8, m.sender_mac);
  StoreV4(a + 14, m.sender_ip);
  StoreMac(a + 18, m.target_mac);
  StoreV4(a + 24, m.target_ip);
  f.size = kArpFrameLen;
  return f;
}

Frame BuildArpRequest(const MacAddress& own_mac, const IpAddress& sender_ip,
                      const IpAddress& target_ip) {
  return BuildArp({.eth_destination = MacAddress::Broadcast(),
                   .eth_source = own_mac,
                   .op = ArpOp::kRequest,
                   .sender_mac = own_mac,
                   .sender_ip = sender_ip,
                   .target_mac = MacAddress(),
                   .target_ip = target_ip});
}

Frame BuildArpReply(const MacAddress& own_mac, const ArpMessage& request) {
  return BuildArp({.eth_destination = request.sender_mac,
                   .eth_source = own_mac,
                   .op = ArpOp::kReply,
                   .sender_mac = own_mac,
                   .sender_ip = request.target_ip,
                   .target_mac = request.sender_mac,
                   .target_ip = request.sender_ip});
}

Frame BuildGratuitousArp(const MacAddress& own_mac, const IpAddress& vip, GratuitousForm form) {
  bool reply = form == GratuitousForm::kReply;
  return BuildArp({.eth_destination = MacAddress::Broadcast(),
                   .eth_source = own_mac,
                   .op = reply ? ArpOp::kReply : ArpOp::kRequest,
                   .sender_mac = own_mac,
                   .sender_ip = vip,
                   .target_mac = reply ? MacAddress::Broadcast() : MacAddress(),
                   .target_ip = vip});
}

absl::StatusOr<ArpMessage> ParseArp(absl::Span<const uint8_t> frame) {
  if (frame.size() < kArpFrameLen) {
    return absl::InvalidArgumentError(
        absl::StrCat("arp: truncated frame: ", frame.size(), " bytes, need ", kArpFrameLen));
  }
  const uint8_t* p = frame.data();
  if (uint16_t type = Load16(p + 12); type != kEtherTypeArp) {
    return absl::InvalidArgumentError(
        absl::StrCat("arp: ethertype 0x", absl::Hex(type), " is not ARP (0x806)"));
  }
  const uint8_t* a = p + kEthernetHeaderLen;
  if (uint16_t htype = Load16(a); htype != kHardwareEthernet) {
    return absl::InvalidArgumentError(
        absl::StrCat("arp: hardware type ", htype, " is not Ethernet (1)"));
  }
  if (uint16_t ptype = Load16(a + 2); ptype != kEtherTypeIpv4) {
    return absl::InvalidArgumentError(
        absl::StrCat("arp: protocol type 0x", absl::Hex(ptype), " is not IPv4 (0x800)"));
  }
  if (a[4] != 6) {
    return absl::InvalidArgumentError(
        absl::StrCat("arp: hardware address length ", a[4], " is not 6"));
  }
  if (a[5] != 4) {
    return absl::InvalidArgumentError(
        absl::StrCat("arp: protocol address length ", a[5], " is not 4"));
  }
  uint16_t op = Load16(a + 6);
  if (op != 1 && op != 2) {
    return absl::InvalidArgumentError(absl::StrCat("arp: opcode ", op, " is not 1 or 2"));
  }
  ArpMessage m;
  m.eth_destination = MacAddress::FromBytes(p);
  m.eth_source = MacAddress::FromBytes(p + 6);
  m.op = static_cast<ArpOp>(op);
  m.sender_mac = MacAddress::FromBytes(a + 8);
  m.sender_ip = LoadV4(a + 14);
  m.target_mac = MacAddress::FromBytes(a + 18);
  m.target_ip = LoadV4(a + 24);
  return m;
}

}  // namespace ironlb::arp

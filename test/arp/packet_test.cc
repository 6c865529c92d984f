// Golden bytes for every frame arp/ builds, and the parsers' verdicts on good and bad frames.
#include <string>
#include <vector>

#include "arp/arp_packet.h"
#include "arp/ndp_packet.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "test/arp/hex.h"
#include "test/support/status_matchers.h"

namespace ironlb::arp {
namespace {

using ::ironlb::arp::testing::FromHex;
using ::ironlb::arp::testing::ToHex;
using ::ironlb::testing::IsOk;
using ::ironlb::testing::StatusIs;

const MacAddress kOwn = *MacAddress::Parse("02:00:00:00:00:01");
const MacAddress kClient = *MacAddress::Parse("02:00:00:00:00:02");
IpAddress Ip(const char* s) { return *IpAddress::Parse(s); }

ArpMessage ClientRequest() {
  return ArpMessage{.eth_destination = MacAddress::Broadcast(),
                    .eth_source = kClient,
                    .op = ArpOp::kRequest,
                    .sender_mac = kClient,
                    .sender_ip = Ip("10.0.0.1"),
                    .target_mac = MacAddress(),
                    .target_ip = Ip("10.0.0.10")};
}

NdpMessage ClientSolicitation() {
  return NdpMessage{.eth_destination = *MacAddress::Parse("33:33:ff:00:00:10"),
                    .eth_source = kClient,
                    .ip_source = Ip("fd00::1"),
                    .ip_destination = Ip("ff02::1:ff00:10"),
                    .type = NdpType::kNeighborSolicitation,
                    .target = Ip("fd00::10"),
                    .link_layer_option = kClient};
}

struct Golden {
  std::string name;
  Frame frame;
  std::string hex;
};

// Hex laid out as: Ethernet header | ARP or IPv6 header | ICMPv6 body | option.
std::vector<Golden> Goldens() {
  const std::string eth_own_to_client = "020000000002 020000000001 ";
  return {
      {"arp_request", BuildArpRequest(kClient, Ip("10.0.0.1"), Ip("10.0.0.10")),
       "ffffffffffff 020000000002 0806 0001 0800 06 04 0001 020000000002 0a000001 "
       "000000000000 0a00000a"},
      {"arp_reply", BuildArpReply(kOwn, ClientRequest()),
       eth_own_to_client + "0806 0001 0800 06 04 0002 020000000001 0a00000a 020000000002 0a000001"},
      {"garp_request_form", BuildGratuitousArp(kOwn, Ip("10.0.0.10"), GratuitousForm::kRequest),
       "ffffffffffff 020000000001 0806 0001 0800 06 04 0001 020000000001 0a00000a "
       "000000000000 0a00000a"},
      {"garp_reply_form", BuildGratuitousArp(kOwn, Ip("10.0.0.10"), GratuitousForm::kReply),
       "ffffffffffff 020000000001 0806 0001 0800 06 04 0002 020000000001 0a00000a "
       "ffffffffffff 0a00000a"},
      {"neighbor_solicitation", BuildNeighborSolicitation(kClient, Ip("fd00::1"), Ip("fd00::10")),
       "3333ff000010 020000000002 86dd 6000000000203aff fd000000000000000000000000000001 "
       "ff0200000000000000000001ff000010 87007d7a00000000 fd000000000000000000000000000010 "
       "0101020000000002"},
      {"solicited_na", BuildSolicitedAdvertisement(kOwn, ClientSolicitation(), false),
       eth_own_to_client +
           "86dd 6000000000203aff fd000000000000000000000000000010 "
           "fd000000000000000000000000000001 88001c7f60000000 fd000000000000000000000000000010 "
           "0201020000000001"},
      {"solicited_na_router", BuildSolicitedAdvertisement(kOwn, ClientSolicitation(), true),
       eth_own_to_client +
           "86dd 6000000000203aff fd000000000000000000000000000010 "
           "fd000000000000000000000000000001 88009c7ee0000000 fd000000000000000000000000000010 "
           "0201020000000001"},
      {"unsolicited_na", BuildUnsolicitedAdvertisement(kOwn, Ip("fd00::10"), false),
       "333300000001 020000000001 86dd 6000000000203aff fd000000000000000000000000000010 "
       "ff020000000000000000000000000001 88005a7d20000000 fd000000000000000000000000000010 "
       "0201020000000001"},
      {"unsolicited_na_router", BuildUnsolicitedAdvertisement(kOwn, Ip("fd00::10"), true),
       "333300000001 020000000001 86dd 6000000000203aff fd000000000000000000000000000010 "
       "ff020000000000000000000000000001 8800da7ca0000000 fd000000000000000000000000000010 "
       "0201020000000001"},
  };
}

TEST(PacketTest, BuildersProduceGoldenBytes) {
  for (const Golden& g : Goldens()) {
    EXPECT_EQ(ToHex(g.frame.span()), ToHex(FromHex(g.hex))) << g.name;
  }
}

TEST(PacketTest, EveryGoldenFrameParsesBack) {
  for (const Golden& g : Goldens()) {
    std::vector<uint8_t> bytes = FromHex(g.hex);
    if (Load16(bytes.data() + 12) == kEtherTypeArp) {
      EXPECT_THAT(ParseArp(bytes), IsOk()) << g.name;
    } else {
      EXPECT_THAT(ParseNdp(bytes), IsOk()) << g.name;
    }
  }
}

TEST(PacketTest, ArpRoundTripKeepsEveryField) {
  ArpMessage m = ClientRequest();
  Frame f = BuildArp(m);
  // Ethernet padding to 60 bytes must not matter.
  std::vector<uint8_t> padded(f.span().begin(), f.span().end());
  padded.resize(60, 0);
  absl::StatusOr<ArpMessage> parsed = ParseArp(padded);
  ASSERT_THAT(parsed, IsOk());
  EXPECT_EQ(*parsed, m);
}

TEST(PacketTest, NdpRoundTripKeepsEveryField) {
  NdpMessage m = ClientSolicitation();
  absl::StatusOr<NdpMessage> parsed = ParseNdp(BuildNdp(m).span());
  ASSERT_THAT(parsed, IsOk());
  EXPECT_EQ(*parsed, m);
  // A unicast NS for unreachability detection without the option is valid too.
  m.link_layer_option.reset();
  m.ip_destination = Ip("fd00::10");
  parsed = ParseNdp(BuildNdp(m).span());
  ASSERT_THAT(parsed, IsOk());
  EXPECT_EQ(*parsed, m);
}

TEST(PacketTest, SolicitedNodeGroupAndMulticastMac) {
  EXPECT_EQ(SolicitedNodeAddress(Ip("2001:db8::1:2345:6789")), Ip("ff02::1:ff45:6789"));
  EXPECT_EQ(MulticastMacFor(Ip("ff02::1:ff45:6789")).ToString(), "33:33:ff:45:67:89");
  EXPECT_EQ(MulticastMacFor(AllNodesAddress()).ToString(), "33:33:00:00:00:01");
}

TEST(PacketTest, AnswerToDadProbeGoesToAllNodesWithoutSolicited) {
  NdpMessage probe = ClientSolicitation();
  probe.ip_source = Ip("::");
  probe.link_layer_option.reset();
  absl::StatusOr<NdpMessage> na = ParseNdp(BuildSolicitedAdvertisement(kOwn, probe, false).span());
  ASSERT_THAT(na, IsOk());
  EXPECT_EQ(na->ip_destination, AllNodesAddress());
  EXPECT_FALSE(na->solicited);
  EXPECT_TRUE(na->override_flag);
}

// A mutation of a good frame and the error it must produce.
struct Malformed {
  std::string name;
  std::vector<uint8_t> frame;
  std::string error;
};

std::vector<uint8_t> Mutate(Frame f, size_t offset, uint8_t value) {
  std::vector<uint8_t> v(f.span().begin(), f.span().end());
  v[offset] = value;
  return v;
}
std::vector<uint8_t> Truncate(Frame f, size_t len) {
  return std::vector<uint8_t>(f.bytes.begin(), f.bytes.begin() + len);
}

TEST(PacketTest, MalformedArpIsRejectedNamingTheField) {
  Frame req = BuildArp(ClientRequest());
  std::vector<Malformed> cases = {
      {"truncated", Truncate(req, 41), "truncated frame: 41 bytes"},
      {"ethertype", Mutate(req, 13, 0x00), "is not ARP"},
      {"hardware type", Mutate(req, 15, 6), "hardware type 6"},
      {"protocol type", Mutate(req, 16, 0x86), "protocol type 0x8600"},
      {"hardware length", Mutate(req, 18, 8), "hardware address length 8"},
      {"protocol length", Mutate(req, 19, 16), "protocol address length 16"},
      {"opcode", Mutate(req, 21, 3), "opcode 3"},
  };
  for (const Malformed& c : cases) {
    EXPECT_THAT(ParseArp(c.frame), StatusIs(absl::StatusCode::kInvalidArgument, c.error)) << c.name;
  }
}

// An NS whose option has length 0, checksum recomputed so only the option rule can reject it.
std::vector<uint8_t> ZeroLengthOption() {
  NdpMessage m = ClientSolicitation();
  Frame f = BuildNdp(m);
  f.bytes[79] = 0;
  Store16(f.bytes.data() + 56, 0);
  Store16(f.bytes.data() + 56, Icmpv6Checksum(m.ip_source, m.ip_destination,
                                              absl::MakeConstSpan(f.bytes.data() + 54, 32)));
  return std::vector<uint8_t>(f.span().begin(), f.span().end());
}

TEST(PacketTest, MalformedNdpIsRejectedNamingTheField) {
  Frame ns = BuildNdp(ClientSolicitation());
  NdpMessage dad_wrong_group = ClientSolicitation();
  dad_wrong_group.ip_source = Ip("::");
  dad_wrong_group.link_layer_option.reset();
  dad_wrong_group.ip_destination = Ip("ff02::1");
  NdpMessage multicast_target = ClientSolicitation();
  multicast_target.target = Ip("ff02::1");
  NdpMessage multicast_source = ClientSolicitation();
  multicast_source.ip_source = Ip("ff02::2");
  NdpMessage solicited_to_all = ClientSolicitation();
  solicited_to_all.type = NdpType::kNeighborAdvertisement;
  solicited_to_all.solicited = true;
  solicited_to_all.ip_destination = AllNodesAddress();
  // Offsets: IPv6 header at 14, ICMPv6 at 54, option at 78.
  std::vector<Malformed> cases = {
      {"truncated", Truncate(ns, 77), "truncated frame: 77 bytes"},
      {"ethertype", Mutate(ns, 13, 0x00), "is not IPv6"},
      {"version", Mutate(ns, 14, 0x40), "IP version 4"},
      {"next header", Mutate(ns, 20, 17), "next header 17"},
      {"payload too long", Mutate(ns, 19, 64), "payload length 64 exceeds"},
      {"payload too short", Mutate(ns, 19, 16), "ICMPv6 length 16"},
      {"hop limit", Mutate(ns, 21, 64), "hop limit 64"},
      {"icmp type", Mutate(ns, 54, 128), "ICMPv6 type 128"},
      {"icmp code", Mutate(ns, 55, 1), "ICMPv6 code 1"},
      {"checksum", Mutate(ns, 56, 0), "bad ICMPv6 checksum"},
      {"zero option length", ZeroLengthOption(), "has length 0"},
      {"multicast target", Truncate(BuildNdp(multicast_target), kNdpFrameLen),
       "target ff02::1 is multicast"},
      {"dad wrong group", Truncate(BuildNdp(dad_wrong_group), kNdpFrameLen - 8),
       "not sent to the target's"},
      {"multicast source", Truncate(BuildNdp(multicast_source), kNdpFrameLen),
       "source ff02::2 is multicast"},
      {"multicast solicited", Truncate(BuildNdp(solicited_to_all), kNdpFrameLen), "Solicited flag"},
  };
  for (const Malformed& c : cases) {
    EXPECT_THAT(ParseNdp(c.frame), StatusIs(absl::StatusCode::kInvalidArgument, c.error)) << c.name;
  }
}

TEST(PacketTest, DadProbeCarryingAnOptionIsRejected) {
  NdpMessage dad = ClientSolicitation();
  dad.ip_source = Ip("::");
  EXPECT_THAT(ParseNdp(BuildNdp(dad).span()),
              StatusIs(absl::StatusCode::kInvalidArgument, "carries a link-layer option"));
}

TEST(PacketTest, ChecksumOfBuiltMessageVerifiesToZero) {
  Frame f = BuildUnsolicitedAdvertisement(kOwn, Ip("fd00::10"), false);
  EXPECT_EQ(Icmpv6Checksum(Ip("fd00::10"), AllNodesAddress(),
                           absl::MakeConstSpan(f.bytes.data() + 54, f.size - 54)),
            0);
}

}  // namespace
}  // namespace ironlb::arp

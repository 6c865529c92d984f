// Each frame type arp/ builds, read back by a real dissector: the test writes a pcap and asks
// tshark what it sees (ARP opcode and addresses, NDP type, flags, option, hop limit, checksum).
#include <unistd.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "arp/arp_packet.h"
#include "arp/ndp_packet.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "test/support/shell.h"

namespace ironlb::arp {
namespace {

const MacAddress kOwn = *MacAddress::Parse("02:00:00:00:00:01");
const MacAddress kClient = *MacAddress::Parse("02:00:00:00:00:02");
IpAddress Ip(const char* s) { return *IpAddress::Parse(s); }

void WritePcap(const std::string& path, const std::vector<Frame>& frames) {
  std::ofstream out(path, std::ios::binary);
  auto put32 = [&out](uint32_t v) { out.write(reinterpret_cast<const char*>(&v), 4); };
  auto put16 = [&out](uint16_t v) { out.write(reinterpret_cast<const char*>(&v), 2); };
  put32(0xa1b2c3d4);  // magic, host order
  put16(2);
  put16(4);
  put32(0);
  put32(0);
  put32(65535);
  put32(1);  // LINKTYPE_ETHERNET
  uint32_t second = 1;
  for (const Frame& f : frames) {
    put32(second++);
    put32(0);
    put32(static_cast<uint32_t>(f.size));
    put32(static_cast<uint32_t>(f.size));
    out.write(reinterpret_cast<const char*>(f.bytes.data()), static_cast<std::streamsize>(f.size));
  }
}

std::vector<std::string> Tshark(const std::string& pcap, const std::string& fields) {
  std::string cmd = absl::StrCat("tshark -r ", pcap,
                                 " -T fields -E separator=, "
                                 "-E occurrence=f ",
                                 fields, " 2>/dev/null");
  const std::string text = ironlb::testing::RunShell(cmd);
  return absl::StrSplit(text, '\n', absl::SkipEmpty());
}

class DissectorTest : public ::testing::Test {
 protected:
  void SetUp() override { pcap_ = absl::StrCat("/tmp/ironlb-arp-dissector-", getpid(), ".pcap"); }
  void TearDown() override { unlink(pcap_.c_str()); }
  std::string pcap_;
};

TEST_F(DissectorTest, TsharkReadsArpFramesAsBuilt) {
  ArpMessage request{.eth_destination = MacAddress::Broadcast(),
                     .eth_source = kClient,
                     .op = ArpOp::kRequest,
                     .sender_mac = kClient,
                     .sender_ip = Ip("10.0.0.1"),
                     .target_ip = Ip("10.0.0.10")};
  WritePcap(pcap_, {BuildArpRequest(kClient, Ip("10.0.0.1"), Ip("10.0.0.10")),
                    BuildArpReply(kOwn, request),
                    BuildGratuitousArp(kOwn, Ip("10.0.0.10"), GratuitousForm::kRequest),
                    BuildGratuitousArp(kOwn, Ip("10.0.0.10"), GratuitousForm::kReply)});
  std::vector<std::string> lines =
      Tshark(pcap_,
             "-e arp.opcode -e arp.src.hw_mac -e arp.src.proto_ipv4 -e arp.dst.hw_mac "
             "-e arp.dst.proto_ipv4 -e arp.isgratuitous -e _ws.malformed");
  EXPECT_THAT(lines, ::testing::ElementsAre(
                         "1,02:00:00:00:00:02,10.0.0.1,00:00:00:00:00:00,10.0.0.10,,",
                         "2,02:00:00:00:00:01,10.0.0.10,02:00:00:00:00:02,10.0.0.1,,",
                         "1,02:00:00:00:00:01,10.0.0.10,00:00:00:00:00:00,10.0.0.10,1,",
                         "2,02:00:00:00:00:01,10.0.0.10,ff:ff:ff:ff:ff:ff,10.0.0.10,1,"));
}

TEST_F(DissectorTest, TsharkReadsNdpFramesAsBuiltWithGoodChecksums) {
  NdpMessage ns{.eth_destination = *MacAddress::Parse("33:33:ff:00:00:10"),
                .eth_source = kClient,
                .ip_source = Ip("fd00::1"),
                .ip_destination = Ip("ff02::1:ff00:10"),
                .type = NdpType::kNeighborSolicitation,
                .target = Ip("fd00::10"),
                .link_layer_option = kClient};
  WritePcap(pcap_, {BuildNeighborSolicitation(kClient, Ip("fd00::1"), Ip("fd00::10")),
                    BuildSolicitedAdvertisement(kOwn, ns, false),
                    BuildUnsolicitedAdvertisement(kOwn, Ip("fd00::10"), false),
                    BuildUnsolicitedAdvertisement(kOwn, Ip("fd00::10"), true)});
  std::vector<std::string> lines =
      Tshark(pcap_,
             "-e ipv6.dst -e ipv6.hlim -e icmpv6.type -e icmpv6.nd.ns.target_address "
             "-e icmpv6.nd.na.target_address -e icmpv6.nd.na.flag.r -e icmpv6.nd.na.flag.s "
             "-e icmpv6.nd.na.flag.o -e icmpv6.opt.type -e icmpv6.opt.linkaddr "
             "-e icmpv6.checksum.status -e _ws.malformed");
  EXPECT_THAT(lines,
              ::testing::ElementsAre("ff02::1:ff00:10,255,135,fd00::10,,,,,1,02:00:00:00:00:02,1,",
                                     "fd00::1,255,136,,fd00::10,0,1,1,2,02:00:00:00:00:01,1,",
                                     "ff02::1,255,136,,fd00::10,0,0,1,2,02:00:00:00:00:01,1,",
                                     "ff02::1,255,136,,fd00::10,1,0,1,2,02:00:00:00:00:01,1,"));
}

}  // namespace
}  // namespace ironlb::arp

// arp/ against real kernels: speakers in their own network namespaces run Layer2Service with
// real packet sockets and rtnetlink; a client namespace on the same bridge checks what a user
// would: its neighbour table, and answers to arping / ndisc6.
#include <net/if.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <string>
#include <thread>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "arp/arp_packet.h"
#include "arp/raw_packet_socket.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "test/arp/netns_lab.h"

namespace ironlb::arp {
namespace {

using ::ironlb::arp::testing::Lab;
using ::ironlb::arp::testing::Speaker;
using ::testing::HasSubstr;
using ::testing::Not;
using namespace std::chrono_literals;

IpAddress Ip(const char* s) { return *IpAddress::Parse(s); }

constexpr char kVip4[] = "10.77.0.100";
constexpr char kVip6[] = "fd00:77::100";

class Layer2NetnsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto lab = Lab::Create(2);
    ASSERT_TRUE(lab.ok()) << lab.status();
    lab_ = std::move(*lab);
  }

  std::unique_ptr<Speaker> StartSpeaker(int i) {
    // Short repeats keep the tests quick; defaults are exercised by the unit tests.
    auto s =
        Speaker::Start(lab_->speaker(i), {.gratuitous_count = 3, .gratuitous_interval = 100ms});
    EXPECT_TRUE(s.ok()) << s.status();
    return s.ok() ? std::move(*s) : nullptr;
  }

  // The client's neighbour entry for `ip` on br0 (empty when none).
  std::string ClientNeighbour(const std::string& ip) {
    std::string out;
    Lab::Exec(lab_->client(), absl::StrCat("ip neigh show ", ip, " dev br0"), &out);
    return out;
  }
  // Polls until the client's neighbour entry for `ip` holds `mac` (30 s at most: a deadline for a
  // hung test only, a busy machine is slow).
  bool ClientLearns(const std::string& ip, const MacAddress& mac) {
    for (int i = 0; i < 600; ++i) {
      if (absl::StrContains(ClientNeighbour(ip), mac.ToString())) return true;
      std::this_thread::sleep_for(50ms);
    }
    return false;
  }
  // The speaker's counters once `done` holds for them (30 s at most, as above).
  Layer2Counters::Snapshot CountersWhen(
      const std::function<bool(const Layer2Counters::Snapshot&)>& done, Speaker& speaker) {
    Layer2Counters::Snapshot c = speaker.Counters();
    for (int i = 0; i < 600 && !done(c); ++i) {
      std::this_thread::sleep_for(50ms);
      c = speaker.Counters();
    }
    return c;
  }
  bool Arping(const std::string& ip, std::string* out) {
    return Lab::Exec(lab_->client(), absl::StrCat("arping -c 1 -w 1 -i br0 ", ip), out) == 0;
  }
  bool Ndisc6(const std::string& ip, std::string* out) {
    return Lab::Exec(lab_->client(), absl::StrCat("ndisc6 -1 -n -r 1 -w 700 ", ip, " br0"), out) ==
           0;
  }

  std::unique_ptr<Lab> lab_;
};

TEST_F(Layer2NetnsTest, ClaimPutsTheSpeakersMacInTheClientsNeighbourTable) {
  auto speaker = StartSpeaker(0);
  ASSERT_NE(speaker, nullptr);
  ASSERT_THAT(ClientNeighbour(kVip4), Not(HasSubstr("lladdr")));
  speaker->SetOwnedVips({{Ip(kVip4), {"eth0"}}, {Ip(kVip6), {"eth0"}}});
  EXPECT_TRUE(ClientLearns(kVip4, Lab::SpeakerMac(0))) << ClientNeighbour(kVip4);
  EXPECT_TRUE(ClientLearns(kVip6, Lab::SpeakerMac(0))) << ClientNeighbour(kVip6);
  // The solicited-node group was joined for real (MLD-visible, NIC filter open).
  std::string maddr;
  Lab::Exec(lab_->speaker(0), "ip -6 maddr show dev eth0", &maddr);
  EXPECT_THAT(maddr, HasSubstr("ff02::1:ff00:100"));
  // First round at once, then 2 more: GARP in both forms, one NA per round. Waits for the third
  // round instead of a fixed time (a loaded machine runs the 100 ms timers late).
  Layer2Counters::Snapshot c = CountersWhen(
      [](const auto& n) { return n.gratuitous_arp_sent >= 6 && n.unsolicited_na_sent >= 3; },
      *speaker);
  EXPECT_EQ(c.gratuitous_arp_sent, 6u);
  EXPECT_EQ(c.unsolicited_na_sent, 3u);
  EXPECT_EQ(c.send_errors, 0u);
}

TEST_F(Layer2NetnsTest, ArpingAndNdisc6GetAnswersOnlyForOwnedVipsUntilReleased) {
  auto speaker = StartSpeaker(0);
  ASSERT_NE(speaker, nullptr);
  speaker->SetOwnedVips({{Ip(kVip4), {"eth0"}}, {Ip(kVip6), {"eth0"}}});
  std::string out;
  EXPECT_TRUE(Arping(kVip4, &out)) << out;
  EXPECT_THAT(out, HasSubstr(Lab::SpeakerMac(0).ToString()));
  EXPECT_TRUE(Ndisc6(kVip6, &out)) << out;
  EXPECT_THAT(absl::AsciiStrToLower(out), HasSubstr(Lab::SpeakerMac(0).ToString()));
  EXPECT_FALSE(Arping("10.77.0.101", &out)) << out;
  EXPECT_FALSE(Ndisc6("fd00:77::101", &out)) << out;

  // The unanswered requests are counted when the speaker's loop gets to them: wait for it.
  Layer2Counters::Snapshot c = CountersWhen(
      [](const auto& n) { return n.arp_requests_seen >= 2 && n.ns_seen >= 2; }, *speaker);
  EXPECT_EQ(c.arp_requests_seen, 2u);
  EXPECT_EQ(c.arp_replies_sent, 1u);
  EXPECT_EQ(c.ns_seen, 2u);
  EXPECT_EQ(c.na_replies_sent, 1u);
  EXPECT_EQ(c.malformed_dropped, 0u);

  speaker->SetOwnedVips({});
  EXPECT_FALSE(Arping(kVip4, &out)) << out;
  EXPECT_FALSE(Ndisc6(kVip6, &out)) << out;
  c = speaker->Counters();
  EXPECT_EQ(c.arp_replies_sent, 1u);
  EXPECT_EQ(c.na_replies_sent, 1u);
}

TEST_F(Layer2NetnsTest, MovingAVipMovesTheClientsNeighbourEntry) {
  auto a = StartSpeaker(0);
  auto b = StartSpeaker(1);
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  a->SetOwnedVips({{Ip(kVip4), {}}, {Ip(kVip6), {}}});
  ASSERT_TRUE(ClientLearns(kVip4, Lab::SpeakerMac(0))) << ClientNeighbour(kVip4);
  ASSERT_TRUE(ClientLearns(kVip6, Lab::SpeakerMac(0))) << ClientNeighbour(kVip6);
  // Failover as the speaker's election would do it: the old owner lets go, the new one claims.
  a->SetOwnedVips({});
  b->SetOwnedVips({{Ip(kVip4), {}}, {Ip(kVip6), {}}});
  EXPECT_TRUE(ClientLearns(kVip4, Lab::SpeakerMac(1))) << ClientNeighbour(kVip4);
  EXPECT_TRUE(ClientLearns(kVip6, Lab::SpeakerMac(1))) << ClientNeighbour(kVip6);
  std::string out;
  EXPECT_TRUE(Arping(kVip4, &out)) << out;
  EXPECT_THAT(out, HasSubstr(Lab::SpeakerMac(1).ToString()));
  EXPECT_THAT(out, Not(HasSubstr(Lab::SpeakerMac(0).ToString())));
}

TEST_F(Layer2NetnsTest, FollowsInterfaceDownUpMacChangeAndNewInterfaces) {
  auto speaker = StartSpeaker(0);
  ASSERT_NE(speaker, nullptr);
  speaker->SetOwnedVips({{Ip(kVip4), {"eth*"}}});
  ASSERT_TRUE(ClientLearns(kVip4, Lab::SpeakerMac(0)));
  auto announced_on = [&](const std::string& ifname) {
    for (int i = 0; i < 600; ++i) {
      auto a = speaker->Call([](Layer2Service& s) { return s.Announced(); });
      if (a.count(ifname) > 0) return true;
      std::this_thread::sleep_for(50ms);
    }
    return false;
  };
  auto withdrawn_from = [&](const std::string& ifname) {
    for (int i = 0; i < 600; ++i) {
      auto a = speaker->Call([](Layer2Service& s) { return s.Announced(); });
      if (a.count(ifname) == 0) return true;
      std::this_thread::sleep_for(50ms);
    }
    return false;
  };
  ASSERT_EQ(Lab::Exec(lab_->speaker(0), "ip link set eth0 down"), 0);
  EXPECT_TRUE(withdrawn_from("eth0"));
  ASSERT_EQ(Lab::Exec(lab_->speaker(0), "ip link set eth0 up"), 0);
  EXPECT_TRUE(announced_on("eth0"));

  MacAddress new_mac = *MacAddress::Parse("02:00:00:77:99:01");
  ASSERT_EQ(
      Lab::Exec(lab_->speaker(0), absl::StrCat("ip link set eth0 address ", new_mac.ToString())),
      0);
  EXPECT_TRUE(ClientLearns(kVip4, new_mac)) << ClientNeighbour(kVip4);

  // An interface that appears later and matches the pattern gets the VIP too.
  ASSERT_EQ(Lab::Exec(lab_->client(), absl::StrCat("ip link add late type veth peer name eth1 "
                                                   "netns ",
                                                   lab_->speaker(0))),
            0);
  ASSERT_EQ(Lab::Exec(lab_->client(), "ip link set late master br0 up"), 0);
  ASSERT_EQ(Lab::Exec(lab_->speaker(0), "ip link set eth1 up"), 0);
  EXPECT_TRUE(announced_on("eth1"));
  ASSERT_EQ(Lab::Exec(lab_->speaker(0), "ip link del eth1"), 0);
  EXPECT_TRUE(withdrawn_from("eth1"));
}

TEST_F(Layer2NetnsTest, ManyIpv6VipsFallBackToLinkLayerMembershipsAndStillAnswer) {
  // Per-socket membership memory small enough that IPv6 joins run out after a few groups.
  ASSERT_EQ(Lab::Exec(lab_->speaker(0), "sysctl -qw net.core.optmem_max=2048"), 0);
  auto speaker = StartSpeaker(0);
  ASSERT_NE(speaker, nullptr);
  std::vector<VipClaim> claims;
  for (int i = 1; i <= 64; ++i) {
    claims.push_back(
        {IpAddress::FromValue(IpFamily::kV6, Ip("fd00:77::1:0").value() + i), {"eth0"}});
  }
  speaker->SetOwnedVips(claims);
  std::string maddr;
  Lab::Exec(lab_->speaker(0), "ip maddr show dev eth0", &maddr);
  // Every group is open at the link layer; some through IPv6 (an inet6 entry), the rest
  // through the fallback (a link entry without its inet6 twin).
  int link_only = 0;
  int last_link_only = 0;
  for (int i = 1; i <= 64; ++i) {
    EXPECT_THAT(maddr, HasSubstr(absl::StrFormat("link  33:33:ff:01:00:%02x", i)));
    if (!absl::StrContains(maddr, absl::StrFormat("inet6 ff02::1:ff01:%x\n", i))) {
      ++link_only;
      last_link_only = i;
    }
  }
  EXPECT_GT(link_only, 0) << maddr;
  EXPECT_LT(link_only, 64) << maddr;
  std::string out;
  EXPECT_TRUE(Ndisc6(absl::StrFormat("fd00:77::1:%x", last_link_only), &out)) << out;
  EXPECT_TRUE(Ndisc6("fd00:77::1:1", &out)) << out;
  speaker->SetOwnedVips({});
  Lab::Exec(lab_->speaker(0), "ip maddr show dev eth0", &maddr);
  EXPECT_THAT(maddr, Not(HasSubstr("ff02::1:ff01:1")));
  EXPECT_THAT(maddr, Not(HasSubstr("33:33:ff:01:00:40")));
}

TEST_F(Layer2NetnsTest, LinkMonitorFollowsAddressChanges) {
  auto speaker = StartSpeaker(0);
  ASSERT_NE(speaker, nullptr);
  auto eth0_has = [&](const IpAddress& ip) {
    for (const auto& entry : speaker->Links()) {
      const Link& l = entry.second;
      if (l.name == "eth0" &&
          std::find(l.addresses.begin(), l.addresses.end(), ip) != l.addresses.end()) {
        return true;
      }
    }
    return false;
  };
  auto wait_for = [&](const IpAddress& ip, bool present) {
    for (int i = 0; i < 600; ++i) {
      if (eth0_has(ip) == present) return true;
      std::this_thread::sleep_for(50ms);
    }
    return false;
  };
  ASSERT_EQ(Lab::Exec(lab_->speaker(0), "ip addr add 10.77.0.50/24 dev eth0"), 0);
  ASSERT_EQ(Lab::Exec(lab_->speaker(0), "ip addr add fd00:77::50/64 dev eth0 nodad"), 0);
  EXPECT_TRUE(wait_for(Ip("10.77.0.50"), true));
  EXPECT_TRUE(wait_for(Ip("fd00:77::50"), true));
  ASSERT_EQ(Lab::Exec(lab_->speaker(0), "ip addr del 10.77.0.50/24 dev eth0"), 0);
  EXPECT_TRUE(wait_for(Ip("10.77.0.50"), false));
  EXPECT_TRUE(eth0_has(Ip("fd00:77::50")));
}

TEST_F(Layer2NetnsTest, KernelFilterPassesOnlyRequestsAndMalformedOnesAreCounted) {
  auto speaker = StartSpeaker(0);
  ASSERT_NE(speaker, nullptr);
  speaker->SetOwnedVips({{Ip(kVip4), {"eth0"}}});
  // Frames injected from the client side through a real packet socket.
  std::promise<absl::Status> sent;
  std::thread client([&] {
    absl::Status s = testing::EnterNetns(lab_->client());
    if (s.ok()) {
      auto sock = RawPacketSocket::Open(static_cast<int>(if_nametoindex("br0")), "br0");
      s = sock.status();
      if (s.ok()) {
        MacAddress me = *MacAddress::Parse("02:00:00:77:00:99");
        Frame bad_request = BuildArpRequest(me, Ip("10.77.0.1"), Ip(kVip4));
        bad_request.bytes[18] = 8;  // hardware address length 8
        Frame bad_reply = bad_request;
        bad_reply.bytes[21] = 2;  // a reply: the filter must keep it from the daemon
        Frame ok_reply = BuildArp({.eth_destination = MacAddress::Broadcast(),
                                   .eth_source = me,
                                   .op = ArpOp::kReply,
                                   .sender_mac = me,
                                   .sender_ip = Ip("10.77.0.1"),
                                   .target_mac = me,
                                   .target_ip = Ip(kVip4)});
        for (const Frame* f : {&bad_request, &bad_reply, &ok_reply}) {
          if (s.ok()) s = (*sock)->Send(f->span());
        }
      }
    }
    sent.set_value(s);
  });
  absl::Status s = sent.get_future().get();
  client.join();
  ASSERT_TRUE(s.ok()) << s;
  Layer2Counters::Snapshot c;
  for (int i = 0; i < 1200; ++i) {  // 30 s at most: a hung test only
    c = speaker->Counters();
    if (c.malformed_dropped > 0) break;
    std::this_thread::sleep_for(25ms);
  }
  std::this_thread::sleep_for(100ms);
  c = speaker->Counters();
  EXPECT_EQ(c.malformed_dropped, 1u);
  EXPECT_EQ(c.arp_requests_seen, 0u);
  EXPECT_EQ(c.arp_replies_sent, 0u);
}

}  // namespace
}  // namespace ironlb::arp

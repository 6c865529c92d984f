// Layer2Service against fake packet sockets: what it answers, announces, joins and counts.
#include "arp/layer2_service.h"

#include <linux/if.h>
#include <net/if_arp.h>

#include <chrono>
#include <functional>

#include "arp/arp_packet.h"
#include "arp/ndp_packet.h"
#include "common/metrics.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "test/arp/fake_packet_socket.h"
#include "test/support/status_matchers.h"

namespace ironlb::arp {
namespace {

using ::ironlb::arp::testing::FakePacketSocket;
using ::ironlb::arp::testing::FakePacketSocketFactory;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using namespace std::chrono_literals;

const MacAddress kMac = *MacAddress::Parse("02:00:00:00:00:01");
const MacAddress kClient = *MacAddress::Parse("02:00:00:00:00:02");
IpAddress Ip(const char* s) { return *IpAddress::Parse(s); }

Link EthernetLink(int ifindex, const std::string& name, MacAddress mac = kMac) {
  return Link{.ifindex = ifindex,
              .name = name,
              .mac = mac,
              .hardware_type = ARPHRD_ETHER,
              .flags = IFF_UP | IFF_RUNNING | IFF_BROADCAST | IFF_MULTICAST};
}

class Layer2ServiceTest : public ::testing::Test {
 protected:
  void SetUp() override { Start({}); }

  void Start(Layer2Options options) {
    service_.reset();
    loop_ = *EventLoop::Create();
    if (!options.ipv6_forwarding) {
      options.ipv6_forwarding = [this](const std::string&) { return forwarding_; };
    }
    auto s = Layer2Service::Create(loop_.get(), &sockets_, std::move(options));
    ASSERT_TRUE(s.ok()) << s.status();
    service_ = std::move(*s);
    service_->LinkChanged(EthernetLink(2, "eth0"));
    service_->LinkChanged(EthernetLink(3, "eth1", *MacAddress::Parse("02:00:00:00:01:01")));
  }

  // Runs the loop until `done` (a deadline for a hung test only: a busy machine is slow).
  void RunUntil(const std::function<bool()>& done) {
    auto deadline = std::chrono::steady_clock::now() + 60s;
    while (!done() && std::chrono::steady_clock::now() < deadline) {
      ASSERT_TRUE(loop_->RunOnce(10ms).ok());
    }
  }

  // Injects `frame` on `ifindex` and returns what the service sent in answer (it answers as it
  // receives, so running the loop until the frame was received is enough).
  std::vector<std::vector<uint8_t>> Ask(int ifindex, const Frame& frame) {
    FakePacketSocket* s = sockets_.On(ifindex);
    if (s == nullptr) return {};
    size_t before = s->sent.size();
    s->Inject(frame.span());
    RunUntil([&] {
      FakePacketSocket* now = sockets_.On(ifindex);
      return now == nullptr || now->pending() == 0;
    });
    s = sockets_.On(ifindex);
    if (s == nullptr) return {};
    return std::vector<std::vector<uint8_t>>(s->sent.begin() + static_cast<long>(before),
                                             s->sent.end());
  }

  Frame ArpRequestFor(const char* vip) { return BuildArpRequest(kClient, Ip("10.0.0.1"), Ip(vip)); }

  bool forwarding_ = false;
  FakePacketSocketFactory sockets_;
  std::unique_ptr<EventLoop> loop_;
  std::unique_ptr<Layer2Service> service_;
};

TEST_F(Layer2ServiceTest, GainingAVipAnnouncesAtOnceInBothArpForms) {
  service_->SetOwnedVips({{Ip("10.0.0.10"), {"eth0"}}});
  FakePacketSocket* s = sockets_.On(2);
  ASSERT_NE(s, nullptr);
  ASSERT_EQ(s->sent.size(), 2u);
  auto request = ParseArp(s->sent[0]);
  auto reply = ParseArp(s->sent[1]);
  ASSERT_TRUE(request.ok() && reply.ok());
  EXPECT_EQ(request->op, ArpOp::kRequest);
  EXPECT_EQ(reply->op, ArpOp::kReply);
  EXPECT_EQ(request->sender_ip, Ip("10.0.0.10"));
  EXPECT_EQ(request->target_ip, Ip("10.0.0.10"));
  EXPECT_EQ(request->sender_mac, kMac);
  EXPECT_EQ(sockets_.On(3), nullptr) << "eth1 has no VIP, so no socket";
  EXPECT_EQ(service_->counters().gratuitous_arp_sent, 2u);
}

TEST_F(Layer2ServiceTest, GainingAnIpv6VipJoinsItsGroupAndSendsUnsolicitedNa) {
  service_->SetOwnedVips({{Ip("fd00::10"), {"eth0"}}});
  FakePacketSocket* s = sockets_.On(2);
  ASSERT_NE(s, nullptr);
  EXPECT_THAT(s->groups, ElementsAre(Ip("ff02::1:ff00:10")));
  ASSERT_EQ(s->sent.size(), 1u);
  auto na = ParseNdp(s->sent[0]);
  ASSERT_TRUE(na.ok()) << na.status();
  EXPECT_EQ(na->type, NdpType::kNeighborAdvertisement);
  EXPECT_EQ(na->ip_destination, AllNodesAddress());
  EXPECT_EQ(na->hop_limit, 255);
  EXPECT_TRUE(na->override_flag);
  EXPECT_FALSE(na->solicited);
  EXPECT_FALSE(na->router);
  EXPECT_EQ(na->link_layer_option, kMac);
  EXPECT_EQ(service_->counters().unsolicited_na_sent, 1u);
}

TEST_F(Layer2ServiceTest, RouterFlagFollowsIpv6Forwarding) {
  forwarding_ = true;
  service_->LinkChanged(EthernetLink(2, "eth0"));  // re-reads forwarding
  service_->SetOwnedVips({{Ip("fd00::10"), {"eth0"}}});
  auto na = ParseNdp(sockets_.On(2)->sent.at(0));
  ASSERT_TRUE(na.ok());
  EXPECT_TRUE(na->router);
}

TEST_F(Layer2ServiceTest, RepeatsTheConfiguredNumberOfRoundsThenStops) {
  Start({.gratuitous_count = 3, .gratuitous_interval = 20ms, .gratuitous_reply_form = false});
  service_->SetOwnedVips({{Ip("10.0.0.10"), {}}, {Ip("fd00::10"), {}}});
  // Until the repeats are over (no timer left), however late a busy machine runs them.
  RunUntil([&] { return loop_->pending_timers() == 0; });
  EXPECT_EQ(service_->counters().gratuitous_arp_sent, 6u);  // 3 rounds x 2 interfaces
  EXPECT_EQ(service_->counters().unsolicited_na_sent, 6u);
  EXPECT_EQ(loop_->pending_timers(), 0u);
}

TEST_F(Layer2ServiceTest, ReleasingDuringRepeatsStopsThem) {
  Start({.gratuitous_count = 5, .gratuitous_interval = 20ms, .gratuitous_reply_form = false});
  service_->SetOwnedVips({{Ip("10.0.0.10"), {"eth0"}}, {Ip("10.0.0.11"), {"eth0"}}});
  RunUntil([&] { return service_->counters().gratuitous_arp_sent >= 4; });
  service_->SetOwnedVips({{Ip("10.0.0.11"), {"eth0"}}});
  RunUntil([&] { return loop_->pending_timers() == 0; });
  int for_released = 0;
  for (const auto& f : sockets_.On(2)->sent) {
    if (ParseArp(f)->sender_ip == Ip("10.0.0.10")) ++for_released;
  }
  EXPECT_EQ(for_released, 2);
  EXPECT_EQ(service_->counters().gratuitous_arp_sent, 7u);  // 2 + 5
}

TEST_F(Layer2ServiceTest, AnswersArpOnlyForOwnedVipsOnTheirInterfaces) {
  service_->SetOwnedVips({{Ip("10.0.0.10"), {"eth0"}}, {Ip("10.0.0.20"), {"eth1"}}});
  auto answers = Ask(2, ArpRequestFor("10.0.0.10"));
  ASSERT_EQ(answers.size(), 1u);
  auto reply = ParseArp(answers[0]);
  ASSERT_TRUE(reply.ok());
  EXPECT_EQ(reply->op, ArpOp::kReply);
  EXPECT_EQ(reply->sender_mac, kMac);
  EXPECT_EQ(reply->sender_ip, Ip("10.0.0.10"));
  EXPECT_EQ(reply->eth_destination, kClient);
  EXPECT_EQ(reply->target_ip, Ip("10.0.0.1"));

  EXPECT_THAT(Ask(2, ArpRequestFor("10.0.0.20")), IsEmpty()) << "owned, but on eth1";
  EXPECT_THAT(Ask(2, ArpRequestFor("10.0.0.99")), IsEmpty()) << "not owned";
  EXPECT_THAT(Ask(3, ArpRequestFor("10.0.0.20")), ::testing::SizeIs(1));
  // Someone else's gratuitous ARP for our VIP is not a question.
  EXPECT_THAT(Ask(2, BuildGratuitousArp(kClient, Ip("10.0.0.10"), GratuitousForm::kRequest)),
              IsEmpty());
  EXPECT_EQ(service_->counters().arp_requests_seen, 5u);
  EXPECT_EQ(service_->counters().arp_replies_sent, 2u);
}

TEST_F(Layer2ServiceTest, AnswersMulticastAndUnicastSolicitationsForOwnedVips) {
  service_->SetOwnedVips({{Ip("fd00::10"), {"eth0"}}});
  auto answers = Ask(2, BuildNeighborSolicitation(kClient, Ip("fd00::1"), Ip("fd00::10")));
  ASSERT_EQ(answers.size(), 1u);
  auto na = ParseNdp(answers[0]);
  ASSERT_TRUE(na.ok()) << na.status();
  EXPECT_TRUE(na->solicited);
  EXPECT_TRUE(na->override_flag);
  EXPECT_EQ(na->ip_destination, Ip("fd00::1"));
  EXPECT_EQ(na->eth_destination, kClient);
  EXPECT_EQ(na->link_layer_option, kMac);

  // Neighbour unreachability detection: unicast to the VIP, no source link-layer option.
  Frame nud = BuildNdp({.eth_destination = kMac,
                        .eth_source = kClient,
                        .ip_source = Ip("fd00::1"),
                        .ip_destination = Ip("fd00::10"),
                        .type = NdpType::kNeighborSolicitation,
                        .target = Ip("fd00::10")});
  answers = Ask(2, nud);
  ASSERT_EQ(answers.size(), 1u);
  na = ParseNdp(answers[0]);
  ASSERT_TRUE(na.ok());
  EXPECT_EQ(na->eth_destination, kClient);

  EXPECT_THAT(Ask(2, BuildNeighborSolicitation(kClient, Ip("fd00::1"), Ip("fd00::99"))), IsEmpty());
  EXPECT_EQ(service_->counters().ns_seen, 3u);
  EXPECT_EQ(service_->counters().na_replies_sent, 2u);
}

TEST_F(Layer2ServiceTest, MalformedFramesAreDroppedAndCounted) {
  service_->SetOwnedVips({{Ip("10.0.0.10"), {"eth0"}}, {Ip("fd00::10"), {"eth0"}}});
  Frame truncated = ArpRequestFor("10.0.0.10");
  truncated.size = 30;
  Frame bad_checksum = BuildNeighborSolicitation(kClient, Ip("fd00::1"), Ip("fd00::10"));
  bad_checksum.bytes[57] ^= 0xff;
  Frame wrong_hardware = ArpRequestFor("10.0.0.10");
  wrong_hardware.bytes[15] = 6;
  EXPECT_THAT(Ask(2, truncated), IsEmpty());
  EXPECT_THAT(Ask(2, bad_checksum), IsEmpty());
  EXPECT_THAT(Ask(2, wrong_hardware), IsEmpty());
  EXPECT_EQ(service_->counters().malformed_dropped, 3u);
  EXPECT_EQ(service_->counters().arp_requests_seen, 0u);
  // And the next good request is still answered.
  EXPECT_THAT(Ask(2, ArpRequestFor("10.0.0.10")), ::testing::SizeIs(1));
}

TEST_F(Layer2ServiceTest, ReleasingStopsAnswersLeavesGroupsAndClosesIdleSockets) {
  service_->SetOwnedVips({{Ip("fd00::10"), {"eth0"}}, {Ip("fd00:1::10"), {"eth0"}}});
  // Both VIPs share the solicited-node group ff02::1:ff00:10.
  EXPECT_THAT(sockets_.On(2)->groups, ElementsAre(Ip("ff02::1:ff00:10")));
  service_->SetOwnedVips({{Ip("fd00:1::10"), {"eth0"}}});
  EXPECT_THAT(sockets_.On(2)->groups, ElementsAre(Ip("ff02::1:ff00:10"))) << "still used";
  EXPECT_THAT(Ask(2, BuildNeighborSolicitation(kClient, Ip("fd00::1"), Ip("fd00::10"))), IsEmpty());
  service_->SetOwnedVips({});
  EXPECT_EQ(sockets_.On(2), nullptr);
  EXPECT_THAT(service_->Announced(), IsEmpty());
}

TEST_F(Layer2ServiceTest, SameSetTwiceChangesNothing) {
  std::vector<VipClaim> claims = {{Ip("10.0.0.10"), {}}, {Ip("fd00::10"), {"eth*"}}};
  service_->SetOwnedVips(claims);
  auto sent = service_->counters().Read();
  service_->SetOwnedVips(claims);
  EXPECT_EQ(service_->counters().Read().gratuitous_arp_sent, sent.gratuitous_arp_sent);
  EXPECT_EQ(service_->counters().Read().unsolicited_na_sent, sent.unsolicited_na_sent);
  EXPECT_EQ(sockets_.opened_names.size(), 2u);
}

TEST_F(Layer2ServiceTest, InterfacesByPatternSkipExcludedButTakeExplicitNames) {
  service_->LinkChanged(EthernetLink(4, "veth1234"));
  service_->LinkChanged(EthernetLink(5, "docker0"));
  service_->SetOwnedVips({{Ip("10.0.0.10"), {}}, {Ip("10.0.0.11"), {"veth1234"}}});
  auto announced = service_->Announced();
  EXPECT_THAT(announced["eth0"], ElementsAre(Ip("10.0.0.10")));
  EXPECT_THAT(announced["eth1"], ElementsAre(Ip("10.0.0.10")));
  EXPECT_THAT(announced["veth1234"], ElementsAre(Ip("10.0.0.11")));
  EXPECT_EQ(announced.count("docker0"), 0u);
}

TEST_F(Layer2ServiceTest, NoarpDownAndNonBroadcastInterfacesAreSkipped) {
  Link noarp = EthernetLink(6, "eth6");
  noarp.flags |= IFF_NOARP;
  Link down = EthernetLink(7, "eth7");
  down.flags &= ~IFF_RUNNING;
  Link p2p = EthernetLink(8, "eth8");
  p2p.flags &= ~IFF_BROADCAST;
  for (const Link& l : {noarp, down, p2p}) service_->LinkChanged(l);
  service_->SetOwnedVips({{Ip("10.0.0.10"), {"eth[678]"}}});
  EXPECT_THAT(service_->Announced(), IsEmpty());
  down.flags |= IFF_RUNNING;  // carrier comes back: announced at once
  service_->LinkChanged(down);
  EXPECT_THAT(service_->Announced()["eth7"], ElementsAre(Ip("10.0.0.10")));
  EXPECT_EQ(service_->counters().gratuitous_arp_sent, 2u);
}

TEST_F(Layer2ServiceTest, LinkDownReleasesAndMacChangeReannouncesWithTheNewMac) {
  service_->SetOwnedVips({{Ip("10.0.0.10"), {"eth0"}}});
  MacAddress new_mac = *MacAddress::Parse("02:00:00:00:00:99");
  service_->LinkChanged(EthernetLink(2, "eth0", new_mac));
  auto last = ParseArp(sockets_.On(2)->sent.back());
  ASSERT_TRUE(last.ok());
  EXPECT_EQ(last->sender_mac, new_mac);
  EXPECT_EQ(service_->counters().gratuitous_arp_sent, 4u);

  Link down = EthernetLink(2, "eth0", new_mac);
  down.flags &= ~IFF_UP;
  service_->LinkChanged(down);
  EXPECT_EQ(sockets_.On(2), nullptr);
  service_->LinkRemoved(3);
  EXPECT_THAT(service_->Announced(), IsEmpty());
}

TEST_F(Layer2ServiceTest, PeriodicRefreshReannouncesOwnedVips) {
  Start({.gratuitous_count = 1, .refresh_interval = 20ms, .gratuitous_reply_form = false});
  service_->SetOwnedVips({{Ip("10.0.0.10"), {"eth0"}}});
  RunUntil([&] { return service_->counters().gratuitous_arp_sent >= 4; });
  EXPECT_GE(service_->counters().gratuitous_arp_sent, 4u);
}

TEST_F(Layer2ServiceTest, SocketFailureIsRetriedOnTheNextReconcile) {
  sockets_.fail_opens = true;
  service_->SetOwnedVips({{Ip("10.0.0.10"), {"eth0"}}});
  EXPECT_THAT(service_->Announced(), IsEmpty());
  sockets_.fail_opens = false;
  service_->SetOwnedVips({{Ip("10.0.0.10"), {"eth0"}}});
  EXPECT_THAT(service_->Announced()["eth0"], ElementsAre(Ip("10.0.0.10")));
}

TEST_F(Layer2ServiceTest, CountersReachTheMetricsRegistry) {
  metrics::Registry registry;
  RegisterLayer2Metrics(registry, service_->counters());
  service_->SetOwnedVips({{Ip("10.0.0.10"), {"eth0"}}});
  Ask(2, ArpRequestFor("10.0.0.10"));
  std::string text = registry.Render();
  EXPECT_THAT(text, HasSubstr("ironlb_l2_requests_seen_total{family=\"ipv4\"} 1"));
  EXPECT_THAT(text, HasSubstr("ironlb_l2_replies_sent_total{family=\"ipv4\"} 1"));
  EXPECT_THAT(text, HasSubstr("ironlb_l2_gratuitous_sent_total{family=\"ipv4\"} 2"));
  EXPECT_THAT(text, HasSubstr("ironlb_l2_malformed_dropped_total 0"));
  Ask(2, ArpRequestFor("10.0.0.10"));
  EXPECT_THAT(registry.Render(), HasSubstr("ironlb_l2_replies_sent_total{family=\"ipv4\"} 2"));
}

TEST_F(Layer2ServiceTest, RejectsNonsenseOptions) {
  EXPECT_THAT(Layer2Service::Create(loop_.get(), &sockets_, {.gratuitous_count = -1}).status(),
              ironlb::testing::StatusIs(absl::StatusCode::kInvalidArgument, "gratuitous_count"));
}

}  // namespace
}  // namespace ironlb::arp

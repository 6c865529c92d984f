// The reconciler against real FRR (zebra, staticd, bgpd, bfdd with gRPC) in a namespace of the
// test's own: what lands in FRR's running config and the kernel, idempotence, a peer change
// that leaves the other peer alone, FRR's refusals, bgpd restarted, graceful withdraw.
#include "bgp/frr_reconciler.h"

#include <unistd.h>

#include <chrono>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "bgp/attribute_groups.h"
#include "bgp/bgp_networks.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "test/support/frr_process.h"
#include "test/support/shell.h"
#include "test/support/status_matchers.h"

namespace ironlb::bgp {
namespace {

using ::ironlb::testing::IsOk;
using ::ironlb::testing::RunShell;
using ::ironlb::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::Not;

IpAddress Ip(const char* s) { return *IpAddress::Parse(s); }

// Polls `cond` (30 s at most: a hung test only, a loaded machine is slow).
bool Eventually(const std::function<bool()>& cond) {
  for (int i = 0; i < 600; ++i) {
    if (cond()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

DesiredState TwoPeers() {
  DesiredState d;
  d.bfd_profiles.push_back(
      {.name = "fast", .receive_interval_ms = 100, .transmit_interval_ms = 100});
  d.peers.push_back({.name = "edge-a",
                     .my_asn = 64512,
                     .peer_asn = 64500,
                     .address = Ip("10.80.0.1"),
                     .hold_time_s = 9,
                     .keepalive_time_s = 3,
                     .password = "s3cret",
                     .bfd_profile = "fast"});
  d.peers.push_back({.name = "edge-b",
                     .my_asn = 64512,
                     .peer_asn = 64501,
                     .address = Ip("fd00:80::1"),
                     .port = 1179,
                     .ebgp_multihop = true});
  Announcement v4{.prefix = PrefixOf(Ip("10.81.0.10"), 32)};
  RouteAttributes attrs;
  attrs.local_pref = 250;
  attrs.communities.push_back({.high = 64512, .low = 100});
  attrs.communities.push_back({.large = true, .global = 64512, .high = 1, .low = 2});
  MergeAttributes(v4, "edge-a", attrs);
  Announcement v6{.prefix = PrefixOf(Ip("fd00:81::10"), 128)};
  MergeAttributes(v6, "edge-b", {});
  d.announcements = {v4, v6};
  return d;
}

// The attribute group of TwoPeers()'s announcement `i`.
AttributeGroup GroupOf(size_t i) {
  static const DesiredState d = TwoPeers();
  for (const AttributeGroup& g : GroupAnnouncements(d)) {
    for (const Announcement* a : g.announcements) {
      if (a == &d.announcements[i]) return g;
    }
  }
  return {};
}
uint32_t TagOf(size_t i) { return GroupOf(i).tag(); }
// bgpd's line announcing TwoPeers()'s announcement `i`.
std::string NetworkLine(size_t i) {
  return absl::StrCat("network ", TwoPeers().announcements[i].prefix.ToString(), " route-map ",
                      GroupRouteMapName(GroupOf(i).slot));
}

class FrrReconcilerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    RunShell(
        "ip link add ilbrec0 type veth peer name ilbrec1 && ip link set ilbrec0 up && "
        "ip link set ilbrec1 up && ip addr add 10.80.0.2/24 dev ilbrec0 && "
        "ip addr add fd00:80::2/64 dev ilbrec0 nodad");
    ASSERT_THAT(frr_.Start("zebra"), IsOk());
    for (const char* d : {"staticd", "bgpd", "bfdd"}) {
      ports_[d] = ironlb::testing::FreeLoopbackPort();
      ASSERT_THAT(frr_.Start(d, ports_[d]), IsOk());
    }
    Connect();
  }
  void Connect() {
    for (const auto& [d, port] : ports_) {
      nb_[d] = GrpcNorthboundClient::Create(d, absl::StrCat("127.0.0.1:", port), absl::Seconds(2));
    }
    vty_ = std::make_unique<SocketVtySession>(
        "bgpd", absl::StrCat("/var/run/ironlb-frr/", frr_.name(), "/bgpd.vty"));
    reconciler_ = std::make_unique<FrrReconciler>(
        FrrClients{nb_["staticd"].get(), nb_["bgpd"].get(), nb_["bfdd"].get(), vty_.get()});
  }
  std::string Running() { return frr_.Vtysh({"show running-config"}); }

  ironlb::testing::FrrInstance frr_{absl::StrCat("rectest", getpid())};
  std::map<std::string, int> ports_;
  std::map<std::string, std::unique_ptr<GrpcNorthboundClient>> nb_;
  std::unique_ptr<SocketVtySession> vty_;
  std::unique_ptr<FrrReconciler> reconciler_;
};

TEST_F(FrrReconcilerTest, AppliesEverythingOnceAndThenNothing) {
  auto r = reconciler_->Apply(TwoPeers());
  ASSERT_THAT(r, IsOk());
  EXPECT_TRUE(r->Changed());
  const std::string running = Running();
  for (const char* line :
       {"neighbor 10.80.0.1 remote-as 64500", "neighbor 10.80.0.1 description ironlb:edge-a",
        "neighbor 10.80.0.1 bfd profile ironlb-fast", "neighbor 10.80.0.1 password s3cret",
        "neighbor 10.80.0.1 timers 3 9", "neighbor fd00:80::1 port 1179",
        "neighbor fd00:80::1 ebgp-multihop 255", "no bgp network import-check",
        "neighbor 10.80.0.1 route-map ironlb-out-edge-a out",
        "neighbor fd00:80::1 route-map ironlb-out-edge-b out", "set local-preference 250",
        "set large-community 64512:1:2", " profile ironlb-fast", "transmit-interval 100",
        "match tag", "set tag"}) {
    EXPECT_THAT(running, HasSubstr(line));
  }
  // Each prefix is a `network` statement whose route-map gives it its group's tag; the node's
  // own route to lo carries ironlb's tag, and bgpd does not redistribute it.
  EXPECT_THAT(running, HasSubstr(NetworkLine(0)));
  EXPECT_THAT(running, HasSubstr(NetworkLine(1)));
  EXPECT_THAT(running, HasSubstr(absl::StrCat("ip route 10.81.0.10/32 lo tag ", kRouteTagBase)));
  EXPECT_THAT(running,
              HasSubstr(absl::StrCat("ipv6 route fd00:81::10/128 lo tag ", kRouteTagBase)));
  EXPECT_THAT(running, Not(HasSubstr("redistribute")));
  EXPECT_THAT(running, HasSubstr("set community 64512:100"));
  // The kernel routes the VIP to lo, not to a blackhole: the node's own traffic to the VIP
  // still gets a route and a real source address.
  EXPECT_TRUE(Eventually([] {
    return RunShell("ip route get 10.81.0.10").find("dev lo src 10.80.0.2") != std::string::npos;
  })) << RunShell("ip route get 10.81.0.10 2>&1");
  // bgpd has both prefixes to send.
  EXPECT_TRUE(Eventually([this] {
    return frr_.Vtysh({"show bgp ipv4 unicast json"}).find("10.81.0.10/32") != std::string::npos &&
           frr_.Vtysh({"show bgp ipv6 unicast json"}).find("fd00:81::10/128") != std::string::npos;
  }));

  auto again = reconciler_->Apply(TwoPeers());
  ASSERT_THAT(again, IsOk());
  EXPECT_FALSE(again->Changed());
  // An audit re-reads FRR and finds nothing to do either.
  auto audit = reconciler_->Apply(TwoPeers(), /*audit=*/true);
  ASSERT_THAT(audit, IsOk());
  EXPECT_FALSE(audit->Changed()) << audit->vty_commands.size() << " vty commands, "
                                 << audit->staticd_edits << " staticd edits, " << audit->bgpd_edits
                                 << " bgpd edits";
  // A fresh reconciler (the speaker restarted) converges without changing anything either.
  Connect();
  auto fresh = reconciler_->Apply(TwoPeers());
  ASSERT_THAT(fresh, IsOk());
  EXPECT_TRUE(fresh->vty_commands.empty());

  auto status = reconciler_->ReadStatus();
  ASSERT_THAT(status, IsOk());
  EXPECT_EQ(status->originated_prefixes, 2u);
  ASSERT_EQ(status->peers.size(), 2u);
}

TEST_F(FrrReconcilerTest, RemovingOnePeerAndOneVipTouchesOnlyThem) {
  ASSERT_THAT(reconciler_->Apply(TwoPeers()), IsOk());
  DesiredState d = TwoPeers();
  d.peers.pop_back();
  d.announcements.pop_back();
  auto r = reconciler_->Apply(d);
  ASSERT_THAT(r, IsOk());
  const std::string running = Running();
  EXPECT_THAT(running, Not(HasSubstr("fd00:80::1")));
  EXPECT_THAT(running, Not(HasSubstr("fd00:81::10")));
  EXPECT_THAT(running, Not(HasSubstr("ironlb-out-edge-b")));
  EXPECT_THAT(running, HasSubstr("neighbor 10.80.0.1 password s3cret"));
  EXPECT_THAT(running, HasSubstr(NetworkLine(0)));
  // Only the removed peer was addressed (and its prefix's statement, removed before its
  // route-maps, so no route is left with a tag nobody matches: no policy flush needed).
  EXPECT_THAT(r->vty_commands,
              ::testing::ElementsAre("router bgp 64512", "no neighbor fd00:80::1"));
  EXPECT_EQ(r->network_commands, 1u);

  // The operator's own neighbor, `network` statement and static route are not ironlb's and
  // stay; a prefix the operator announces is not taken over.
  frr_.Vtysh({"configure terminal", "router bgp 64512", "neighbor 10.80.0.9 remote-as 65000",
              "address-family ipv4 unicast", "network 10.82.0.2/32", "exit-address-family", "exit",
              "ip route 10.82.0.1/32 lo"});
  DesiredState with_operators = d;
  Announcement theirs{.prefix = PrefixOf(Ip("10.82.0.2"), 32)};
  MergeAttributes(theirs, "edge-a", {});
  with_operators.announcements.push_back(theirs);
  auto left = reconciler_->Apply(with_operators, /*audit=*/true);
  ASSERT_THAT(left, IsOk());
  EXPECT_THAT(left->operators_prefixes, ::testing::ElementsAre("10.82.0.2/32"));
  EXPECT_THAT(Running(), HasSubstr(" network 10.82.0.2/32\n"));
  ASSERT_THAT(reconciler_->Apply(DesiredState{}, /*audit=*/true), IsOk());
  const std::string after = Running();
  EXPECT_THAT(after, HasSubstr("neighbor 10.80.0.9 remote-as 65000"));
  EXPECT_THAT(after, HasSubstr(" network 10.82.0.2/32\n"));
  EXPECT_THAT(after, HasSubstr("ip route 10.82.0.1/32 lo"));
  EXPECT_THAT(after, Not(HasSubstr("10.80.0.1 ")));
  EXPECT_THAT(after, Not(HasSubstr("10.81.0.10")));
}

TEST_F(FrrReconcilerTest, RefusalNamesDaemonXpathAndFrrsMessageAndOthersStillApply) {
  DesiredState d = TwoPeers();
  d.bfd_profiles[0].transmit_interval_ms = 5;  // bfdd's model allows 10 ms at least
  const auto r = reconciler_->Apply(d);
  ASSERT_FALSE(r.ok());
  const std::string msg(r.status().message());
  EXPECT_THAT(msg, HasSubstr("FRR bfdd"));
  EXPECT_THAT(msg, HasSubstr("desired-transmission-interval"));
  // Everything else went in.
  EXPECT_THAT(Running(), HasSubstr(NetworkLine(0)));
  EXPECT_THAT(Running(), HasSubstr("neighbor 10.80.0.1 remote-as 64500"));
  // Corrected, the next pass converges.
  EXPECT_THAT(reconciler_->Apply(TwoPeers()), IsOk());
  EXPECT_THAT(Running(), HasSubstr("profile ironlb-fast"));
}

TEST_F(FrrReconcilerTest, RestartedBgpdGetsEverythingBackOnAudit) {
  ASSERT_THAT(reconciler_->Apply(TwoPeers()), IsOk());
  frr_.Kill("bgpd");
  EXPECT_THAT(reconciler_->Apply(TwoPeers(), /*audit=*/true),
              StatusIs(absl::StatusCode::kUnavailable, "FRR bgpd"));
  ASSERT_THAT(frr_.Start("bgpd", ports_["bgpd"]), IsOk());
  absl::Status st;
  for (int i = 0; i < 300; ++i) {  // bounded (30 s of pauses): a hung test only
    st = reconciler_->Apply(TwoPeers(), /*audit=*/true).status();
    if (st.ok()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_THAT(st, IsOk());
  const std::string running = Running();
  EXPECT_THAT(running, HasSubstr("neighbor 10.80.0.1 remote-as 64500"));
  EXPECT_THAT(running,
              HasSubstr(absl::StrCat("route-map ironlb-out-edge-a permit ",
                                     TagOf(0) - kRouteTagBase + 1, "\n match tag ", TagOf(0))));
  EXPECT_TRUE(Eventually([this] {
    return frr_.Vtysh({"show bgp ipv4 unicast json"}).find("10.81.0.10/32") != std::string::npos;
  }));
}

TEST_F(FrrReconcilerTest, StateOfEarlierDesignsIsTakenOverAndReplaced) {
  // What earlier ironlb versions left: tag 7473 (or a group's tag) in staticd, redistribution
  // of static and connected routes, per-peer prefix-lists in bgpd (only in bgpd: vtysh would
  // send these lines to every daemon).
  frr_.Vtysh({"configure terminal", "ip route 10.81.0.10/32 lo tag 7473"});
  ASSERT_THAT(vty_->Configure({"router bgp 64512", "address-family ipv4 unicast",
                               "redistribute static route-map ironlb-redistribute",
                               "redistribute connected route-map ironlb-redistribute-connected",
                               "exit-address-family", "exit",
                               "ip prefix-list ironlb-announced-v4 seq 5 permit 10.81.0.10/32",
                               "ip prefix-list ironlb-out-edge-a-0-v4 seq 5 permit 10.81.0.10/32",
                               "route-map ironlb-out-edge-a permit 10",
                               "match ip address prefix-list ironlb-out-edge-a-0-v4"}),
              IsOk());
  ASSERT_THAT(*vty_->Execute("show running-config"), HasSubstr("ironlb-out-edge-a-0-v4"));
  ASSERT_THAT(reconciler_->Apply(TwoPeers()), IsOk());
  EXPECT_THAT(Running(), HasSubstr(absl::StrCat("ip route 10.81.0.10/32 lo tag ", kRouteTagBase)));
  EXPECT_THAT(Running(), Not(HasSubstr("tag 7473\n")));
  const std::string bgpd = *vty_->Execute("show running-config");
  EXPECT_THAT(bgpd, Not(HasSubstr("redistribute")));
  EXPECT_THAT(bgpd, HasSubstr(NetworkLine(0)));
  EXPECT_THAT(bgpd, Not(HasSubstr("ironlb-announced-v4 ")));
  EXPECT_THAT(bgpd, Not(HasSubstr("ironlb-out-edge-a-0-v4")));
  EXPECT_THAT(bgpd, Not(HasSubstr("route-map ironlb-out-edge-a permit 10\n")));
}

TEST_F(FrrReconcilerTest, WithdrawAllDeletesRoutesAndKeepsSessions) {
  ASSERT_THAT(reconciler_->Apply(TwoPeers()), IsOk());
  ASSERT_THAT(reconciler_->WithdrawAll(), IsOk());
  const std::string running = Running();
  EXPECT_THAT(running, Not(HasSubstr("ip route 10.81.0.10")));
  EXPECT_THAT(running, Not(HasSubstr("network 10.81.0.10")));
  EXPECT_THAT(running, HasSubstr("neighbor 10.80.0.1 remote-as 64500"));
  EXPECT_TRUE(Eventually([] {
    return RunShell("ip route show 10.81.0.10/32").find("10.81.0.10") == std::string::npos;
  }));
}

// Every MetalLB BGPPeer field that is a line in bgpd: bgpd takes each and prints it back as
// ironlb wrote it (else every pass would re-send it), and a second pass changes nothing.
TEST_F(FrrReconcilerTest, EveryPeerFieldLandsInBgpdAndIsStable) {
  DesiredState d;
  d.peers.push_back({.name = "dyn",
                     .my_asn = 64512,
                     .peer_as_kind = PeerAsKind::kExternal,
                     .address = Ip("10.80.0.1"),
                     .connect_time_s = 5,
                     .router_id = Ip("10.255.0.1"),
                     .graceful_restart = true,
                     .dual_stack = true});
  d.peers.push_back({.name = "fabric",
                     .my_asn = 64512,
                     .peer_as_kind = PeerAsKind::kInternal,
                     .interface = "ilbrec0"});
  ASSERT_THAT(reconciler_->Apply(d), IsOk());
  const std::string running = Running();
  for (const char* line :
       {"bgp router-id 10.255.0.1", "neighbor 10.80.0.1 remote-as external",
        "neighbor 10.80.0.1 timers connect 5", "neighbor 10.80.0.1 graceful-restart",
        "bgp graceful-restart preserve-fw-state", "neighbor ilbrec0 interface remote-as internal",
        "neighbor ilbrec0 description ironlb:fabric",
        "neighbor ilbrec0 route-map ironlb-out-fabric out"}) {
    EXPECT_THAT(running, HasSubstr(line));
  }
  // Both families on the dual-stack session.
  auto neighbor = vty_->Execute("show bgp neighbors 10.80.0.1 json");
  ASSERT_THAT(neighbor, IsOk());
  EXPECT_THAT(*neighbor, HasSubstr("\"ipv4Unicast\""));
  EXPECT_THAT(*neighbor, HasSubstr("\"ipv6Unicast\""));
  auto again = reconciler_->Apply(d, /*audit=*/true);
  ASSERT_THAT(again, IsOk());
  EXPECT_FALSE(again->Changed()) << absl::StrJoin(again->vty_commands, " / ");
}

// A peer in a VRF: its own `router bgp ASN vrf NAME` with the neighbor and the prefixes of its
// groups, accepted by bgpd and printed back as ironlb wrote it (stable on audit); the default
// instance does not get them. When the peer goes, the VRF's statements go too.
TEST_F(FrrReconcilerTest, APeerInAVrfGetsItsOwnInstance) {
  DesiredState d = TwoPeers();
  d.peers[1].vrf = "red";
  d.peers[1].my_asn = 64600;
  ASSERT_THAT(reconciler_->Apply(d), IsOk());
  const std::string running = *vty_->Execute("show running-config");
  const size_t red = running.find("router bgp 64600 vrf red\n");
  ASSERT_NE(red, std::string::npos) << running;
  const std::string red_block = running.substr(red, running.find("\nexit\n", red) - red);
  EXPECT_THAT(red_block, HasSubstr("neighbor fd00:80::1 remote-as 64501"));
  EXPECT_THAT(red_block, HasSubstr("neighbor fd00:80::1 description ironlb:edge-b"));
  EXPECT_THAT(red_block, HasSubstr("network fd00:81::10/128 route-map ironlb-group-"));
  EXPECT_THAT(red_block, Not(HasSubstr("10.81.0.10")));
  const size_t def = running.find("router bgp 64512\n");
  ASSERT_NE(def, std::string::npos);
  const std::string def_block = running.substr(def, running.find("\nexit\n", def) - def);
  EXPECT_THAT(def_block, HasSubstr("network 10.81.0.10/32 route-map ironlb-group-"));
  EXPECT_THAT(def_block, Not(HasSubstr("fd00:81::10")));
  auto audit = reconciler_->Apply(d, /*audit=*/true);
  ASSERT_THAT(audit, IsOk());
  EXPECT_FALSE(audit->Changed()) << absl::StrJoin(audit->vty_commands, " / ");
  d.peers.pop_back();
  d.announcements.pop_back();
  ASSERT_THAT(reconciler_->Apply(d), IsOk());
  const std::string after = *vty_->Execute("show running-config");
  EXPECT_THAT(after, Not(HasSubstr("fd00:81::10")));
  EXPECT_THAT(after, Not(HasSubstr("ironlb:edge-b")));
}

}  // namespace
}  // namespace ironlb::bgp

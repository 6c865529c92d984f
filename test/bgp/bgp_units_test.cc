// Pure parts of bgp/: the skeleton diff, the northbound objects and their diff, FRR JSON
// parsing, and the reconciler's bookkeeping against fake clients (checked against real FRR by
// frr_reconciler_test).
#include <map>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "bgp/attribute_groups.h"
#include "bgp/bgp_networks.h"
#include "bgp/bgp_skeleton.h"
#include "bgp/frr_objects.h"
#include "bgp/frr_reconciler.h"
#include "bgp/frr_status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "test/support/status_matchers.h"

namespace ironlb::bgp {
namespace {

using ::ironlb::testing::IsOk;
using ::ironlb::testing::StatusIs;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

IpAddress Ip(const char* s) { return *IpAddress::Parse(s); }

DesiredState OnePeer() {
  DesiredState d;
  d.peers.push_back({.name = "r1",
                     .my_asn = 64512,
                     .peer_asn = 64500,
                     .address = Ip("10.0.0.1"),
                     .hold_time_s = 9,
                     .keepalive_time_s = 3});
  Announcement a{.prefix = PrefixOf(Ip("192.0.2.7"), 32)};
  MergeAttributes(a, "r1", {});
  d.announcements.push_back(a);
  return d;
}

TEST(BgpSkeletonTest, RunningConfigRoundTripsAndChangesOnlyWhatDiffers) {
  const BgpSkeleton want = DesiredSkeleton(OnePeer());
  const std::string running =
      "frr version 8.4.4\n!\nrouter bgp 64512\n bgp router-id 10.0.0.2\n"
      " no bgp default ipv4-unicast\n no bgp network import-check\n coalesce-time 100\n"
      " neighbor 10.0.0.1 remote-as 64500\n"
      " neighbor 10.0.0.1 description ironlb:r1\n neighbor 10.0.0.1 timers 30 90\n"
      " neighbor 10.0.0.9 remote-as 65000\n !\n address-family ipv4 unicast\n"
      "  redistribute connected route-map ironlb-redistribute-connected\n"
      "  redistribute static route-map ironlb-redistribute\n  redistribute kernel\n"
      "  network 192.0.2.7/32 route-map ironlb-group-5\n  network 198.51.100.0/24\n"
      "  neighbor 10.0.0.1 activate\n"
      "  neighbor 10.0.0.1 route-map ironlb-out-r1 out\n exit-address-family\nexit\n!\n"
      "router bgp 64512 vrf blue\n neighbor 10.9.9.9 remote-as 1\nexit\n";
  const BgpSkeleton have = ParseRunningConfig(running);
  ASSERT_TRUE(have.asn.has_value());
  EXPECT_EQ(*have.asn, 64512u);
  // Only the changed timers and the earlier versions' redistribution; the operator's neighbor
  // 10.0.0.9, redistribution, network and VRF and ironlb's `network` statements (not the
  // skeleton's) are not touched.
  EXPECT_THAT(
      SkeletonCommands(have, want),
      ElementsAre("router bgp 64512", "no neighbor 10.0.0.1 timers 30 90",
                  "neighbor 10.0.0.1 timers 3 9", "address-family ipv4 unicast",
                  "no redistribute connected route-map ironlb-redistribute-connected",
                  "no redistribute static route-map ironlb-redistribute", "exit-address-family"));
  EXPECT_THAT(SkeletonCommands(want, want), IsEmpty());
  // From nothing: the instance, then neighbors before their attributes.
  const auto fresh = SkeletonCommands(BgpSkeleton{}, want);
  ASSERT_GE(fresh.size(), 4u);
  EXPECT_EQ(fresh[0], "router bgp 64512");
  EXPECT_EQ(fresh[1], "coalesce-time 100");
  EXPECT_EQ(fresh[2], "no bgp default ipv4-unicast");
  EXPECT_EQ(fresh[3], "no bgp network import-check");
  // The new neighbor is created shut down and enabled last, once its families are active (a
  // router that answers its first OPEN must see them: BIRD refuses an OPEN without them).
  EXPECT_EQ(fresh[4], "bgp default shutdown");
  EXPECT_EQ(fresh[5], "neighbor 10.0.0.1 remote-as 64500");
  EXPECT_EQ(fresh[6], "no bgp default shutdown");
  EXPECT_EQ(fresh.back(), "no neighbor 10.0.0.1 shutdown");
  EXPECT_THAT(fresh, ::testing::Contains("neighbor 10.0.0.1 activate"));
  // The operator's own `bgp default shutdown` stays; a neighbor left shut down by a pass that
  // stopped half-way is enabled.
  BgpSkeleton operators = ParseRunningConfig("router bgp 64512\n bgp default shutdown\nexit\n");
  const auto under_operators = SkeletonCommands(operators, want);
  EXPECT_THAT(under_operators, ::testing::Not(::testing::Contains("no bgp default shutdown")));
  EXPECT_EQ(under_operators.back(), "no neighbor 10.0.0.1 shutdown");
  BgpSkeleton half = want;
  half.lines[""].insert("neighbor 10.0.0.1 shutdown");
  EXPECT_THAT(SkeletonCommands(half, want),
              ElementsAre("router bgp 64512", "no neighbor 10.0.0.1 shutdown"));
  // Nothing wanted: ironlb's neighbor goes, the operator's stays.
  EXPECT_THAT(
      SkeletonCommands(have, DesiredSkeleton(DesiredState{})),
      ElementsAre("router bgp 64512", "no neighbor 10.0.0.1", "address-family ipv4 unicast",
                  "no redistribute connected route-map ironlb-redistribute-connected",
                  "no redistribute static route-map ironlb-redistribute", "exit-address-family"));
}

// The MetalLB BGPPeer fields beyond address and AS numbers, as bgpd's own lines (checked
// against a real bgpd, which must print them back identically, in frr_reconciler_test).
DesiredState EveryPeerField() {
  DesiredState d;
  d.peers.push_back({.name = "dyn",
                     .my_asn = 64512,
                     .peer_as_kind = PeerAsKind::kExternal,
                     .address = Ip("10.0.0.1"),
                     .connect_time_s = 5,
                     .router_id = Ip("10.255.0.1"),
                     .graceful_restart = true,
                     .dual_stack = true});
  d.peers.push_back({.name = "fabric",
                     .my_asn = 64512,
                     .peer_as_kind = PeerAsKind::kInternal,
                     .interface = "eth1"});
  return d;
}

TEST(BgpSkeletonTest, EveryPeerFieldIsALineOfItsOwn) {
  const BgpSkeleton s = DesiredSkeleton(EveryPeerField());
  EXPECT_THAT(s.lines.at(""),
              ::testing::IsSupersetOf(
                  {"bgp router-id 10.255.0.1", "neighbor 10.0.0.1 remote-as external",
                   "neighbor 10.0.0.1 timers connect 5", "neighbor 10.0.0.1 graceful-restart",
                   "neighbor eth1 interface remote-as internal",
                   "neighbor eth1 description ironlb:fabric"}));
  // Both families for the dual-stack session and for the unnumbered one.
  for (const char* af : {"ipv4 unicast", "ipv6 unicast"}) {
    EXPECT_THAT(s.lines.at(af),
                ::testing::IsSupersetOf({"neighbor 10.0.0.1 activate", "neighbor eth1 activate",
                                         "neighbor eth1 route-map "
                                         "ironlb-out-fabric out"}));
  }
  EXPECT_THAT(ValidateDesiredState(EveryPeerField()), IsOk());
}

TEST(DesiredStateTest, RefusesWrongPeerFieldsNamingThem) {
  DesiredState d = EveryPeerField();
  d.peers[0].connect_time_s = 0;
  EXPECT_THAT(ValidateDesiredState(d),
              StatusIs(absl::StatusCode::kInvalidArgument, "BGPPeer \"dyn\": spec.connectTime"));
  d = EveryPeerField();
  d.peers[1].router_id = Ip("10.255.0.2");
  EXPECT_THAT(ValidateDesiredState(d),
              StatusIs(absl::StatusCode::kInvalidArgument, "spec.routerID 10.255.0.2 differs"));
  d = EveryPeerField();
  d.peers[0].router_id = Ip("fd00::1");
  EXPECT_THAT(ValidateDesiredState(d),
              StatusIs(absl::StatusCode::kInvalidArgument, "spec.routerID must be an IPv4"));
  d = EveryPeerField();
  d.peers[1].interface = "an interface name too long";
  EXPECT_THAT(ValidateDesiredState(d),
              StatusIs(absl::StatusCode::kInvalidArgument, "BGPPeer \"fabric\": spec.interface"));
  d = EveryPeerField();
  d.peers[1].ebgp_multihop = true;
  EXPECT_THAT(ValidateDesiredState(d),
              StatusIs(absl::StatusCode::kInvalidArgument, "dynamicASN is internal"));
  d = EveryPeerField();
  d.peers[0].peer_as_kind = PeerAsKind::kNumber;  // and no peerASN
  EXPECT_THAT(ValidateDesiredState(d),
              StatusIs(absl::StatusCode::kInvalidArgument, "peerASN (or dynamicASN)"));
  d = EveryPeerField();
  d.peers.push_back(d.peers[1]);
  d.peers[2].name = "fabric2";
  EXPECT_THAT(ValidateDesiredState(d),
              StatusIs(absl::StatusCode::kInvalidArgument, "spec.interface eth1 is used"));
}

TEST(BgpSkeletonTest, APeerInAVrfHasItsOwnInstanceAndPrefixes) {
  DesiredState d = OnePeer();
  d.peers.push_back(d.peers[0]);
  d.peers[1].name = "red-r1";
  d.peers[1].vrf = "red";
  d.peers[1].my_asn = 64600;
  Announcement red{.prefix = PrefixOf(Ip("192.0.2.9"), 32)};
  MergeAttributes(red, "red-r1", {});
  d.announcements.push_back(red);
  EXPECT_THAT(ValidateDesiredState(d), IsOk());  // one AS number per VRF, one address per VRF
  EXPECT_THAT(PeerVrfs(d), ElementsAre("", "red"));
  const BgpSkeleton red_want = DesiredSkeleton(d, "red");
  EXPECT_EQ(red_want.asn, 64600u);
  EXPECT_TRUE(red_want.lines.at("").count("neighbor 10.0.0.1 description ironlb:red-r1"));
  EXPECT_FALSE(
      DesiredSkeleton(d, "").lines.at("").count("neighbor 10.0.0.1 description ironlb:red-r1"));
  const auto cmds = SkeletonCommands(BgpSkeleton{.vrf = "red"}, red_want);
  ASSERT_FALSE(cmds.empty());
  EXPECT_EQ(cmds[0], "router bgp 64600 vrf red");
  // Each instance announces the prefixes of its own peers.
  EXPECT_EQ(DesiredNetworks(d, "red").at("ipv4 unicast").count("192.0.2.9/32"), 1u);
  EXPECT_EQ(DesiredNetworks(d, "red").at("ipv4 unicast").count("192.0.2.7/32"), 0u);
  EXPECT_EQ(DesiredNetworks(d, "").at("ipv4 unicast").count("192.0.2.9/32"), 0u);
  // The VRF's block of the running configuration is read as that VRF's.
  const std::string running =
      "router bgp 64512\n neighbor 10.0.0.1 remote-as 64500\nexit\n!\n"
      "router bgp 64600 vrf red\n neighbor 10.0.0.1 remote-as 64500\n"
      " address-family ipv4 unicast\n  network 192.0.2.9/32 route-map ironlb-group-1\n"
      " exit-address-family\nexit\n";
  EXPECT_EQ(ParseRunningConfig(running, "red").asn, 64600u);
  EXPECT_EQ(ParseRunningConfig(running, "").asn, 64512u);
  EXPECT_EQ(ParseNetworks(running, "red").ironlb.at("ipv4 unicast").size(), 1u);
  EXPECT_TRUE(ParseNetworks(running, "").ironlb.empty());
  // Two AS numbers in one VRF are refused, naming the field.
  d.peers[1].vrf = "";
  d.peers[1].address = Ip("10.0.0.2");
  EXPECT_THAT(ValidateDesiredState(d),
              StatusIs(absl::StatusCode::kInvalidArgument, "spec.myASN 64600 differs"));
}

TEST(BgpSkeletonTest, BfdRemovalIsOneCommandAndAsChangeRecreatesTheInstance) {
  DesiredState d = OnePeer();
  d.bfd_profiles.push_back({.name = "fast"});
  d.peers[0].bfd_profile = "fast";
  const BgpSkeleton with_bfd = DesiredSkeleton(d);
  EXPECT_THAT(SkeletonCommands(with_bfd, DesiredSkeleton(OnePeer())),
              ElementsAre("router bgp 64512", "no neighbor 10.0.0.1 bfd"));
  d.peers[0].my_asn = 64513;
  const auto cmds = SkeletonCommands(with_bfd, DesiredSkeleton(d));
  ASSERT_GE(cmds.size(), 2u);
  EXPECT_EQ(cmds[0], "no router bgp 64512");
  EXPECT_EQ(cmds[1], "router bgp 64513");
}

TEST(FrrObjectsTest, PolicyPerGroupAndDiff) {
  DesiredState d = OnePeer();
  RouteAttributes attrs;
  attrs.local_pref = 300;
  attrs.communities.push_back({.high = 65535, .low = 65281});
  MergeAttributes(d.announcements[0], "r1", attrs);
  const FrrObjects o = BuildObjects(d);
  // The node's own route to the VIP (lo, ironlb's tag); what bgpd announces is the `network`
  // statement.
  const std::string route = StaticRouteXpath(PrefixOf(Ip("192.0.2.7"), 32));
  ASSERT_EQ(o.staticd.size(), 1u);
  ASSERT_TRUE(o.staticd.count(route));
  EXPECT_THAT(o.staticd.at(route).Fingerprint(), HasSubstr(absl::StrCat("/tag=", kRouteTagBase)));
  EXPECT_THAT(o.staticd.at(route).Fingerprint(), HasSubstr("[interface='lo']"));
  const std::vector<AttributeGroup> groups = GroupAnnouncements(d);
  ASSERT_EQ(groups.size(), 1u);
  EXPECT_TRUE(IsIronlbRouteTag(groups[0].tag()));
  std::string all;
  for (const auto& [x, obj] : o.bgpd) all += x + "\n" + obj.Fingerprint();
  EXPECT_THAT(all, HasSubstr("local-pref=300"));
  EXPECT_THAT(all, HasSubstr("community-string=65535:65281"));
  // The group's route-map tags its routes; the peer's matches the tag.
  EXPECT_THAT(all, HasSubstr(absl::StrCat("route-map[name='", GroupRouteMapName(groups[0].slot),
                                          "']/entry[sequence='1']")));
  EXPECT_THAT(all, HasSubstr(absl::StrCat("set-tag']/rmap-set-action/tag=", groups[0].tag())));
  EXPECT_THAT(all,
              HasSubstr(absl::StrCat("match-tag']/rmap-match-condition/tag=", groups[0].tag())));
  EXPECT_THAT(all, Not(HasSubstr("prefix-list")));  // nothing per VIP
  EXPECT_THAT(DesiredNetworks(d),
              ElementsAre(::testing::Pair(
                  "ipv4 unicast", ElementsAre(::testing::Pair(
                                      "192.0.2.7/32", GroupRouteMapName(groups[0].slot))))));

  // Known and equal: nothing. Unknown content: replaced (delete, then set). Unwanted: deleted,
  // but not below an entry deleted in the same edit.
  const std::string entry =
      absl::StrCat("/frr-route-map:lib/route-map[name='", GroupRouteMapName(groups[0].slot),
                   "']/entry[sequence='1']");
  ASSERT_TRUE(o.bgpd.count(entry));
  std::map<std::string, std::string> have;
  for (const auto& [x, obj] : o.bgpd) have[x] = obj.Fingerprint();
  EXPECT_THAT(DiffObjects(have, o.bgpd), IsEmpty());
  have[entry] = "";
  const auto replace = DiffObjects(have, o.bgpd);
  ASSERT_EQ(replace.size(), 3u);
  EXPECT_EQ(replace[0].op, YangEdit::Op::kDelete);
  EXPECT_EQ(replace[1].op, YangEdit::Op::kSet);
  const auto drop = DiffObjects({{"/a[x='1']", "f"}, {"/a[x='1']/e[s='2']", "g"}}, {});
  ASSERT_EQ(drop.size(), 1u);
  EXPECT_EQ(drop[0].xpath, "/a[x='1']");
}

TEST(BgpNetworksTest, OnlyIronlbsStatementsChangeAndTheOperatorsPrefixIsLeftAlone) {
  const std::string running =
      "router bgp 64512\n address-family ipv4 unicast\n"
      "  network 10.9.0.1/32 route-map ironlb-group-3\n"
      "  network 10.9.0.2/32 route-map ironlb-group-3\n"
      "  network 10.9.0.3/32\n  network 10.9.0.4/32 route-map mine\n"
      " exit-address-family\n address-family ipv6 unicast\n"
      "  network fd00:9::1/128 route-map ironlb-group-3\n exit-address-family\nexit\n"
      "router bgp 64512 vrf blue\n address-family ipv4 unicast\n"
      "  network 10.9.9.9/32 route-map ironlb-group-1\n exit-address-family\nexit\n";
  const RunningNetworks have = ParseNetworks(running);
  EXPECT_EQ(have.ironlb.at("ipv4 unicast").size(), 2u);
  EXPECT_EQ(have.ironlb.at("ipv6 unicast").size(), 1u);
  EXPECT_THAT(have.operators, ElementsAre("10.9.0.3/32", "10.9.0.4/32"));
  NetworkStatements want;
  want["ipv4 unicast"] = {{"10.9.0.1/32", "ironlb-group-3"},
                          {"10.9.0.2/32", "ironlb-group-7"},
                          {"10.9.0.3/32", "ironlb-group-3"},
                          {"10.9.0.5/32", "ironlb-group-3"}};
  // 10.9.0.1 stays, 10.9.0.2 is re-pointed in place, the operator's 10.9.0.3 is not touched,
  // 10.9.0.5 is new, the IPv6 one goes.
  EXPECT_THAT(NetworkCommands(64512, "", have.ironlb, want, have.operators),
              ElementsAre("router bgp 64512", "address-family ipv4 unicast",
                          "network 10.9.0.2/32 route-map ironlb-group-7",
                          "network 10.9.0.5/32 route-map ironlb-group-3", "exit-address-family",
                          "address-family ipv6 unicast", "no network fd00:9::1/128",
                          "exit-address-family"));
  EXPECT_THAT(NetworkCommands(64512, "", want, want, {}), IsEmpty());
  EXPECT_FALSE(WithoutOperators(want, have.operators).at("ipv4 unicast").count("10.9.0.3/32"));
}

TEST(FrrObjectsTest, OwnedObjectsAreTaggedRoutesAndIronlbNames) {
  const char* staticd = R"({"frr-routing:routing":{"control-plane-protocols":{
    "control-plane-protocol":[{"type":"frr-staticd:staticd","name":"staticd","vrf":"default",
    "frr-staticd:staticd":{"route-list":[
      {"prefix":"192.0.2.7/32","afi-safi":"frr-routing:ipv4-unicast",
       "path-list":[{"table-id":0,"distance":1,"tag":7473}]},
      {"prefix":"192.0.2.8/32","afi-safi":"frr-routing:ipv4-unicast",
       "path-list":[{"table-id":0,"distance":1,"tag":74730417}]},
      {"prefix":"192.0.2.9/32","afi-safi":"frr-routing:ipv4-unicast",
       "path-list":[{"table-id":0,"distance":1,"tag":74731023}]},
      {"prefix":"10.1.0.0/16","afi-safi":"frr-routing:ipv4-unicast",
       "path-list":[{"table-id":0,"distance":1}]}]}}]}}})";
  auto routes = OwnedStaticdObjects(staticd);
  ASSERT_THAT(routes, IsOk());
  // The earlier single tag and the group tags are ironlb's; a tag past the slots is not.
  EXPECT_THAT(*routes, ElementsAre(StaticRouteXpath(PrefixOf(Ip("192.0.2.7"), 32)),
                                   StaticRouteXpath(PrefixOf(Ip("192.0.2.8"), 32))));
  // The router role's pool filter lists may share the bgpd: BGP mode must leave them alone.
  const char* bgpd = R"({"frr-route-map:lib":{"route-map":[{"name":"ironlb-out-r1",
    "entry":[{"sequence":10,"action":"permit"}]},{"name":"operator","entry":[]}]},
    "frr-filter:lib":{"prefix-list":[{"type":"ipv4","name":"ironlb-pools-v4",
    "entry":[{"sequence":5,"action":"permit"}]}]}})";
  auto policy = OwnedBgpdObjects(bgpd);
  ASSERT_THAT(policy, IsOk());
  EXPECT_THAT(*policy, ElementsAre("/frr-route-map:lib/route-map[name='ironlb-out-r1']",
                                   "/frr-route-map:lib/route-map[name='ironlb-out-r1']/"
                                   "entry[sequence='10']"));
  EXPECT_THAT(OwnedBfddObjects("{not json"), StatusIs(absl::StatusCode::kDataLoss, "bfdd"));
}

TEST(FrrStatusTest, SummaryKeepsIronlbPeers) {
  auto peers = ParseBgpSummary(R"({"ipv4Unicast":{"peers":{
    "10.0.0.1":{"state":"Established","pfxSnt":3,"desc":"ironlb:r1"},
    "10.0.0.9":{"state":"Active","pfxSnt":0}}}})");
  ASSERT_THAT(peers, IsOk());
  ASSERT_EQ(peers->size(), 1u);
  EXPECT_EQ((*peers)[0].name, "r1");
  EXPECT_TRUE((*peers)[0].established());
  EXPECT_EQ((*peers)[0].prefixes_sent, 3u);
  // Every VRF's instance (`show bgp vrf all summary json`): each peer with its VRF.
  peers = ParseBgpSummary(R"({"default":{"ipv4Unicast":{"peers":{
    "10.0.0.1":{"state":"Established","pfxSnt":3,"desc":"ironlb:r1"}}}},
    "red":{"ipv4Unicast":{"routerId":"10.93.0.11","peers":{
    "10.93.0.1":{"state":"Active","pfxSnt":0,"desc":"ironlb:red-r1"}}}}})");
  ASSERT_THAT(peers, IsOk());
  ASSERT_EQ(peers->size(), 2u);
  EXPECT_EQ((*peers)[0].name, "r1");
  EXPECT_EQ((*peers)[0].vrf, "");
  EXPECT_EQ((*peers)[1].name, "red-r1");
  EXPECT_EQ((*peers)[1].vrf, "red");
  EXPECT_FALSE((*peers)[1].established());
  auto bfd = ParseBfdSessions(R"({"frr-bfdd:bfdd":{"bfd":{"sessions":{"single-hop":[
    {"dest-addr":"10.0.0.1","stats":{"local-state":"up"}},
    {"dest-addr":"10.0.0.2","stats":{"local-state":"down"}}]}}}})");
  ASSERT_THAT(bfd, IsOk());
  EXPECT_EQ(bfd->first, 1u);
  EXPECT_EQ(bfd->second, 2u);
}

TEST(DesiredStateTest, RefusesWhatFrrWould) {
  DesiredState d = OnePeer();
  d.peers[0].password = "two words";
  EXPECT_THAT(ValidateDesiredState(d), StatusIs(absl::StatusCode::kInvalidArgument, "password"));
  d = OnePeer();
  d.peers.push_back(d.peers[0]);
  d.peers[1].name = "r2";
  d.peers[1].address = Ip("10.0.0.2");
  d.peers[1].my_asn = 1;
  EXPECT_THAT(ValidateDesiredState(d), StatusIs(absl::StatusCode::kInvalidArgument, "myASN"));
  d = OnePeer();
  d.peers[0].bfd_profile = "missing";
  EXPECT_THAT(ValidateDesiredState(d), StatusIs(absl::StatusCode::kInvalidArgument, "bfdProfile"));
  EXPECT_EQ(PrefixOf(Ip("192.0.2.77"), 24).ToString(), "192.0.2.0/24");
  EXPECT_EQ(PrefixOf(Ip("fd00::1:2"), 112).ToString(), "fd00::1:0/112");
}

// Fakes: a northbound that records commits and serves nothing back, a vty with a script.
class FakeNorthbound : public NorthboundClient {
 public:
  absl::StatusOr<bool> Commit(const std::vector<YangEdit>& edits, absl::string_view) override {
    commits.push_back(edits);
    if (!fail.ok()) return fail;
    return !edits.empty();
  }
  absl::StatusOr<std::string> GetJson(absl::string_view, DataKind) override {
    if (!fail.ok()) return fail;
    return std::string("{}");
  }
  std::vector<std::vector<YangEdit>> commits;
  absl::Status fail;
};

class FakeVty : public VtySession {
 public:
  absl::StatusOr<std::string> Execute(absl::string_view) override { return running; }
  absl::Status Configure(const std::vector<std::string>& lines) override {
    configured.push_back(lines);
    return absl::OkStatus();
  }
  absl::Status ConfigureAll(const std::vector<std::string>& lines) override {
    batches.push_back(lines);
    return batch_fail;
  }
  absl::Status batch_fail;
  std::vector<std::vector<std::string>> batches;
  std::string running;
  std::vector<std::vector<std::string>> configured;
};

TEST(FrrReconcilerFakeTest, OneCommitPerDaemonOneBatchOfNetworksThenNothingAndFailuresAudited) {
  FakeNorthbound staticd, bgpd, bfdd;
  FakeVty vty;
  FrrReconciler r({&staticd, &bgpd, &bfdd, &vty});
  const std::string group = GroupRouteMapName(GroupAnnouncements(OnePeer())[0].slot);
  ASSERT_THAT(r.Apply(OnePeer()), IsOk());
  EXPECT_EQ(staticd.commits.size(), 1u);  // the node's own route to the VIP, last
  EXPECT_EQ(bgpd.commits.size(), 1u);
  EXPECT_EQ(bfdd.commits.size(), 0u);  // no profiles: nothing to change
  // The skeleton; no policy flush (only new route-map entries, which no route used before).
  ASSERT_EQ(vty.configured.size(), 1u);
  ASSERT_EQ(vty.batches.size(), 1u);
  EXPECT_THAT(vty.batches[0], ElementsAre("router bgp 64512", "address-family ipv4 unicast",
                                          absl::StrCat("network 192.0.2.7/32 route-map ", group),
                                          "exit-address-family"));
  ASSERT_THAT(r.Apply(OnePeer()), IsOk());
  EXPECT_EQ(bgpd.commits.size(), 1u);
  EXPECT_EQ(vty.configured.size(), 1u);
  EXPECT_EQ(vty.batches.size(), 1u);

  // One more VIP of the same group: one line; bgpd refusing its (empty) commit changes nothing.
  DesiredState two = OnePeer();
  Announcement b{.prefix = PrefixOf(Ip("192.0.2.8"), 32)};
  MergeAttributes(b, "r1", {});
  two.announcements.push_back(b);
  vty.batch_fail = absl::InvalidArgumentError("FRR bgpd refused \"network 192.0.2.8/32\"");
  auto failed = r.Apply(two);
  EXPECT_THAT(failed.status(), StatusIs(absl::StatusCode::kInvalidArgument, "192.0.2.8/32"));
  ASSERT_EQ(vty.batches.size(), 2u);
  EXPECT_THAT(vty.batches[1], ElementsAre("router bgp 64512", "address-family ipv4 unicast",
                                          absl::StrCat("network 192.0.2.8/32 route-map ", group),
                                          "exit-address-family"));
  // After a failure the running configuration is read again (here: holding nothing of ours),
  // and both statements are sent.
  vty.batch_fail = absl::OkStatus();
  ASSERT_THAT(r.Apply(two), IsOk());
  ASSERT_EQ(vty.batches.size(), 3u);
  EXPECT_EQ(vty.batches[2].size(), 5u);

  // The group goes: its statements are removed first (the withdrawal waits for no commit),
  // then its route-map entries, in a commit of deletes only; no route carries its tag any
  // more, so bgpd's policy needs no flush.
  vty.running = absl::StrCat("router bgp 64512\n address-family ipv4 unicast\n  network ",
                             "192.0.2.7/32 route-map ", group, "\n exit-address-family\nexit\n");
  DesiredState none = OnePeer();
  none.announcements.clear();
  const size_t commits = bgpd.commits.size();
  auto gone = r.Apply(none);
  ASSERT_THAT(gone, IsOk());
  EXPECT_EQ(gone->network_commands, 2u);
  ASSERT_EQ(bgpd.commits.size(), commits + 1);
  for (const YangEdit& e : bgpd.commits.back()) {
    EXPECT_EQ(e.op, YangEdit::Op::kDelete) << e.xpath;
  }
  for (const auto& cmds : vty.configured) {
    EXPECT_THAT(cmds, Not(Contains("bgp route-map delay-timer 0")));
  }
}

// `n` VIPs 10.9.x.y/32 to r1 (and r2 when `both`), plain attributes.
DesiredState ManyVips(int n, bool both) {
  DesiredState d = OnePeer();
  d.peers.push_back(d.peers[0]);
  d.peers[1].name = "r2";
  d.peers[1].address = Ip("10.0.0.2");
  d.announcements.clear();
  for (int i = 0; i < n; ++i) {
    Announcement a{
        .prefix =
            PrefixOf(IpAddress::FromValue(IpFamily::kV4, (10u << 24) | (9u << 16) | (i + 1)), 32)};
    MergeAttributes(a, "r1", {});
    if (both) MergeAttributes(a, "r2", {});
    d.announcements.push_back(a);
  }
  return d;
}

std::map<std::string, std::string> Fingerprints(const ObjectSet& objects) {
  std::map<std::string, std::string> out;
  for (const auto& [x, o] : objects) out[x] = o.Fingerprint();
  return out;
}

TEST(FrrObjectsTest, NothingPerVipInTheNorthbound) {
  const FrrObjects o = BuildObjects(ManyVips(1000, true));
  EXPECT_EQ(o.staticd.size(), 1000u);  // the node's routes to lo, installed last
  size_t route_map_entries = 0;
  for (const auto& [x, obj] : o.bgpd) {
    EXPECT_THAT(x, Not(HasSubstr("prefix-list")));
    route_map_entries += absl::StrContains(x, "route-map[") && absl::StrContains(x, "/entry[");
  }
  // One group: its tagging route-map, out-r1, out-r2.
  EXPECT_EQ(route_map_entries, 3u);
  EXPECT_EQ(DesiredNetworks(ManyVips(1000, true)).at("ipv4 unicast").size(), 1000u);
}

TEST(FrrObjectsTest, AVipMovingToAnotherGroupIsRepointedAndItsOldPeersLoseIt) {
  DesiredState moved = ManyVips(50, true);
  Announcement& x = moved.announcements[7];
  x.peers.erase("r2");  // now only to r1
  const auto before = GroupAnnouncements(ManyVips(50, true));
  const auto after = GroupAnnouncements(moved);
  ASSERT_EQ(before.size(), 1u);
  ASSERT_EQ(after.size(), 2u);
  const AttributeGroup& both = after[0].peers.size() == 2 ? after[0] : after[1];
  const AttributeGroup& r1_only = after[0].peers.size() == 2 ? after[1] : after[0];
  EXPECT_EQ(both.slot, before[0].slot);  // the others keep their tag
  ASSERT_EQ(r1_only.announcements.size(), 1u);

  // Only x's statement changes: re-pointed at the new group's route-map.
  EXPECT_THAT(
      NetworkCommands(64512, "", DesiredNetworks(ManyVips(50, true)), DesiredNetworks(moved), {}),
      ElementsAre("router bgp 64512", "address-family ipv4 unicast",
                  absl::StrCat("network ", x.prefix.ToString(), " route-map ",
                               GroupRouteMapName(r1_only.slot)),
                  "exit-address-family"));
  const FrrObjects a = BuildObjects(ManyVips(50, true));
  const FrrObjects b = BuildObjects(moved);
  EXPECT_THAT(DiffObjects(Fingerprints(a.staticd), b.staticd), IsEmpty());
  for (const YangEdit& e : DiffObjects(Fingerprints(a.bgpd), b.bgpd)) {
    EXPECT_EQ(e.op, YangEdit::Op::kSet) << e.xpath;  // nothing of the old group changes
  }
  std::string r1_map, r2_map;
  for (const auto& [path, obj] : b.bgpd) {
    if (absl::StrContains(path, "route-map[name='ironlb-out-r1']")) r1_map += obj.Fingerprint();
    if (absl::StrContains(path, "route-map[name='ironlb-out-r2']")) r2_map += obj.Fingerprint();
  }
  EXPECT_THAT(r1_map, HasSubstr(absl::StrCat("/tag=", r1_only.tag())));
  EXPECT_THAT(r1_map, HasSubstr(absl::StrCat("/tag=", both.tag())));
  EXPECT_THAT(r2_map, Not(HasSubstr(absl::StrCat("/tag=", r1_only.tag()))));
  EXPECT_THAT(r2_map, HasSubstr(absl::StrCat("/tag=", both.tag())));
}

TEST(FrrObjectsTest, LinkBandwidthIsAnExtcommunityOfThePeersEntryAndItsOwnGroup) {
  DesiredState d = OnePeer();
  d.announcements[0].peers["r1"].link_bandwidth_mbps = 3;
  Announcement b{.prefix = PrefixOf(Ip("192.0.2.8"), 32)};
  MergeAttributes(b, "r1", {.link_bandwidth_mbps = 1});
  d.announcements.push_back(b);
  ASSERT_THAT(ValidateDesiredState(d), IsOk());
  // Two weights, two groups: each prefix's route-map can carry its own value.
  const std::vector<AttributeGroup> groups = GroupAnnouncements(d);
  ASSERT_EQ(groups.size(), 2u);
  const FrrObjects o = BuildObjects(d);
  std::map<uint32_t, std::string> entry_of_bw;  // bandwidth -> the peer's entry fingerprint
  for (const AttributeGroup& g : groups) {
    const std::string entry =
        absl::StrCat("/frr-route-map:lib/route-map[name='", PeerRouteMapName("r1"),
                     "']/entry[sequence='", g.slot + 1, "']");
    ASSERT_TRUE(o.bgpd.count(entry)) << entry;
    entry_of_bw[*g.peers.at("r1").link_bandwidth_mbps] = o.bgpd.at(entry).Fingerprint();
  }
  const std::string lb =
      "/set-action[action='frr-bgp-route-map:set-extcommunity-lb']/rmap-set-action/"
      "frr-bgp-route-map:extcommunity-lb/";
  EXPECT_THAT(entry_of_bw[3], HasSubstr(lb + "lb-type=explicit-bandwidth\n"));
  EXPECT_THAT(entry_of_bw[3], HasSubstr(lb + "bandwidth=3\n"));
  EXPECT_THAT(entry_of_bw[1], HasSubstr(lb + "bandwidth=1\n"));
  // Transitive (FRR's default; the leaf must be written, bgpd 8.4 asserts on it): FRR 8.4
  // neither sends a non-transitive one to eBGP peers nor weighs by it.
  EXPECT_THAT(entry_of_bw[3], HasSubstr(lb + "two-octet-as-specific=false\n"));
  // Without a bandwidth, no extended community at all.
  for (const auto& [x, obj] : BuildObjects(OnePeer()).bgpd) {
    EXPECT_THAT(obj.Fingerprint(), Not(HasSubstr("extcommunity"))) << x;
  }

  // Two advertisements of one prefix to one peer: the higher bandwidth wins.
  MergeAttributes(d.announcements[0], "r1", {.link_bandwidth_mbps = 7});
  EXPECT_EQ(d.announcements[0].peers["r1"].link_bandwidth_mbps, 7u);
  MergeAttributes(d.announcements[0], "r1", {.link_bandwidth_mbps = 2});
  EXPECT_EQ(d.announcements[0].peers["r1"].link_bandwidth_mbps, 7u);
  // Outside FRR's range: refused, naming the prefix and the peer.
  d.announcements[0].peers["r1"].link_bandwidth_mbps = kMaxLinkBandwidthMbps + 1;
  EXPECT_THAT(ValidateDesiredState(d),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "announcement of 192.0.2.7/32 to r1: link bandwidth 25601 Mbps"));
  d.announcements[0].peers["r1"].link_bandwidth_mbps = 0;
  EXPECT_THAT(ValidateDesiredState(d), StatusIs(absl::StatusCode::kInvalidArgument, "0 Mbps"));
}

TEST(AttributeGroupsTest, SlotsComeFromTheGroupAndCollisionsAreResolved) {
  // 2,000 groups cannot fit; 1,023 distinct ones all get distinct slots.
  DesiredState d = ManyVips(kGroupSlots, false);
  for (size_t i = 0; i < d.announcements.size(); ++i) {
    d.announcements[i].peers["r1"].local_pref = static_cast<uint32_t>(i);
  }
  EXPECT_THAT(ValidateAttributeGroups(d), IsOk());
  const auto groups = GroupAnnouncements(d);
  ASSERT_EQ(groups.size(), kGroupSlots);
  std::set<uint32_t> slots;
  for (const auto& g : groups) slots.insert(g.slot);
  EXPECT_EQ(slots.size(), kGroupSlots);
  Announcement extra{.prefix = PrefixOf(Ip("10.10.0.1"), 32)};
  MergeAttributes(extra, "r1", {.local_pref = 99999});
  d.announcements.push_back(extra);
  EXPECT_THAT(ValidateAttributeGroups(d),
              StatusIs(absl::StatusCode::kInvalidArgument, "combinations of peers"));
}

TEST(BgpSkeletonTest, PolicyFlushPutsTheOperatorsDelayTimerBack) {
  EXPECT_THAT(PolicyFlushCommands("frr version 8.4\n!\nrouter bgp 1\n"),
              ElementsAre("bgp route-map delay-timer 0", "no bgp route-map delay-timer"));
  EXPECT_THAT(PolicyFlushCommands("!\nbgp route-map delay-timer 30\nrouter bgp 1\n"),
              ElementsAre("bgp route-map delay-timer 0", "bgp route-map delay-timer 30"));
}

}  // namespace
}  // namespace ironlb::bgp

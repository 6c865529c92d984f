// Pure parts of bgp/: the skeleton diff, the northbound objects and their diff, FRR JSON
// parsing, and the reconciler's bookkeeping against fake clients (checked against real FRR by
// frr_reconciler_test).
#include <map>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "bgp/attribute_groups.h"
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
      " no bgp default ipv4-unicast\n neighbor 10.0.0.1 remote-as 64500\n"
      " neighbor 10.0.0.1 description ironlb:r1\n neighbor 10.0.0.1 timers 30 90\n"
      " neighbor 10.0.0.9 remote-as 65000\n !\n address-family ipv4 unicast\n"
      "  redistribute connected route-map ironlb-redistribute-connected\n"
      "  redistribute static route-map ironlb-redistribute\n  neighbor 10.0.0.1 activate\n"
      "  neighbor 10.0.0.1 route-map ironlb-out-r1 out\n exit-address-family\nexit\n!\n"
      "router bgp 64512 vrf blue\n neighbor 10.9.9.9 remote-as 1\nexit\n";
  const BgpSkeleton have = ParseRunningConfig(running);
  ASSERT_TRUE(have.asn.has_value());
  EXPECT_EQ(*have.asn, 64512u);
  // Only the changed timers; the operator's neighbor 10.0.0.9 and the VRF are not touched.
  EXPECT_THAT(SkeletonCommands(have, want),
              ElementsAre("router bgp 64512", "no neighbor 10.0.0.1 timers 30 90",
                          "neighbor 10.0.0.1 timers 3 9"));
  EXPECT_THAT(SkeletonCommands(want, want), IsEmpty());
  // From nothing: the instance, then neighbors before their attributes.
  const auto fresh = SkeletonCommands(BgpSkeleton{}, want);
  ASSERT_GE(fresh.size(), 4u);
  EXPECT_EQ(fresh[0], "router bgp 64512");
  EXPECT_EQ(fresh[1], "no bgp default ipv4-unicast");
  EXPECT_EQ(fresh[2], "neighbor 10.0.0.1 remote-as 64500");
  // Nothing wanted: ironlb's neighbor goes, the operator's stays.
  EXPECT_THAT(
      SkeletonCommands(have, DesiredSkeleton(DesiredState{})),
      ElementsAre("router bgp 64512", "no neighbor 10.0.0.1", "address-family ipv4 unicast",
                  "no redistribute connected route-map ironlb-redistribute-connected",
                  "no redistribute static route-map ironlb-redistribute", "exit-address-family"));
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

TEST(FrrObjectsTest, RoutesPolicyAndDiff) {
  DesiredState d = OnePeer();
  RouteAttributes attrs;
  attrs.local_pref = 300;
  attrs.communities.push_back({.high = 65535, .low = 65281});
  MergeAttributes(d.announcements[0], "r1", attrs);
  const FrrObjects o = BuildObjects(d);
  ASSERT_EQ(o.staticd.size(), 1u);
  const std::string route = StaticRouteXpath(PrefixOf(Ip("192.0.2.7"), 32));
  ASSERT_TRUE(o.staticd.count(route));
  const std::vector<AttributeGroup> groups = GroupAnnouncements(d);
  ASSERT_EQ(groups.size(), 1u);
  EXPECT_THAT(o.staticd.at(route).Fingerprint(), HasSubstr(absl::StrCat("/tag=", groups[0].tag())));
  EXPECT_TRUE(IsIronlbRouteTag(groups[0].tag()));
  EXPECT_THAT(o.staticd.at(route).Fingerprint(), HasSubstr("[interface='lo']"));
  std::string all;
  for (const auto& [x, obj] : o.bgpd) all += x + "\n" + obj.Fingerprint();
  EXPECT_THAT(all, HasSubstr("local-pref=300"));
  EXPECT_THAT(all, HasSubstr("community-string=65535:65281"));
  EXPECT_THAT(all, HasSubstr("ipv4-prefix=192.0.2.7/32"));

  // Known and equal: nothing. Unknown content: replaced (delete, then set). Unwanted: deleted,
  // but not below an entry deleted in the same edit.
  std::map<std::string, std::string> have = {{route, o.staticd.at(route).Fingerprint()}};
  EXPECT_THAT(DiffObjects(have, o.staticd), IsEmpty());
  have[route] = "";
  const auto replace = DiffObjects(have, o.staticd);
  ASSERT_EQ(replace.size(), 3u);
  EXPECT_EQ(replace[0].op, YangEdit::Op::kDelete);
  EXPECT_EQ(replace[1].op, YangEdit::Op::kSet);
  const auto drop = DiffObjects({{"/a[x='1']", "f"}, {"/a[x='1']/e[s='2']", "g"}}, {});
  ASSERT_EQ(drop.size(), 1u);
  EXPECT_EQ(drop[0].xpath, "/a[x='1']");
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
  std::string running;
  std::vector<std::vector<std::string>> configured;
};

TEST(FrrReconcilerFakeTest, OneCommitPerDaemonThenNothingAndAFailedDaemonIsAudited) {
  FakeNorthbound staticd, bgpd, bfdd;
  FakeVty vty;
  FrrReconciler r({&staticd, &bgpd, &bfdd, &vty});
  ASSERT_THAT(r.Apply(OnePeer()), IsOk());
  EXPECT_EQ(staticd.commits.size(), 1u);
  EXPECT_EQ(bgpd.commits.size(), 1u);
  EXPECT_EQ(bfdd.commits.size(), 0u);  // no profiles: nothing to change
  // The skeleton, then bgpd made to apply its changed policy now.
  ASSERT_EQ(vty.configured.size(), 2u);
  EXPECT_THAT(vty.configured[1],
              ElementsAre("bgp route-map delay-timer 0", "no bgp route-map delay-timer"));
  ASSERT_THAT(r.Apply(OnePeer()), IsOk());
  EXPECT_EQ(staticd.commits.size(), 1u);
  EXPECT_EQ(vty.configured.size(), 2u);

  DesiredState two = OnePeer();
  Announcement b{.prefix = PrefixOf(Ip("192.0.2.8"), 32)};
  MergeAttributes(b, "r1", {});
  two.announcements.push_back(b);
  staticd.fail = absl::UnavailableError("FRR staticd at 127.0.0.1:1: connection refused");
  auto failed = r.Apply(two);
  EXPECT_THAT(failed.status(), StatusIs(absl::StatusCode::kUnavailable, "FRR staticd"));
  EXPECT_THAT(std::string(failed.status().message()), HasSubstr("192.0.2.8/32"));
  EXPECT_EQ(bgpd.commits.size(), 2u);  // bgpd still got its change
  staticd.fail = absl::OkStatus();
  ASSERT_THAT(r.Apply(two), IsOk());
  // The retry re-read staticd (which, here, holds nothing) and sent both routes.
  ASSERT_EQ(staticd.commits.size(), 3u);
  EXPECT_EQ(staticd.commits.back().size(), 4u);
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

TEST(FrrObjectsTest, NothingPerVipButARouteAndOnePrefixListEntry) {
  const FrrObjects o = BuildObjects(ManyVips(1000, true));
  EXPECT_EQ(o.staticd.size(), 1000u);
  size_t entries = 0;
  size_t route_map_entries = 0;
  for (const auto& [x, obj] : o.bgpd) {
    entries += absl::StrContains(x, "prefix-list[") && absl::StrContains(x, "/entry[");
    route_map_entries += absl::StrContains(x, "route-map[") && absl::StrContains(x, "/entry[");
  }
  EXPECT_EQ(entries, 1000u);
  // One group: redistribute, out-r1, out-r2, and one connected entry per (non-empty) shard.
  EXPECT_EQ(route_map_entries, 3u + kConnectedShards);
}

TEST(FrrObjectsTest, AddingOneVipRewritesNothingElse) {
  const DesiredState before = ManyVips(300, true);
  const DesiredState after = ManyVips(301, true);
  const FrrObjects a = BuildObjects(before);
  const FrrObjects b = BuildObjects(after);
  const std::string vip = after.announcements.back().prefix.ToString();
  for (const auto* pair : {&a.staticd, &a.bgpd}) {
    const ObjectSet& want = pair == &a.staticd ? b.staticd : b.bgpd;
    // Exactly one new object (the VIP's route, or its prefix-list entry: the shard's list
    // exists already with 300 VIPs), and the edits only create it.
    std::vector<std::string> added;
    for (const auto& [x, o] : want) {
      if (!pair->count(x)) added.push_back(x);
    }
    ASSERT_EQ(added.size(), 1u);
    EXPECT_THAT(want.at(added[0]).Fingerprint(), HasSubstr(vip));
    const auto edits = DiffObjects(Fingerprints(*pair), want);
    ASSERT_FALSE(edits.empty());
    for (const YangEdit& e : edits) {
      EXPECT_EQ(e.op, YangEdit::Op::kSet) << e.xpath;
      EXPECT_TRUE(absl::StartsWith(e.xpath, added[0] + "/")) << e.xpath;
    }
  }
}

TEST(FrrObjectsTest, AVipMovingToAnotherGroupIsRetaggedAndItsOldPeersLoseIt) {
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

  const FrrObjects a = BuildObjects(ManyVips(50, true));
  const FrrObjects b = BuildObjects(moved);
  const auto route_edits = DiffObjects(Fingerprints(a.staticd), b.staticd);
  ASSERT_EQ(route_edits.size(), 3u);  // x's route replaced, with the new tag
  EXPECT_EQ(route_edits[0].xpath, StaticRouteXpath(x.prefix));
  EXPECT_EQ(route_edits[1].value, absl::StrCat(r1_only.tag()));
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

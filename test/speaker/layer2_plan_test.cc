// Layer-2 ownership from configuration, allocations and membership: exactly one owner per VIP
// on a segment, node selectors and interface lists respected, shared IPs kept together.
#include "speaker/layer2/layer2_plan.h"

#include <set>

#include "absl/strings/str_cat.h"
#include "config/loader.h"
#include "controller/manifest_reader.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ironlb::speaker {
namespace {

using ::testing::ElementsAre;
using ::testing::SizeIs;

const char kConfig[] = R"(apiVersion: ironlb.io/v1alpha1
kind: AddressPool
metadata: {name: lan}
spec: {addresses: [192.168.1.240-192.168.1.250]}
---
apiVersion: ironlb.io/v1alpha1
kind: AddressPool
metadata: {name: routed}
spec: {addresses: [10.100.0.0/24]}
---
apiVersion: ironlb.io/v1alpha1
kind: L2Advertisement
metadata: {name: lan}
spec:
  ipAddressPools: [lan]
  interfaces: [eth0, enp*]
  nodeSelectors: [{matchExpressions: [{key: role, operator: NotIn, values: [storage]}]}]
)";

std::string Service(const std::string& name, const std::string& extra) {
  return absl::StrCat("apiVersion: v1\nkind: Service\nmetadata:\n  name: ", name,
                      "\n  namespace: web\n", extra,
                      "spec: {type: LoadBalancer, ports: [{protocol: TCP, port: 80}]}\n---\n");
}

class Layer2PlanTest : public ::testing::Test {
 protected:
  void SetUp() override {
    config::ConfigReader reader;
    reader.AddYaml(kConfig, "config.yaml");
    config_ = std::move(reader).Finish();
    ASSERT_TRUE(config_.ok());
    controller::ManifestReader services;
    std::string text;
    for (int i = 0; i < 8; ++i) text += Service(absl::StrCat("svc", i), "");
    text += Service("dns-tcp", "  annotations: {ironlb.io/sharing-key: dns}\n");
    text +=
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: dns-udp\n  namespace: web\n"
        "  annotations: {ironlb.io/sharing-key: dns}\n"
        "spec: {type: LoadBalancer, ports: [{protocol: UDP, port: 53}]}\n---\n";
    text += Service("routed", "  annotations: {ironlb.io/pool: routed}\n");
    services.AddText(text, "services.yaml");
    auto manifests = std::move(services).Finish();
    ASSERT_TRUE(manifests.ok());
    controller::PlanOutput plan =
        controller::Plan(config_.config, manifests.namespaces, manifests.services);
    vips_ = Layer2Vips(config_.config, Assign(manifests.services, std::move(plan)));
  }
  SegmentView View(std::map<std::string, SegmentView::Member> alive) {
    return SegmentView{"eth0", std::move(alive)};
  }
  config::LoadResult config_;
  std::vector<Layer2Vip> vips_;
};

TEST_F(Layer2PlanTest, OnlyLayer2PoolsAndSharedIpsOnce) {
  // 8 plain Services + one shared IP for dns-tcp/dns-udp; the routed pool has no L2 advert.
  ASSERT_THAT(vips_, SizeIs(9));
  bool shared_seen = false;
  for (const Layer2Vip& v : vips_) {
    EXPECT_EQ(v.pool, "lan");
    if (v.services.size() == 2) {
      EXPECT_THAT(v.services, ElementsAre("web/dns-tcp", "web/dns-udp"));
      shared_seen = true;
    }
  }
  EXPECT_TRUE(shared_seen);
}

TEST_F(Layer2PlanTest, EveryVipHasExactlyOneOwnerAndSelectorsAreRespected) {
  const SegmentView view = View({{"node-a", {"eth0", {}}},
                                 {"node-b", {"enp3s0", {}}},
                                 {"node-c", {"eth0", {}}},
                                 {"nas", {"eth0", {{"role", "storage"}}}},
                                 {"laptop", {"wlan0", {}}}});
  std::map<IpAddress, std::vector<std::string>> owners;
  for (const std::string self : {"node-a", "node-b", "node-c", "nas", "laptop"}) {
    for (const arp::VipClaim& c :
         ClaimsFor(self, vips_, {view}, arp::DefaultExcludedInterfaces())) {
      owners[c.vip].push_back(self);
      EXPECT_THAT(c.interfaces, ElementsAre("eth0"));
    }
  }
  ASSERT_THAT(owners, SizeIs(vips_.size()));
  std::set<std::string> used;
  for (const auto& [vip, who] : owners) {
    ASSERT_THAT(who, SizeIs(1)) << vip.ToString();
    EXPECT_NE(who[0], "nas");     // excluded by the node selector
    EXPECT_NE(who[0], "laptop");  // its interface is not in the advertisement's list
    used.insert(who[0]);
  }
  EXPECT_GE(used.size(), 2u);  // spread, not all on one node
  // The owner map every speaker computes (for takeover reports and status) agrees.
  const auto map = OwnersOn(vips_, view, arp::DefaultExcludedInterfaces());
  ASSERT_THAT(map, SizeIs(owners.size()));
  for (const auto& [vip, who] : owners) EXPECT_EQ(map.at(vip), who[0]) << vip.ToString();
}

TEST_F(Layer2PlanTest, AnOwnerLeavingMovesOnlyItsVips) {
  const SegmentView all =
      View({{"node-a", {"eth0", {}}}, {"node-b", {"eth0", {}}}, {"node-c", {"eth0", {}}}});
  const SegmentView without_b = View({{"node-a", {"eth0", {}}}, {"node-c", {"eth0", {}}}});
  const auto excluded = arp::DefaultExcludedInterfaces();
  auto owned = [&](const std::string& self, const SegmentView& v) {
    std::set<IpAddress> out;
    for (const auto& c : ClaimsFor(self, vips_, {v}, excluded)) out.insert(c.vip);
    return out;
  };
  const auto a_before = owned("node-a", all), a_after = owned("node-a", without_b);
  const auto c_before = owned("node-c", all), c_after = owned("node-c", without_b);
  for (const IpAddress& ip : a_before) EXPECT_TRUE(a_after.count(ip)) << ip.ToString();
  for (const IpAddress& ip : c_before) EXPECT_TRUE(c_after.count(ip)) << ip.ToString();
  EXPECT_EQ(a_after.size() + c_after.size(), vips_.size());
  // A node that is not alive on the segment (itself absent) claims nothing.
  EXPECT_TRUE(ClaimsFor("node-b", vips_, {without_b}, excluded).empty());
}

// Sticky ownership: the owner of every VIP when every node is up, then its owner dies and
// comes back. By default nothing moves back; with rebalancing the hash winner takes it back.
TEST_F(Layer2PlanTest, AReturningNodeTakesNothingBackUnlessRebalancing) {
  const auto excluded = arp::DefaultExcludedInterfaces();
  const Layer2Vip& vip = vips_[0];
  const SegmentView all =
      View({{"node-a", {"eth0", {}}}, {"node-b", {"eth0", {}}}, {"node-c", {"eth0", {}}}});
  const std::string winner = *OwnerOn(vip, all, excluded);
  // The winner died; the heir (hash winner among the others) claims the VIP.
  SegmentView without = all;
  without.alive.erase(winner);
  const std::string heir = *OwnerOn(vip, without, excluded);
  ASSERT_NE(heir, winner);
  // The winner is back and ready (it joined the segment a minute after the heir did); the
  // heir's adverts claim the VIP.
  SegmentView back = all;
  back.alive[heir].claims = {vip.vip};
  back.alive[heir].incarnation = 1'000'000'000'000;
  back.alive[winner].incarnation = back.alive[heir].incarnation + 60'000'000'000;
  EXPECT_EQ(OwnerOn(vip, back, excluded), heir) << "sticky: no second move";
  // A winner that joined within `settle` of the claimant (a cluster starting: whoever was
  // ready first claimed everything) gets its VIPs by the hash.
  SegmentView starting = back;
  starting.alive[winner].incarnation = back.alive[heir].incarnation + 2'000'000'000;
  EXPECT_EQ(OwnerOn(vip, starting, excluded), winner);
  back.sticky = false;
  EXPECT_EQ(OwnerOn(vip, back, excluded), winner) << "rebalance: the hash winner takes it back";
  // Without any claim (a VIP nobody answers for yet) the hash decides in both modes.
  EXPECT_EQ(OwnerOn(vip, all, excluded), winner);
  // A claimant that is no longer eligible (its labels now excluded) does not keep it.
  SegmentView excluded_heir = back;
  excluded_heir.sticky = true;
  excluded_heir.alive[heir].labels = {{"role", "storage"}};
  EXPECT_EQ(OwnerOn(vip, excluded_heir, excluded), winner);
}

TEST_F(Layer2PlanTest, ARestartedSpeakerKeepsWhatItClaimsBeforeItIsReady) {
  const auto excluded = arp::DefaultExcludedInterfaces();
  const Layer2Vip& vip = vips_[0];
  SegmentView all =
      View({{"node-a", {"eth0", {}}}, {"node-b", {"eth0", {}}}, {"node-c", {"eth0", {}}}});
  const std::string winner = *OwnerOn(vip, all, excluded);
  // Its new process adverts, not ready yet, claiming what the old one answered for.
  all.alive[winner].ready = false;
  all.alive[winner].claims = {vip.vip};
  for (bool sticky : {true, false}) {
    all.sticky = sticky;
    EXPECT_EQ(OwnerOn(vip, all, excluded), winner) << sticky;
    for (const std::string self : {"node-a", "node-b", "node-c"}) {
      const auto claims = ClaimsFor(self, {vip}, {all}, excluded);
      EXPECT_EQ(claims.size(), self == winner ? 1u : 0u) << self;
    }
  }
  // Not ready and claiming nothing: it owns nothing and the others share its VIPs.
  all.alive[winner].claims.clear();
  EXPECT_NE(OwnerOn(vip, all, excluded), winner);
}

TEST_F(Layer2PlanTest, TwoClaimantsAfterAPartitionAgreeOnOne) {
  const auto excluded = arp::DefaultExcludedInterfaces();
  for (const Layer2Vip& vip : vips_) {
    SegmentView healed =
        View({{"node-a", {"eth0", {}}}, {"node-b", {"eth0", {}}}, {"node-c", {"eth0", {}}}});
    healed.alive["node-a"].claims = {vip.vip};
    healed.alive["node-b"].claims = {vip.vip};
    int owners = 0;
    for (const std::string self : {"node-a", "node-b", "node-c"}) {
      owners += static_cast<int>(ClaimsFor(self, {vip}, {healed}, excluded).size());
    }
    EXPECT_EQ(owners, 1) << vip.vip.ToString();
  }
}

}  // namespace
}  // namespace ironlb::speaker

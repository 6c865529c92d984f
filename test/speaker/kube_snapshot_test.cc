// Kubernetes mode's pure parts: Node and EndpointSlice facts, Services with their addresses
// from status, and layer-2/BGP eligibility from those facts.
#include "speaker/kube/kube_snapshot.h"

#include <cstdlib>
#include <fstream>
#include <memory>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "speaker/bgp/bgp_plan.h"
#include "speaker/cluster_facts.h"
#include "speaker/layer2/layer2_plan.h"
#include "test/speaker/kube_objects.h"

namespace ironlb::speaker {
namespace {

using nlohmann::json;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::SizeIs;
using namespace ::ironlb::speaker::testing;  // NOLINT

json Testdata(const std::string& name) {
  const char* src = std::getenv("IRONLB_SOURCE_DIR");
  std::ifstream in(absl::StrCat(src != nullptr ? src : ".", "/test/kube/testdata/", name));
  return json::parse(in);
}

std::shared_ptr<const json> Ptr(json j) { return std::make_shared<const json>(std::move(j)); }

TEST(ClusterFactsTest, RecordedNodeWithTheExcludeLabelIsExcluded) {
  NodeFacts n = ReadNode(Testdata("node.json"));
  EXPECT_EQ(n.name, "node-a");
  EXPECT_EQ(n.labels.at("topology.kubernetes.io/zone"), "rack1");
  EXPECT_THAT(n.excluded_because, ::testing::HasSubstr("exclude-from-external-load-balancers"));
}

TEST(ClusterFactsTest, NetworkUnavailableExcludesAndFalseDoesNot) {
  EXPECT_EQ(ReadNode(NodeObject("n1")).excluded_because, "");
  EXPECT_EQ(ReadNode(NodeObject("n1", false, true)).excluded_because,
            "condition NetworkUnavailable=True");
  EXPECT_EQ(ReadNode(json::object()).name, "");  // garbage in: no crash, no node
  EXPECT_EQ(ReadNode(json::array()).name, "");
}

TEST(ClusterFactsTest, ANodeWhoseObjectIsDeletedIsOutOfDutyWhileOthersAreListed) {
  ClusterFacts facts;
  // Nothing listed (standalone facts, or no Node visible): nobody is excluded for it.
  EXPECT_EQ(facts.ExcludedBecause("n1"), "");
  facts.node_labels["n2"] = {};
  EXPECT_EQ(facts.ExcludedBecause("n1"), "no Node object: deleted from the cluster");
  EXPECT_TRUE(facts.Excluded("n1"));
  EXPECT_FALSE(facts.Excluded("n2"));
  facts.excluded_nodes.insert("n2");
  EXPECT_EQ(facts.ExcludedBecause("n2"), "condition NetworkUnavailable=True");
  // BGP: the deleted node's speaker announces nothing and says why.
  BgpNode node{.name = "n1"};
  ApplyClusterFacts(facts, &node);
  EXPECT_TRUE(node.excluded);
  EXPECT_EQ(node.excluded_because, "no Node object: deleted from the cluster");
}

TEST(ClusterFactsTest, ReadyEndpointsCountAndTerminatingOnesOnlyWhenNothingIsReady) {
  const json recorded = Testdata("endpointslice.json");  // node-a ready, node-b terminating
  EXPECT_THAT(NodesWithEndpoints({&recorded}), ElementsAre("node-a"));
  const json terminating = EndpointSliceObject("ns", "web", "web-1", {{"n2", false, true}});
  const json not_ready = EndpointSliceObject("ns", "web", "web-2", {{"n3", false, false}});
  EXPECT_THAT(NodesWithEndpoints({&terminating, &not_ready}), ElementsAre("n2"));
  // A missing `ready` means ready; an endpoint without nodeName is skipped.
  const json bare = {
      {"endpoints",
       {{{"addresses", {"10.0.0.1"}}, {"nodeName", "n4"}}, {{"addresses", {"10.0.0.2"}}}}}};
  EXPECT_THAT(NodesWithEndpoints({&bare}), ElementsAre("n4"));
}

class KubeSnapshotTest : public ::testing::Test {
 protected:
  void SetUp() override {
    objects_.config = {Ptr(PoolObject("ironlb-system", "lan", "10.90.0.100-10.90.0.120")),
                       Ptr(L2AdvertisementObject("ironlb-system", "lan", "lan"))};
    config_ = ReadKubeConfig(objects_);
    ASSERT_TRUE(config_.ok()) << config_.diagnostics.size();
  }
  KubeObjects objects_;
  config::LoadResult config_;
};

TEST_F(KubeSnapshotTest, AddressesComeFromStatusNotFromAnAllocation) {
  objects_.services = {Ptr(ServiceObject("shop", "web", "10.90.0.105")),
                       Ptr(ServiceObject("shop", "annotated", "10.90.0.106", "Cluster", "lan")),
                       Ptr(ServiceObject("shop", "new", "")),
                       Ptr(ServiceObject("shop", "stray", "192.0.2.1"))};
  json other_class = ServiceObject("shop", "other", "10.90.0.107");
  other_class["spec"]["loadBalancerClass"] = "example.com/other";
  json cluster_ip = ServiceObject("shop", "internal", "");
  cluster_ip["spec"]["type"] = "ClusterIP";
  objects_.services.push_back(Ptr(other_class));
  objects_.services.push_back(Ptr(cluster_ip));
  KubeSnapshot s = AssembleSnapshot(objects_, config_.config, std::nullopt);
  ASSERT_THAT(s.services, SizeIs(4));
  const auto& web = s.services[0].allocation;
  EXPECT_EQ(s.services[0].name, "shop/web");
  EXPECT_EQ(web.status, controller::AllocationStatus::kAssigned);
  EXPECT_EQ(web.pool, "lan");
  EXPECT_THAT(web.addresses, ElementsAre(*IpAddress::Parse("10.90.0.105")));
  EXPECT_EQ(s.services[1].allocation.pool, "lan");
  EXPECT_EQ(s.services[2].allocation.status, controller::AllocationStatus::kPending);
  EXPECT_EQ(s.services[3].allocation.status, controller::AllocationStatus::kPending);
  EXPECT_THAT(s.problems, ElementsAre(::testing::HasSubstr("shop/stray")));
  // With its class, the other Service is the one served.
  KubeSnapshot c = AssembleSnapshot(objects_, config_.config, "example.com/other");
  ASSERT_THAT(c.services, SizeIs(1));
  EXPECT_EQ(c.services[0].service.name, "other");
  // A broken Service is left out with a message; the others still count.
  json broken = ServiceObject("shop", "broken", "10.90.0.108");
  broken["spec"]["ports"][0]["port"] = "eighty";
  objects_.services.push_back(Ptr(broken));
  KubeSnapshot b = AssembleSnapshot(objects_, config_.config, std::nullopt);
  EXPECT_THAT(b.services, SizeIs(4));
  EXPECT_THAT(b.problems, SizeIs(2));
}

TEST_F(KubeSnapshotTest, LocalServicesGetTheNodesWithReadyEndpoints) {
  objects_.services = {Ptr(ServiceObject("shop", "local", "10.90.0.101", "Local")),
                       Ptr(ServiceObject("shop", "empty", "10.90.0.102", "Local")),
                       Ptr(ServiceObject("shop", "cluster", "10.90.0.103"))};
  objects_.endpoint_slices = {
      Ptr(EndpointSliceObject("shop", "local", "local-a", {{"s0"}, {"s1", false}})),
      Ptr(EndpointSliceObject("shop", "local", "local-b", {{"s2"}})),
      Ptr(EndpointSliceObject("other", "local", "x", {{"s1"}})),  // another namespace
      Ptr(EndpointSliceObject("shop", "cluster", "c", {{"s1"}}))};
  objects_.nodes = {Ptr(NodeObject("s0")), Ptr(NodeObject("s1", true)),
                    Ptr(NodeObject("s2", false, true))};
  KubeSnapshot s = AssembleSnapshot(objects_, config_.config, std::nullopt);
  ASSERT_TRUE(s.facts);
  EXPECT_THAT(s.facts->local_endpoint_nodes.at("shop/local"), ElementsAre("s0", "s2"));
  EXPECT_THAT(s.facts->local_endpoint_nodes.at("shop/empty"), IsEmpty());
  EXPECT_EQ(s.facts->local_endpoint_nodes.count("shop/cluster"), 0u);
  EXPECT_THAT(s.facts->excluded_nodes, ElementsAre("s1", "s2"));

  // Layer 2: the Local VIP may only go to s0 (s2 has an endpoint but is excluded); the
  // Service without endpoints is announced by nobody; the Cluster one by s0 or s3 (s3 is
  // unknown to the API: its advert's facts count).
  const auto vips = Layer2Vips(config_.config, s.services, s.facts);
  ASSERT_THAT(vips, SizeIs(3));
  SegmentView view{
      "eth0",
      {{"s0", {"eth0", {}}}, {"s1", {"eth0", {}}}, {"s2", {"eth0", {}}}, {"s3", {"eth0", {}}}}};
  const auto owners = OwnersOn(vips, view, {});
  EXPECT_EQ(owners.at(*IpAddress::Parse("10.90.0.101")), "s0");
  EXPECT_EQ(owners.count(*IpAddress::Parse("10.90.0.102")), 0u);
  const std::string cluster_owner = owners.at(*IpAddress::Parse("10.90.0.103"));
  EXPECT_TRUE(cluster_owner == "s0" || cluster_owner == "s3") << cluster_owner;
  // Every speaker agrees: exactly one claims each owned VIP.
  int claims = 0;
  for (const char* self : {"s0", "s1", "s2", "s3"}) {
    claims += static_cast<int>(ClaimsFor(self, vips, {view}, {}).size());
  }
  EXPECT_EQ(claims, 2);

  // BGP: s0 announces the Local Service; excluded nodes announce nothing.
  BgpNode s0{.name = "s0"};
  ApplyClusterFacts(*s.facts, &s0);
  EXPECT_THAT(s0.local_endpoints, ElementsAre("shop/local"));
  EXPECT_FALSE(s0.excluded);
  BgpNode s2{.name = "s2"};
  ApplyClusterFacts(*s.facts, &s2);
  EXPECT_TRUE(s2.excluded);
  BgpNode s1{.name = "s1"};
  ApplyClusterFacts(*s.facts, &s1);
  EXPECT_EQ(s1.labels.count(kExcludeLabel), 1u);
}

TEST_F(KubeSnapshotTest, ApiLabelsDecideNodeSelectors) {
  json adv = L2AdvertisementObject("ironlb-system", "lan", "lan");
  adv["spec"]["nodeSelectors"] = {{{"matchLabels", {{"ironlb.io/l2", "yes"}}}}};
  objects_.config = {objects_.config[0], Ptr(adv)};
  config::LoadResult config = ReadKubeConfig(objects_);
  ASSERT_TRUE(config.ok());
  objects_.services = {Ptr(ServiceObject("shop", "web", "10.90.0.101"))};
  json labelled = NodeObject("s1");
  labelled["metadata"]["labels"]["ironlb.io/l2"] = "yes";
  objects_.nodes = {Ptr(NodeObject("s0")), Ptr(labelled)};
  KubeSnapshot s = AssembleSnapshot(objects_, config.config, std::nullopt);
  const auto vips = Layer2Vips(config.config, s.services, s.facts);
  // s0's advert claims the label, but the API says s0 lacks it.
  SegmentView view{"eth0", {{"s0", {"eth0", {{"ironlb.io/l2", "yes"}}}}, {"s1", {"eth0", {}}}}};
  EXPECT_EQ(OwnersOn(vips, view, {}).at(*IpAddress::Parse("10.90.0.101")), "s1");
}

TEST(KubeConfigTest, BadObjectIsAnErrorNamingTheField) {
  KubeObjects objects;
  objects.config = {Ptr(PoolObject("ironlb-system", "lan", "10.90.0.300-10.90.0.310"))};
  config::LoadResult r = ReadKubeConfig(objects);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.diagnostics[0].ToString(), ::testing::HasSubstr("addresses"));
}

}  // namespace
}  // namespace ironlb::speaker

// PlanBgp: what of a BGPPeer reaches the desired state of a node's FRR.
#include "speaker/bgp/bgp_plan.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ironlb::speaker {
namespace {

config::BGPPeer Peer(const std::string& name, const std::string& address, const std::string& vrf) {
  config::BGPPeer p;
  p.meta.name = name;
  p.my_asn = 64512;
  p.peer_asn = 64500;
  p.peer_address = *IpAddress::Parse(address);
  p.vrf = vrf;
  return p;
}

TEST(PlanBgpTest, APeerInAVrfIsASessionOfThatVrf) {
  config::Config c;
  c.bgp_peers = {Peer("plain", "10.0.0.1", ""), Peer("red", "10.0.0.1", "red")};
  const bgp::DesiredState d = PlanBgp(c, {}, BgpNode{.name = "n1"});
  ASSERT_EQ(d.peers.size(), 2u);
  EXPECT_EQ(d.peers[0].name, "plain");
  EXPECT_EQ(d.peers[0].vrf, "");
  EXPECT_EQ(d.peers[1].name, "red");
  EXPECT_EQ(d.peers[1].vrf, "red");
  // One address in two VRFs is two sessions: valid.
  EXPECT_TRUE(bgp::ValidateDesiredState(d).ok());
}

TEST(PlanBgpTest, EveryBGPPeerFieldReachesTheSession) {
  config::Config c;
  config::BGPPeer p = Peer("dyn", "10.0.0.1", "");
  p.peer_asn = 0;
  p.dynamic_asn = config::DynamicAsn::kExternal;
  p.connect_time_s = 5;
  p.router_id = *IpAddress::Parse("10.255.0.1");
  p.enable_graceful_restart = true;
  p.dual_stack_address_family = true;
  config::BGPPeer u = Peer("fabric", "0.0.0.0", "");
  u.peer_address = IpAddress();
  u.interface = "eth1";
  u.peer_asn = 0;
  u.dynamic_asn = config::DynamicAsn::kInternal;
  c.bgp_peers = {p, u};
  const bgp::DesiredState d = PlanBgp(c, {}, BgpNode{.name = "n1"});
  ASSERT_EQ(d.peers.size(), 2u);
  const bgp::PeerSession& dyn = d.peers[0];
  EXPECT_EQ(dyn.peer_as_kind, bgp::PeerAsKind::kExternal);
  EXPECT_EQ(dyn.connect_time_s, 5u);
  EXPECT_EQ(dyn.router_id, *IpAddress::Parse("10.255.0.1"));
  EXPECT_TRUE(dyn.graceful_restart);
  EXPECT_TRUE(dyn.dual_stack);
  const bgp::PeerSession& fabric = d.peers[1];
  EXPECT_EQ(fabric.interface, "eth1");
  EXPECT_EQ(fabric.NeighborKey(), "eth1");
  EXPECT_EQ(fabric.peer_as_kind, bgp::PeerAsKind::kInternal);
  EXPECT_TRUE(bgp::ValidateDesiredState(d).ok()) << bgp::ValidateDesiredState(d);
}

controller::Service Svc(const std::string& name, controller::TrafficPolicy policy) {
  controller::Service s;
  s.namespace_ = "shop";
  s.name = name;
  s.traffic_policy = policy;
  return s;
}

controller::PlannedService Assigned(const std::string& key, const std::string& ip) {
  controller::PlannedService p;
  p.service = key;
  p.allocation.status = controller::AllocationStatus::kAssigned;
  p.allocation.pool = "vips";
  p.allocation.addresses = {*IpAddress::Parse(ip)};
  return p;
}

std::optional<uint32_t> BandwidthOf(const bgp::DesiredState& d, const std::string& prefix) {
  for (const bgp::Announcement& a : d.announcements) {
    if (a.prefix.ToString() == prefix) return a.peers.at("up").link_bandwidth_mbps;
  }
  ADD_FAILURE() << prefix << " not announced";
  return std::nullopt;
}

TEST(PlanBgpTest, WeightByEndpointsGivesLocalServicesTheirEndpointsAndClusterOnesOne) {
  config::Config c;
  c.bgp_peers = {Peer("up", "10.0.0.1", "")};
  config::AddressPool pool;
  pool.meta.name = "vips";
  c.pools = {pool};
  config::BGPAdvertisement adv;
  adv.meta.name = "weighted";
  adv.ip_address_pools = {"vips"};
  adv.weight_by_endpoints = true;
  c.bgp_advertisements = {adv};
  const std::vector<controller::Service> services = {
      Svc("local", controller::TrafficPolicy::kLocal),
      Svc("cluster", controller::TrafficPolicy::kCluster),
      Svc("huge", controller::TrafficPolicy::kLocal)};
  controller::PlanOutput plan;
  plan.services = {Assigned("shop/local", "10.1.0.1"), Assigned("shop/cluster", "10.1.0.2"),
                   Assigned("shop/huge", "10.1.0.3")};
  BgpNode node{.name = "n1", .local_endpoints = {{"shop/local", 3}, {"shop/huge", 100000}}};
  const AssignedServices assigned = Assign(services, plan);
  bgp::DesiredState d = PlanBgp(c, assigned, node);
  EXPECT_EQ(BandwidthOf(d, "10.1.0.1/32"), 3u);
  EXPECT_EQ(BandwidthOf(d, "10.1.0.2/32"), 1u);  // Cluster: equal on every node
  EXPECT_EQ(BandwidthOf(d, "10.1.0.3/32"), bgp::kMaxLinkBandwidthMbps);  // FRR's maximum
  EXPECT_TRUE(bgp::ValidateDesiredState(d).ok()) << bgp::ValidateDesiredState(d);
  // The endpoints change: so does the weight.
  node.local_endpoints["shop/local"] = 1;
  EXPECT_EQ(BandwidthOf(PlanBgp(c, assigned, node), "10.1.0.1/32"), 1u);
  // Switched off (the default, and always for MetalLB's objects): no link bandwidth.
  c.bgp_advertisements[0].weight_by_endpoints = false;
  d = PlanBgp(c, assigned, node);
  EXPECT_EQ(BandwidthOf(d, "10.1.0.1/32"), std::nullopt);
  EXPECT_EQ(BandwidthOf(d, "10.1.0.2/32"), std::nullopt);
}

TEST(ParseLocalServicesTest, CountsDefaultToOneAndMistakesAreNamed) {
  auto parsed = ParseLocalServices("shop/web=3, shop/api ,shop/gone=0,");
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_THAT(*parsed, ::testing::ElementsAre(::testing::Pair("shop/api", 1u),
                                              ::testing::Pair("shop/web", 3u)));
  EXPECT_TRUE(ParseLocalServices("")->empty());
  EXPECT_THAT(ParseLocalServices("shop/web=three").status().message(),
              ::testing::HasSubstr("--local-services: \"shop/web=three\": the count after '='"));
  EXPECT_THAT(ParseLocalServices("web").status().message(),
              ::testing::HasSubstr("\"web\" is not namespace/name[=ready endpoints]"));
  EXPECT_FALSE(ParseLocalServices("shop/web=-1").ok());
}

}  // namespace
}  // namespace ironlb::speaker

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

}  // namespace
}  // namespace ironlb::speaker

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
  const bgp::DesiredState d = PlanBgp(c, {}, {}, BgpNode{.name = "n1"});
  ASSERT_EQ(d.peers.size(), 2u);
  EXPECT_EQ(d.peers[0].name, "plain");
  EXPECT_EQ(d.peers[0].vrf, "");
  EXPECT_EQ(d.peers[1].name, "red");
  EXPECT_EQ(d.peers[1].vrf, "red");
  // One address in two VRFs is two sessions: valid.
  EXPECT_TRUE(bgp::ValidateDesiredState(d).ok());
}

}  // namespace
}  // namespace ironlb::speaker

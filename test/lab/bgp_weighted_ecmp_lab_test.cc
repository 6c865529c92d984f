// Weighted ECMP against a real FRR router (see weighted_ecmp_lab.h): a Local Service with 3
// ready endpoints on s0 and 1 on s1 gets kernel next-hop weights 3:1 on the router and new
// connections split 3:1; the weights follow the endpoints; switching weightByEndpoints off
// brings equal ECMP back. The same for an IPv6 VIP over IPv6 sessions.
#include "absl/strings/str_cat.h"
#include "bgp/pool_filter.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "test/lab/weighted_ecmp_lab.h"
#include "test/support/status_matchers.h"

namespace ironlb::lab {
namespace {

using ::ironlb::testing::IsOk;
using ::testing::HasSubstr;

// The router's BGP paths to the VIP, by the speaker they came from: their extended communities.
std::map<std::string, std::string> ExtendedCommunities(const WeightedEcmpLab& l) {
  std::map<std::string, std::string> out;
  auto text = l.router_frr().Vtysh(
      {absl::StrCat("show bgp ipv4 unicast ", WeightedEcmpLab::kVip, "/32 json")});
  if (!text.ok()) return out;
  const nlohmann::json j = nlohmann::json::parse(*text, nullptr, false);
  if (j.is_discarded() || !j.contains("paths")) return out;
  for (const nlohmann::json& p : j["paths"]) {
    const std::string from = p.contains("peer") ? p["peer"].value("peerId", "") : "";
    const std::string ext =
        p.contains("extendedCommunity") ? p["extendedCommunity"].value("string", "") : "";
    for (const Host& s : l.lab().speakers()) {
      if (s.ipv4 == from) out[s.name] = ext;
    }
  }
  return out;
}

TEST(BgpWeightedEcmpLabTest, EndpointsWeighTheRoutersNextHopsAndTheConnections) {
  auto started = WeightedEcmpLab::Start(IRONLB_SPEAKER_BINARY);
  ASSERT_THAT(started, IsOk());
  WeightedEcmpLab& l = **started;
  l.SetEndpoints({{"s0", 3}, {"s1", 1}});

  // The kernel's multipath route on the router carries the weights (FRR maps each path's
  // link bandwidth to its share of 100).
  auto up = l.WaitForWeights({{"s0", 75}, {"s1", 25}}, absl::Seconds(60));
  ASSERT_THAT(up, IsOk()) << l.Diagnostics();
  const auto ext = ExtendedCommunities(l);
  ASSERT_EQ(ext.size(), 2u);
  EXPECT_THAT(ext.at("s0"), HasSubstr("LB:64512:375000 (3.000 Mbps)"));
  EXPECT_THAT(ext.at("s1"), HasSubstr("LB:64512:125000 (1.000 Mbps)"));

  // 1,000 new connections from outside split 3:1: s0's share within +-10% of its 75% (that is
  // 5.5 standard deviations of 1,000 hashed connections: the kernel hashes each connection's
  // ports, so the split is random around the weights).
  const std::map<std::string, int> split = l.Connections(1000);
  EXPECT_EQ(split.count(""), 0u) << "failed connections: " << split.at("");
  const int s0 = split.count("s0") ? split.at("s0") : 0;
  const int s1 = split.count("s1") ? split.at("s1") : 0;
  std::printf("1000 connections, endpoints 3:1: s0 %d, s1 %d\n", s0, s1);
  EXPECT_EQ(s0 + s1, 1000);
  EXPECT_GE(s0, 675);
  EXPECT_LE(s0, 825);

  // The endpoints move (1:3): the weights follow.
  l.SetEndpoints({{"s0", 1}, {"s1", 3}});
  auto followed = l.WaitForWeights({{"s0", 25}, {"s1", 75}}, absl::Seconds(60));
  EXPECT_THAT(followed, IsOk());
  if (followed.ok()) {
    std::printf("endpoints 3:1 -> 1:3, kernel weights followed in %s\n",
                absl::FormatDuration(*followed).c_str());
  }

  // The router role's check reads this FRR's configuration: FRR's defaults weigh; `bgp
  // bestpath bandwidth ignore` is named as what stops it (and does: equal weights).
  auto running = l.router_frr().Vtysh({"show running-config"});
  ASSERT_THAT(running, IsOk());
  EXPECT_EQ(bgp::WeightedEcmpBlocker(*running), "");
  ASSERT_THAT(l.router_frr().Vtysh({"configure terminal",
                                    absl::StrCat("router bgp ", WeightedEcmpLab::kRouterAsn),
                                    "bgp bestpath bandwidth ignore"}),
              IsOk());
  running = l.router_frr().Vtysh({"show running-config"});
  ASSERT_THAT(running, IsOk());
  EXPECT_THAT(bgp::WeightedEcmpBlocker(*running), HasSubstr("bgp bestpath bandwidth ignore"));
  EXPECT_THAT(l.WaitForWeights({{"s0", 1}, {"s1", 1}}, absl::Seconds(60)), IsOk());
  ASSERT_THAT(l.router_frr().Vtysh({"configure terminal",
                                    absl::StrCat("router bgp ", WeightedEcmpLab::kRouterAsn),
                                    "no bgp bestpath bandwidth"}),
              IsOk());
  EXPECT_THAT(l.WaitForWeights({{"s0", 25}, {"s1", 75}}, absl::Seconds(60)), IsOk());

  // weightByEndpoints off: no link bandwidth, equal ECMP again.
  l.SetWeighted(false);
  EXPECT_THAT(l.WaitForWeights({{"s0", 1}, {"s1", 1}}, absl::Seconds(60)), IsOk());
  for (const auto& [node, e] : ExtendedCommunities(l)) {
    EXPECT_THAT(e, ::testing::Not(HasSubstr("LB:"))) << node;
  }
}

// The same over IPv6: an IPv6 VIP announced over IPv6 sessions; the router's kernel route (its
// next hops the speakers' link-local addresses) carries the weights, connections split by them,
// and the weights follow the endpoints.
TEST(BgpWeightedEcmpLabTest, AnIpv6VipIsWeightedByEndpointsToo) {
  auto started = WeightedEcmpLab::Start(IRONLB_SPEAKER_BINARY, {.ipv6 = true});
  ASSERT_THAT(started, IsOk());
  WeightedEcmpLab& l = **started;
  l.SetEndpoints({{"s0", 3}, {"s1", 1}});
  ASSERT_THAT(l.WaitForWeights({{"s0", 75}, {"s1", 25}}, absl::Seconds(60)), IsOk())
      << l.Diagnostics();
  auto route = l.lab().Run(*l.lab().router(), {"ip", "-6", "route", "show", l.vip()});
  ASSERT_THAT(route, IsOk());
  std::printf("the router's route to %s:\n%s", l.vip().c_str(), route->output.c_str());
  auto bgp = l.router_frr().Vtysh({absl::StrCat("show bgp ipv6 unicast ", l.vip(), "/128")});
  ASSERT_THAT(bgp, IsOk());
  EXPECT_THAT(*bgp, HasSubstr("LB:64512:375000 (3.000 Mbps)"));
  EXPECT_THAT(*bgp, HasSubstr("LB:64512:125000 (1.000 Mbps)"));

  const std::map<std::string, int> split = l.Connections(1000);
  EXPECT_EQ(split.count(""), 0u) << "failed connections: " << split.at("");
  const int s0 = split.count("s0") ? split.at("s0") : 0;
  const int s1 = split.count("s1") ? split.at("s1") : 0;
  std::printf("1000 IPv6 connections, endpoints 3:1: s0 %d, s1 %d\n", s0, s1);
  EXPECT_EQ(s0 + s1, 1000);
  EXPECT_GE(s0, 675);
  EXPECT_LE(s0, 825);

  l.SetEndpoints({{"s0", 1}, {"s1", 3}});
  EXPECT_THAT(l.WaitForWeights({{"s0", 25}, {"s1", 75}}, absl::Seconds(60)), IsOk());
}

}  // namespace
}  // namespace ironlb::lab

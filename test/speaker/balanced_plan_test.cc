// The router plan of targets with backends: one balanced forward per outside, backends down (by
// the health view) or draining take no new connections, options carried to nft/, health keys
// named per backend; and the MSS clamp of a balanced outside address inside a tcpMSS pool.
#include <set>

#include "config/loader.h"
#include "controller/plan.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "speaker/mss_plan.h"
#include "speaker/router/port_forward_plan.h"
#include "test/speaker/no_routes.h"
#include "test/support/status_matchers.h"

namespace ironlb::speaker {
namespace {

using ::ironlb::testing::IsOk;

class FakeHealth : public BackendHealthView {
 public:
  bool IsUp(const std::string& key) const override { return down.count(key) == 0; }
  std::set<std::string> down;
};

config::Config Load(const std::string& yaml) {
  config::ConfigReader reader;
  reader.AddYaml(yaml, "config.yaml");
  config::LoadResult r = std::move(reader).Finish();
  EXPECT_TRUE(r.ok()) << (r.diagnostics.empty() ? "" : r.diagnostics[0].ToString());
  return r.config;
}

constexpr char kWeb[] = R"(apiVersion: ironlb.io/v1alpha1
kind: AddressPool
metadata: {name: vips}
spec: {addresses: [203.0.113.0/28], tcpMSS: 1300, autoAssign: false}
---
apiVersion: ironlb.io/v1alpha1
kind: PortForward
metadata: {name: web}
spec:
  addresses: [203.0.113.5]
  interfaces: [wan0]
  targets:
  - protocol: TCP
    port: 443
    targetPort: 8443
    sessionAffinity: ClientIP
    whenAllDown: Reject
    backends:
    - {address: 10.0.0.11, weight: 3}
    - {address: 10.0.0.12}
    - {address: 10.0.0.13, draining: true}
---
)";

TEST(BalancedPlanTest, BackendsWithHealthAndDraining) {
  const config::Config c = Load(kWeb);
  FakeHealth health;
  health.down.insert("web/TCP/443/10.0.0.12:8443");
  PortForwardPlan plan = PlanPortForwards(c, {}, testing::NoRoutes(), &health);
  ASSERT_EQ(plan.forwards.size(), 2u);  // the address, and wan0 (IPv4)
  for (size_t i = 0; i < plan.forwards.size(); ++i) {
    const nft::PortForwardEntry& f = plan.forwards[i];
    ASSERT_EQ(f.backends.size(), 3u);
    EXPECT_TRUE(f.backends[0].active);
    EXPECT_EQ(f.backends[0].weight, 3u);
    EXPECT_FALSE(f.backends[1].active);  // down
    EXPECT_FALSE(f.backends[2].active);  // draining
    EXPECT_EQ(f.backends[0].port, 8443);
    EXPECT_TRUE(f.source_affinity);
    EXPECT_EQ(f.when_all_down, nft::AllDownAction::kReject);
    EXPECT_EQ(f.target_address.ToString(), "10.0.0.11");
    EXPECT_THAT(plan.info[i].backend_keys,
                ::testing::ElementsAre("web/TCP/443/10.0.0.11:8443", "web/TCP/443/10.0.0.12:8443",
                                       "web/TCP/443/10.0.0.13:8443"));
    EXPECT_THAT(plan.info[i].draining, ::testing::ElementsAre(false, false, true));
  }
  nft::DesiredState state;
  state.forwards = plan.forwards;
  EXPECT_THAT(nft::ValidateDesiredState(state), IsOk());

  // Without a health view every backend but the draining one is active.
  plan = PlanPortForwards(c, {}, testing::NoRoutes());
  EXPECT_TRUE(plan.forwards[0].backends[1].active);
  EXPECT_FALSE(plan.forwards[0].backends[2].active);
}

TEST(BalancedPlanTest, OutsideAddressInATcpMssPoolIsClamped) {
  const config::Config c = Load(kWeb);
  MssPlan mss = MssClamps(c, {});
  bool clamped = false;
  for (const nft::ClampedVip& v : mss.clamps) {
    if (v.vip.ToString() == "203.0.113.5") clamped = v.mss == 1300;
  }
  EXPECT_TRUE(clamped);
}

}  // namespace
}  // namespace ironlb::speaker

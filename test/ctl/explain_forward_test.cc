// `ironlbctl explain PortForward/NAME`: each backend's health from the router's status, whether
// it takes new connections and why (the router plan's own decision), its share of new
// connections from the router's slot table, and what happens when none takes them.
#include "ctl/explain_forward.h"

#include <sstream>

#include "absl/strings/str_join.h"
#include "config/loader.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "test/support/status_matchers.h"

namespace ironlb::ctl {
namespace {

using ::ironlb::testing::StatusIs;
using ::testing::HasSubstr;

constexpr char kConfig[] = R"(apiVersion: ironlb.io/v1alpha1
kind: PortForward
metadata: {name: web}
spec:
  addresses: [203.0.113.10]
  targets:
  - protocol: TCP
    port: 443
    targetPort: 8443
    whenAllDown: Reject
    backends:
    - {address: 10.0.0.11, weight: 3}
    - {address: 10.0.0.12}
    - {address: 10.0.0.13, draining: true}
)";

config::Config Load() {
  config::ConfigReader reader;
  reader.AddYaml(kConfig, "config.yaml");
  config::LoadResult r = std::move(reader).Finish();
  EXPECT_TRUE(r.ok());
  return r.config;
}

status::v1::SpeakerState Router(const std::string& health_11, const std::string& health_12) {
  status::v1::SpeakerState s;
  s.set_node("router");
  auto* f = s.mutable_router()->add_forwards();
  f->set_group("web");
  auto add = [&](const std::string& addr, const std::string& health, const std::string& detail) {
    auto* b = f->add_backends();
    b->set_key("web/TCP/443/" + addr);
    b->set_address(addr);
    b->set_health(health);
    b->set_detail(detail);
  };
  add("10.0.0.11:8443", health_11, "connect: ok");
  add("10.0.0.12:8443", health_12, "connect: Connection refused");
  add("10.0.0.13:8443", "up", "connect: ok");
  return s;
}

TEST(ExplainForwardTest, DownAndDrainingBackendsTakeNoNewConnectionsAndSayWhy) {
  const config::Config config = Load();
  const status::v1::SpeakerState state = Router("up", "down");
  auto e = ExplainForward(config, "web", &state);
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_EQ(e->outside, "203.0.113.10");
  ASSERT_EQ(e->targets.size(), 1u);
  const TargetAnswer& t = e->targets[0];
  EXPECT_EQ(t.when_all_down, "Reject");
  EXPECT_THAT(t.check, HasSubstr("TCP every 200ms, timeout 150ms, rise 2, fall 3"));
  ASSERT_EQ(t.backends.size(), 3u);
  EXPECT_EQ(t.backends[0].address, "10.0.0.11:8443");
  EXPECT_EQ(t.backends[0].health, "up");
  EXPECT_TRUE(t.backends[0].takes_new);
  EXPECT_DOUBLE_EQ(t.backends[0].share_pct, 100.0);  // the only one taking new connections
  EXPECT_EQ(t.backends[1].health, "down");
  EXPECT_FALSE(t.backends[1].takes_new);
  EXPECT_THAT(t.backends[1].why, HasSubstr("down: its health checks fail"));
  EXPECT_EQ(t.backends[1].detail, "connect: Connection refused");
  EXPECT_EQ(t.backends[1].share_pct, 0);
  EXPECT_EQ(t.backends[2].health, "up");  // healthy, but draining
  EXPECT_FALSE(t.backends[2].takes_new);
  EXPECT_THAT(t.backends[2].why, HasSubstr("draining"));
  EXPECT_TRUE(t.all_down.empty());
  EXPECT_THAT(absl::StrJoin(e->notes, "\n"), HasSubstr("as the speaker on router checks it"));
}

TEST(ExplainForwardTest, SharesFollowTheWeightsWhenAllAreUp) {
  const status::v1::SpeakerState state = Router("up", "up");
  auto e = ExplainForward(Load(), "web", &state);
  ASSERT_TRUE(e.ok());
  const TargetAnswer& t = e->targets[0];
  EXPECT_NEAR(t.backends[0].share_pct, 75.0, 3.0);  // weight 3 against 1
  EXPECT_NEAR(t.backends[1].share_pct, 25.0, 3.0);
  EXPECT_DOUBLE_EQ(t.backends[0].share_pct + t.backends[1].share_pct, 100.0);
}

TEST(ExplainForwardTest, AllDownSaysWhatHappensToNewConnections) {
  const status::v1::SpeakerState state = Router("down", "down");
  auto e = ExplainForward(Load(), "web", &state);
  ASSERT_TRUE(e.ok());
  EXPECT_THAT(e->targets[0].all_down, HasSubstr("they are rejected (whenAllDown: Reject)"));
  std::ostringstream out;
  PrintForwardExplanation(*e, out);
  EXPECT_THAT(out.str(), HasSubstr("no backend takes new connections"));
  EXPECT_THAT(out.str(), HasSubstr("10.0.0.12:8443"));
  std::ostringstream json;
  PrintForwardExplanationJson(*e, json);
  const auto j = nlohmann::json::parse(json.str());
  EXPECT_EQ(j["targets"][0]["backends"][1]["health"], "down");
  EXPECT_EQ(j["targets"][0]["backends"][1]["takes_new_connections"], false);
}

TEST(ExplainForwardTest, WithoutTheRouterHealthIsUnknownAndUnknownForwardsAreNamed) {
  auto e = ExplainForward(Load(), "web", nullptr);
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->targets[0].backends[0].health, "unknown");
  EXPECT_TRUE(e->targets[0].backends[1].takes_new);
  EXPECT_FALSE(e->targets[0].backends[2].takes_new);  // draining is in the configuration
  EXPECT_THAT(absl::StrJoin(e->notes, "\n"), HasSubstr("no router status"));
  EXPECT_THAT(ExplainForward(Load(), "nope", nullptr).status(),
              StatusIs(absl::StatusCode::kNotFound, "no PortForward \"nope\""));
}

}  // namespace
}  // namespace ironlb::ctl

// BGPPeer passwordSecret against a real FRR router that requires a TCP MD5 password
// (`neighbor speakers password ...`): speakers in Kubernetes mode read the password from the
// Secret and their sessions come up; a second BGPPeer naming a Secret that does not exist gets a
// Warning Event naming it, and the first keeps working.
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "test/lab/weighted_ecmp_lab.h"
#include "test/support/status_matchers.h"

namespace ironlb::lab {
namespace {

using ::ironlb::testing::IsOk;
using ::testing::HasSubstr;

constexpr char kPassword[] = "lab-md5-Secret7";

TEST(BgpPasswordSecretLabTest, SessionsUpWithTheSecretsPasswordAndAMissingSecretIsAnEvent) {
  auto started = WeightedEcmpLab::Start(IRONLB_SPEAKER_BINARY, {.password = kPassword});
  ASSERT_THAT(started, IsOk());
  WeightedEcmpLab& l = **started;
  l.SetEndpoints({{"s0", 1}, {"s1", 1}});

  // The router requires the password: routes from both speakers mean both sessions are up with
  // it (TCP MD5: a SYN without the right signature is dropped by the router's kernel). (Equal
  // weights: one endpoint on each node, under the lab's weighted advertisement.)
  ASSERT_THAT(l.WaitForWeights({{"s0", 50}, {"s1", 50}}, absl::Seconds(60)), IsOk())
      << l.Diagnostics();
  for (int i = 0; i < 2; ++i) {
    auto running = l.speaker_frr(i).Vtysh({"show running-config"});
    ASSERT_THAT(running, IsOk());
    EXPECT_THAT(*running, HasSubstr(absl::StrCat("neighbor ", l.lab().router()->ipv4, " password ",
                                                 kPassword)));
    // The peer whose Secret is missing is not configured at all.
    EXPECT_THAT(*running, ::testing::Not(HasSubstr(l.lab().router()->ipv6)));
  }
  auto neighbors = l.router_frr().Vtysh({"show bgp neighbors json"});
  ASSERT_THAT(neighbors, IsOk());
  const nlohmann::json n = nlohmann::json::parse(*neighbors, nullptr, false);
  for (const Host& s : l.lab().speakers()) {
    ASSERT_TRUE(n.contains(s.ipv4)) << *neighbors;
    EXPECT_EQ(n[s.ipv4].value("bgpState", ""), "Established") << s.name;
  }

  // The missing Secret: a Warning Event on that BGPPeer, naming the Secret (from each node).
  bool event = false;
  std::string seen;
  for (int i = 0; i < 200 && !event; ++i) {
    for (const nlohmann::json& e : l.api().Objects("v1/events")) {
      seen = e.dump();
      event = e["involvedObject"].value("kind", "") == "BGPPeer" &&
              e["involvedObject"].value("name", "") == "router-v6" &&
              e.value("reason", "") == "PasswordSecretUnreadable" &&
              e.value("message", "").find("Secret ironlb-system/missing does not exist") !=
                  std::string::npos;
      if (event) break;
    }
    if (!event) absl::SleepFor(absl::Milliseconds(50));
  }
  EXPECT_TRUE(event) << "last event: " << seen;
}

}  // namespace
}  // namespace ironlb::lab

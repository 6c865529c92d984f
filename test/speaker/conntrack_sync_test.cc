// The router role's conntrackd driving (issue 16): the keepalived recipe's commands per change
// of role, the primary's commit before SetRole returns, and the PortForward source NAT
// addresses held with the outside addresses. lab_router_conntrack_test runs the real conntrackd.
#include "speaker/router/conntrack_sync.h"

#include <mutex>

#include "absl/strings/match.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/notification.h"
#include "config/loader.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "speaker/layer2/layer2_plan.h"

namespace ironlb::speaker {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

std::vector<std::string> Flags(const std::vector<std::vector<std::string>>& commands) {
  std::vector<std::string> out;
  for (const auto& c : commands) out.push_back(absl::StrJoin(c, " "));
  return out;
}

TEST(ConntrackStepsTest, FollowTheKeepalivedRecipe) {
  const ConntrackSyncOptions o{.config = "/etc/c.conf", .binary = "ctd"};
  ConntrackSteps s = StepsFor(ConntrackRole::kBackup, ConntrackRole::kPrimary, o);
  EXPECT_THAT(Flags(s.first), ElementsAre("ctd -C /etc/c.conf -c"));
  EXPECT_THAT(Flags(s.then), ElementsAre("ctd -C /etc/c.conf -f", "ctd -C /etc/c.conf -R",
                                         "ctd -C /etc/c.conf -B"));
  s = StepsFor(ConntrackRole::kPrimary, ConntrackRole::kBackup, o);
  EXPECT_THAT(s.first, IsEmpty());
  EXPECT_THAT(Flags(s.then), ElementsAre("ctd -C /etc/c.conf -t", "ctd -C /etc/c.conf -n"));
  // Starting as a backup: ask for a resync, leave the kernel's timers alone.
  s = StepsFor(ConntrackRole::kUnknown, ConntrackRole::kBackup, o);
  EXPECT_THAT(s.first, IsEmpty());
  EXPECT_THAT(Flags(s.then), ElementsAre("ctd -C /etc/c.conf -n"));
  s = StepsFor(ConntrackRole::kPrimary, ConntrackRole::kPrimary, o);
  EXPECT_THAT(s.first, IsEmpty());
  EXPECT_THAT(s.then, IsEmpty());
}

class RecordingRunner : public CommandRunner {
 public:
  absl::Status Run(const std::vector<std::string>& argv, absl::Duration) override {
    std::lock_guard<std::mutex> l(mu);
    ran.push_back(argv.back());
    return argv.back() == "-B" ? absl::UnavailableError("no backups") : absl::OkStatus();
  }
  std::vector<std::string> Ran() {
    std::lock_guard<std::mutex> l(mu);
    return ran;
  }
  std::mutex mu;
  std::vector<std::string> ran;
};

TEST(ConntrackSyncTest, CommitsBeforeReturningAndRunsTheRestInOrder) {
  metrics::Registry registry;
  auto runner = std::make_unique<RecordingRunner>();
  RecordingRunner* r = runner.get();
  ConntrackSync sync({.config = "c.conf"}, std::move(runner), &registry);
  sync.SetRole(ConntrackRole::kPrimary);
  ASSERT_FALSE(r->Ran().empty());
  EXPECT_EQ(r->Ran()[0], "-c");  // before SetRole returned
  // The worker counts a command after it returned: wait for the last one's count as well.
  const std::string bulk_error =
      "ironlb_router_conntrack_commands_total{command=\"bulk\",result=\"error\"} 1";
  const absl::Time end = absl::Now() + absl::Seconds(30);
  while ((r->Ran().size() < 4 || !absl::StrContains(registry.Render(), bulk_error)) &&
         absl::Now() < end) {
    absl::SleepFor(absl::Milliseconds(5));
  }
  EXPECT_THAT(r->Ran(), ElementsAre("-c", "-f", "-R", "-B"));
  EXPECT_EQ(sync.role(), ConntrackRole::kPrimary);
  const std::string text = registry.Render();
  EXPECT_THAT(text, ::testing::HasSubstr("ironlb_router_conntrack_primary 1"));
  EXPECT_THAT(text, ::testing::HasSubstr(bulk_error));
  sync.SetRole(ConntrackRole::kBackup);
  while (r->Ran().size() < 6 && absl::Now() < end) absl::SleepFor(absl::Milliseconds(5));
  EXPECT_THAT(r->Ran(), ElementsAre("-c", "-f", "-R", "-B", "-t", "-n"));
}

config::Config ConfigOf(const std::string& yaml) {
  config::ConfigReader reader;
  reader.AddYaml(yaml, "c.yaml");
  config::LoadResult r = std::move(reader).Finish();
  EXPECT_TRUE(r.ok()) << (r.diagnostics.empty() ? "" : r.diagnostics[0].ToString());
  return r.config;
}

TEST(SourceNatClaimsTest, HeldWithTheGroupsOutsideAddressOnTheInterfaceThatReachesIt) {
  const config::Config c = ConfigOf(
      "apiVersion: ironlb.io/v1alpha1\nkind: PortForward\nmetadata: {name: ha}\nspec:\n"
      "  addresses: [10.91.0.100]\n  sourceNAT: Always\n"
      "  sourceNATAddresses: [10.90.0.250, \"fd00:90::250\"]\n");
  auto egress = [](const IpAddress& a) {
    return a.is_v6() ? std::string() : std::string("eth0");  // no IPv6 route
  };
  const IpAddress outside = *IpAddress::Parse("10.91.0.100");
  auto claims = SourceNatClaims(c, {{outside, {"eth1"}}}, egress);
  ASSERT_EQ(claims.size(), 1u);
  EXPECT_EQ(claims[0].vip.ToString(), "10.90.0.250");
  EXPECT_THAT(claims[0].interfaces, ElementsAre("eth0"));
  // Not holding the outside address: not the source NAT address either.
  EXPECT_THAT(SourceNatClaims(c, {{*IpAddress::Parse("10.91.0.101"), {"eth1"}}}, egress),
              IsEmpty());
  EXPECT_THAT(SourceNatClaims(c, {}, egress), IsEmpty());
}

}  // namespace
}  // namespace ironlb::speaker

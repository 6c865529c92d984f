// The router's pool filter against real FRR (zebra, bgpd with gRPC) in a namespace of the
// test's own: the prefix-lists and the peer-group binding in bgpd's running configuration, a
// second pass that sends nothing, the operator's own lines untouched, a new pool added without
// rewriting the others, clear refusals, and bgpd restarted.
#include <unistd.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "bgp/pool_filter_reconciler.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "test/support/frr_process.h"
#include "test/support/status_matchers.h"

namespace ironlb::bgp {
namespace {

using ::ironlb::testing::IsOk;
using ::ironlb::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

config::Config Pools(const std::vector<std::string>& addresses) {
  config::Config c;
  config::AddressPool p;
  p.meta.name = "vips";
  for (const std::string& a : addresses) p.ranges.push_back(*IpRange::Parse(a));
  c.pools.push_back(std::move(p));
  return c;
}

// The operator's own BGP configuration on the router.
const std::vector<std::string> kOperatorConfig = {
    "configure terminal",
    "ip prefix-list mine seq 5 permit 192.0.2.0/24",
    "router bgp 64512",
    "neighbor SPEAKERS peer-group",
    "neighbor SPEAKERS remote-as 64512",
    "neighbor 10.70.0.99 remote-as 65000",
    "address-family ipv4 unicast",
    "neighbor SPEAKERS activate",
    "neighbor 10.70.0.99 prefix-list mine in",
    "exit-address-family",
};

class PoolFilterFrrTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_THAT(frr_.Start("zebra"), IsOk());
    port_ = ironlb::testing::FreeLoopbackPort();
    ASSERT_THAT(frr_.Start("bgpd", port_), IsOk());
    bgpd_ =
        GrpcNorthboundClient::Create("bgpd", absl::StrCat("127.0.0.1:", port_), absl::Seconds(2));
    vty_ = std::make_unique<SocketVtySession>(
        "bgpd", absl::StrCat("/var/run/ironlb-frr/", frr_.name(), "/bgpd.vty"));
    reconciler_ = std::make_unique<PoolFilterReconciler>(bgpd_.get(), vty_.get(), "SPEAKERS");
  }
  std::string Running() { return frr_.Vtysh({"show running-config"}); }

  ironlb::testing::FrrInstance frr_{absl::StrCat("pooltest", getpid())};
  int port_ = 0;
  std::unique_ptr<GrpcNorthboundClient> bgpd_;
  std::unique_ptr<SocketVtySession> vty_;
  std::unique_ptr<PoolFilterReconciler> reconciler_;
};

TEST_F(PoolFilterFrrTest, ListsAndBindingOnceThenNothingOperatorLinesKept) {
  const config::Config pools =
      Pools({"10.90.100.0/24", "10.90.101.1-10.90.101.6", "fd00:90:100::/120"});
  // No `router bgp` yet: the lists are committed, the binding is refused with what to do.
  EXPECT_THAT(reconciler_->Apply(pools),
              StatusIs(absl::StatusCode::kFailedPrecondition, "no `router bgp"));
  EXPECT_THAT(Running(), HasSubstr("ironlb-pools-v4"));

  frr_.Vtysh(kOperatorConfig);
  const std::string before = Running();
  ASSERT_THAT(before, HasSubstr("neighbor SPEAKERS peer-group"));
  auto r = reconciler_->Apply(pools);
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->edits, 0u);  // committed by the first pass
  EXPECT_EQ(r->vty_commands.size(), 7u);
  EXPECT_EQ(r->prefixes_v4, 5u);
  EXPECT_EQ(r->prefixes_v6, 1u);
  const std::string running = Running();
  for (const char* line : {
           "permit 10.90.100.0/24 le 32",
           "permit 10.90.101.1/32\n",
           "permit 10.90.101.2/31 le 32",
           "permit 10.90.101.4/31 le 32",
           "permit 10.90.101.6/32\n",
           "ip prefix-list ironlb-pools-v4 seq 4294967295 deny any",
           "permit fd00:90:100::/120 le 128",
           "ipv6 prefix-list ironlb-pools-v6 seq 4294967295 deny any",
           // Bound in both families; the operator's lines are all still there.
           "  neighbor SPEAKERS prefix-list ironlb-pools-v4 in\n",
           "  neighbor SPEAKERS prefix-list ironlb-pools-v6 in\n",
           "ip prefix-list mine seq 5 permit 192.0.2.0/24",
           "neighbor 10.70.0.99 prefix-list mine in",
           "neighbor 10.70.0.99 remote-as 65000",
       }) {
    EXPECT_THAT(running, HasSubstr(line)) << running;
  }
  EXPECT_THAT(running, HasSubstr("address-family ipv6 unicast"));

  // A second pass reads FRR back and sends nothing.
  auto again = reconciler_->Apply(pools);
  ASSERT_THAT(again, IsOk());
  EXPECT_EQ(again->edits, 0u);
  EXPECT_THAT(again->vty_commands, IsEmpty());
  EXPECT_EQ(Running(), running);

  // A new pool: only its entry is written; every other line stays as it was.
  config::Config more = pools;
  more.pools.push_back(Pools({"10.91.0.0/16"}).pools[0]);
  auto added = reconciler_->Apply(more);
  ASSERT_THAT(added, IsOk());
  EXPECT_EQ(added->edits, 3u);  // action, prefix, le
  EXPECT_THAT(added->vty_commands, IsEmpty());
  const std::string after = Running();
  EXPECT_THAT(after, HasSubstr("permit 10.91.0.0/16 le 32"));
  for (absl::string_view line : absl::StrSplit(running, '\n')) {
    EXPECT_THAT(after, HasSubstr(absl::StrCat(line, "\n"))) << line;
  }
  // The operator changes their own prefix-lists afterwards (through the vty, whose classic
  // commits carry a candidate of their own): ironlb's lists stay in force in bgpd.
  frr_.Vtysh({"configure terminal", "ip prefix-list mine seq 10 permit 198.51.100.0/24"});
  const std::string effective = frr_.Vtysh({"show ip prefix-list"});
  EXPECT_THAT(effective, HasSubstr("permit 10.91.0.0/16 le 32"));
  EXPECT_THAT(effective, HasSubstr("seq 4294967295 deny any"));
  auto last = reconciler_->Apply(more);
  ASSERT_THAT(last, IsOk());
  EXPECT_FALSE(last->Changed());
}

TEST_F(PoolFilterFrrTest, RefusalsNameTheProblemAndBgpdRestartIsRepaired) {
  frr_.Vtysh(kOperatorConfig);
  const config::Config pools = Pools({"10.90.100.0/24"});
  // The operator already filters the group inbound: ironlb does not replace it.
  frr_.Vtysh({"configure terminal", "router bgp 64512", "address-family ipv4 unicast",
              "neighbor SPEAKERS prefix-list mine in"});
  EXPECT_THAT(reconciler_->Apply(pools),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       "already has an inbound prefix-list (`neighbor SPEAKERS prefix-list mine"));
  EXPECT_THAT(Running(), HasSubstr("neighbor SPEAKERS prefix-list mine in"));
  EXPECT_THAT(Running(), Not(HasSubstr("neighbor SPEAKERS prefix-list ironlb-pools-v4 in")));
  frr_.Vtysh({"configure terminal", "router bgp 64512", "address-family ipv4 unicast",
              "no neighbor SPEAKERS prefix-list mine in"});
  // Another group name than the one configured.
  PoolFilterReconciler wrong(bgpd_.get(), vty_.get(), "NODES");
  EXPECT_THAT(wrong.Apply(pools),
              StatusIs(absl::StatusCode::kFailedPrecondition, "no peer group \"NODES\""));
  ASSERT_THAT(reconciler_->Apply(pools), IsOk());

  // bgpd dies: the error names bgpd; once it is back (with the operator's configuration, as
  // from its config file) the next pass restores the lists and the binding.
  frr_.Kill("bgpd");
  auto down = reconciler_->Apply(pools);
  ASSERT_FALSE(down.ok());
  EXPECT_THAT(std::string(down.status().message()), HasSubstr("bgpd"));
  ASSERT_THAT(frr_.Start("bgpd", port_), IsOk());
  frr_.Vtysh(kOperatorConfig);
  absl::StatusOr<PoolFilterResult> back = absl::UnavailableError("not tried");
  for (int i = 0; i < 300 && !back.ok(); ++i) {  // gRPC reconnects with its own backoff
    back = reconciler_->Apply(pools);
    if (!back.ok()) absl::SleepFor(absl::Milliseconds(100));
  }
  ASSERT_THAT(back, IsOk());
  EXPECT_TRUE(back->Changed());
  EXPECT_THAT(Running(), HasSubstr("neighbor SPEAKERS prefix-list ironlb-pools-v4 in"));
  EXPECT_THAT(Running(), HasSubstr("permit 10.90.100.0/24 le 32"));
}

}  // namespace
}  // namespace ironlb::bgp

// The reconciler against the real kernel, in network namespaces this test creates: what
// `nft -j list ruleset` shows must equal the same ruleset loaded by `nft -f`; a second
// reconcile changes nothing; tampering is repaired; other tables are never touched.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>

#include "nft/batch.h"
#include "nft/mnl_transport.h"
#include "nft/reconciler.h"
#include "test/nft/nft_test_util.h"
#include "test/support/status_matchers.h"

namespace ironlb::nft {
namespace {

using ::ironlb::nft::testing::ListRuleset;
using ::ironlb::nft::testing::NftText;

absl::StatusOr<std::string> Sh(const std::string& c) { return ::ironlb::nft::testing::Run(c); }
using ::ironlb::nft::testing::SampleState;
using ::ironlb::nft::testing::ScopedNetns;
using ::ironlb::nft::testing::TableObjects;
using ::ironlb::testing::IsOk;
using ::ironlb::testing::StatusIs;

class NftNetnsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(netns_.ok());
    ASSERT_THAT(netns_.Enter(), IsOk());
    auto t = MnlTransport::Create();
    ASSERT_THAT(t, IsOk());
    transport_ = std::move(*t);
    reconciler_ = std::make_unique<Reconciler>(transport_.get());
  }

  // The ironlb table as nft itself builds it from NftText(state), in a separate namespace.
  nlohmann::json Intended(const DesiredState& state) {
    ScopedNetns ref("ilbnftref");
    EXPECT_TRUE(ref.ok());
    const std::string file = "/tmp/" + ref.name() + ".nft";
    std::ofstream(file) << NftText(state);
    auto loaded = Sh(ref.Exec() + "nft -f " + file);
    EXPECT_THAT(loaded, IsOk());
    std::remove(file.c_str());
    auto j = ListRuleset(ref);
    EXPECT_THAT(j, IsOk());
    nlohmann::json objects = TableObjects(*j, "inet", "ironlb");
    // The fwd_stats rules go where nft lists them: before the first port_guard rule.
    auto it = std::find_if(objects.begin(), objects.end(), [](const nlohmann::json& o) {
      return o.contains("rule") && o["rule"]["chain"] == "port_guard";
    });
    const nlohmann::json stats = testing::ForwardStatsRulesJson();
    objects.insert(it, stats.begin(), stats.end());
    // The balanced-forward objects, which nft 1.0.6 cannot read from text, where nft lists them.
    for (const nlohmann::json& placed : testing::BalancedObjectsJson()) {
      const size_t at = placed[0].get<size_t>();
      if (at > objects.size()) break;
      objects.insert(objects.begin() + static_cast<long>(at), placed[1]);
    }
    return objects;
  }

  nlohmann::json Actual() {
    auto j = ListRuleset(netns_);
    EXPECT_THAT(j, IsOk());
    return TableObjects(*j, "inet", "ironlb");
  }

  ScopedNetns netns_{"ilbnft"};
  std::unique_ptr<MnlTransport> transport_;
  std::unique_ptr<Reconciler> reconciler_;
};

TEST_F(NftNetnsTest, RulesetEqualsNftBuiltOneAndSecondReconcileChangesNothing) {
  const DesiredState state = SampleState(300, 120);
  auto first = reconciler_->Reconcile(state);
  ASSERT_THAT(first, IsOk());
  EXPECT_TRUE(first->rebuilt);
  const nlohmann::json actual = Actual();
  ASSERT_FALSE(actual.empty());
  EXPECT_EQ(actual, Intended(state)) << NftText(state);

  auto second = reconciler_->Reconcile(state);
  ASSERT_THAT(second, IsOk());
  EXPECT_EQ(second->operations, 0u);
  EXPECT_EQ(Actual(), actual);

  // A fresh reconciler (a restarted speaker) adopts the table instead of failing.
  Reconciler restarted(transport_.get());
  auto adopted = restarted.Reconcile(state);
  ASSERT_THAT(adopted, IsOk());
  EXPECT_EQ(adopted->operations, 0u);
  EXPECT_FALSE(adopted->rebuilt);
}

TEST_F(NftNetnsTest, AddingOneForwardAddsOneElement) {
  DesiredState state = SampleState(1000, 100);
  ASSERT_THAT(reconciler_->Reconcile(state), IsOk());
  PortForwardEntry extra;
  extra.name = "extra";
  extra.outside_address = *IpAddress::Parse("10.1.0.1");
  extra.protocol = L4Protocol::kTcp;
  extra.port = 65000;
  extra.target_address = *IpAddress::Parse("10.9.9.9");
  extra.target_port = 80;
  state.forwards.push_back(extra);
  auto r = reconciler_->Reconcile(state);
  ASSERT_THAT(r, IsOk());
  EXPECT_FALSE(r->rebuilt);
  // One DNAT map element and its traffic-counter element, nothing else.
  EXPECT_EQ(r->operations, 2u);
  EXPECT_EQ(r->elements_added, 2u);
  EXPECT_EQ(Actual(), Intended(state));

  state.forwards.pop_back();
  state.forwards.pop_back();
  r = reconciler_->Reconcile(state);
  ASSERT_THAT(r, IsOk());
  // Two DNAT elements and their two counter elements; fwd-999 used source NAT, so its snat4
  // element goes too.
  EXPECT_EQ(r->elements_removed, 5u);
  EXPECT_EQ(Actual(), Intended(state));
}

TEST_F(NftNetnsTest, TamperingIsRepairedAndOtherTablesAreUntouched) {
  ASSERT_THAT(Sh(netns_.Exec() +
                 "nft add table ip other \\; add chain ip other c \\{ type filter hook input "
                 "priority 0 \\; \\} \\; add rule ip other c tcp dport 22 accept \\; add table "
                 "inet ironlb2"),
              IsOk());
  auto before = ListRuleset(netns_);
  ASSERT_THAT(before, IsOk());
  const nlohmann::json other = TableObjects(*before, "ip", "other");
  const nlohmann::json other2 = TableObjects(*before, "inet", "ironlb2");
  ASSERT_FALSE(other.empty());

  const DesiredState state = SampleState(50, 20);
  ASSERT_THAT(reconciler_->Reconcile(state), IsOk());
  const nlohmann::json intended = Intended(state);
  EXPECT_EQ(Actual(), intended);

  for (const char* tamper :
       {"nft flush chain inet ironlb port_guard", "nft delete table inet ironlb",
        "nft flush map inet ironlb fwd4", "nft delete element inet ironlb guard_tcp { 50051 }",
        "nft add element inet ironlb guard_tcp { 22 }",
        "nft add rule inet ironlb mss_forward accept",
        "nft add rule inet ironlb port_guard log prefix sneaky", "nft add chain inet ironlb sneaky",
        "nft chain inet ironlb port_guard { policy drop \\; }"}) {
    SCOPED_TRACE(tamper);
    ASSERT_THAT(Sh(netns_.Exec() + tamper), IsOk());
    auto r = reconciler_->Reconcile(state);
    ASSERT_THAT(r, IsOk());
    EXPECT_GT(r->operations, 0u);
    EXPECT_EQ(Actual(), intended);
  }

  ASSERT_THAT(reconciler_->Cleanup(), IsOk());
  auto after = ListRuleset(netns_);
  ASSERT_THAT(after, IsOk());
  EXPECT_TRUE(TableObjects(*after, "inet", "ironlb").empty());
  EXPECT_EQ(TableObjects(*after, "ip", "other"), other);
  EXPECT_EQ(TableObjects(*after, "inet", "ironlb2"), other2);
  // Cleanup of an absent table is fine.
  EXPECT_THAT(reconciler_->Cleanup(), IsOk());
}

TEST_F(NftNetnsTest, BadInputNeverReachesTheKernel) {
  DesiredState state = SampleState(5, 5);
  state.clamped_vips[2].mss = 70000;
  EXPECT_THAT(reconciler_->Reconcile(state),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "clamped VIP " + state.clamped_vips[2].vip.ToString() + ": MSS 70000"));
  auto j = ListRuleset(netns_);
  ASSERT_THAT(j, IsOk());
  EXPECT_TRUE(TableObjects(*j, "inet", "ironlb").empty());
}

TEST_F(NftNetnsTest, KernelErrorNamesTheOperationAndChangesNothing) {
  const DesiredState state = SampleState(10, 10);
  ASSERT_THAT(reconciler_->Reconcile(state), IsOk());
  const nlohmann::json before = Actual();
  // One good operation, then one the kernel must refuse: the good one must not stick.
  Batch batch(1000);
  SetSpec guard;
  guard.name = kGuardTcp;
  guard.elements["\x1f\x90"] = "";  // port 8080
  SetSpec missing = guard;
  missing.name = "no_such_set";
  std::string key = "\x1f\x90";
  batch.AddElements(guard, {&key});
  batch.AddElements(missing, {&key});
  absl::Status s = CommitBatch(*transport_, batch);
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kNotFound, "add 1 element(s) to ironlb/no_such_set"));
  EXPECT_EQ(Actual(), before);
}

TEST_F(NftNetnsTest, ForwardCountersAreReadable) {
  const DesiredState state = SampleState(10, 1);
  ASSERT_THAT(reconciler_->Reconcile(state), IsOk());
  auto counters = reconciler_->ReadForwardCounters(state);
  ASSERT_THAT(counters, IsOk());
  ASSERT_EQ(counters->size(), state.forwards.size());
  EXPECT_EQ((*counters)[0].name, "fwd-0");
  EXPECT_EQ((*counters)[0].packets, 0u);
}

}  // namespace
}  // namespace ironlb::nft

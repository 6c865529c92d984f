// The slot table of balanced forwards: weights honoured, a backend that leaves (or drains, or
// fails) gives up exactly its own slots and no other slot moves, one that joins takes slots
// only for itself; plus validation of balanced entries and the elements they become.
#include "nft/backend_slots.h"

#include <gtest/gtest.h>

#include <random>

#include "common/stable_hash.h"
#include "nft/ruleset_spec.h"
#include "test/support/status_matchers.h"

namespace ironlb::nft {
namespace {

using ::ironlb::testing::IsOk;
using ::ironlb::testing::StatusIs;

Backend B(const std::string& addr, uint16_t port, uint32_t weight = 1) {
  return Backend{*IpAddress::Parse(addr), port, weight, true};
}

std::vector<int> Counts(const std::vector<int>& table, size_t n) {
  std::vector<int> c(n, 0);
  for (int i : table) {
    if (i >= 0) ++c[static_cast<size_t>(i)];
  }
  return c;
}

TEST(BackendSlotsTest, WeightsThreeToOneWithinTwoPerCent) {
  auto table = BackendSlotTable({B("10.0.0.1", 80, 3), B("10.0.0.2", 80, 1)});
  ASSERT_EQ(table.size(), kBackendSlots);
  auto c = Counts(table, 2);
  EXPECT_EQ(c[0] + c[1], static_cast<int>(kBackendSlots));
  EXPECT_NEAR(c[0] / static_cast<double>(kBackendSlots), 0.75, 0.03);
}

TEST(BackendSlotsTest, EqualWeightsRoughlyEqual) {
  std::vector<Backend> bs;
  for (int i = 0; i < 3; ++i) bs.push_back(B("10.0.0." + std::to_string(i + 1), 443));
  auto c = Counts(BackendSlotTable(bs), 3);
  for (int n : c) EXPECT_NEAR(n, 341, 60);
}

TEST(BackendSlotsTest, InactiveBackendGetsNoSlotAndNobodyElseMoves) {
  std::mt19937 rng(7);
  for (int round = 0; round < 30; ++round) {
    std::vector<Backend> bs;
    const int n = 2 + static_cast<int>(rng() % 20);
    for (int i = 0; i < n; ++i) {
      bs.push_back(B("10.1." + std::to_string(i / 250) + "." + std::to_string(i % 250 + 1),
                     static_cast<uint16_t>(8000 + rng() % 3), 1 + rng() % 5));
    }
    const auto before = BackendSlotTable(bs);
    const size_t gone = rng() % bs.size();
    std::vector<Backend> after_bs = bs;
    after_bs[gone].active = false;
    const auto after = BackendSlotTable(after_bs);
    // Removed from the list altogether: the same table, with indexes shifted.
    std::vector<Backend> removed_bs = bs;
    removed_bs.erase(removed_bs.begin() + static_cast<long>(gone));
    const auto removed = BackendSlotTable(removed_bs);
    for (uint32_t s = 0; s < kBackendSlots; ++s) {
      EXPECT_NE(after[s], static_cast<int>(gone));
      if (before[s] != static_cast<int>(gone)) {
        EXPECT_EQ(after[s], before[s]) << "slot " << s << " moved though its backend stayed";
      }
      const int shifted = removed[s] >= static_cast<int>(gone) ? removed[s] + 1 : removed[s];
      EXPECT_EQ(shifted, after[s]) << "slot " << s;
    }
    // Coming back restores exactly the old table.
    EXPECT_EQ(BackendSlotTable(bs), before);
  }
}

// Golden: the table is stored nowhere but compared between hosts (the two routers of a pair, a
// speaker before and after an upgrade, ClientIP affinity keeping a client on its backend), so
// it must never change. These values are the first version's (its own FNV-1a/SplitMix64 copy),
// now computed by common/stable_hash.
TEST(BackendSlotsTest, TableIsFixedAcrossVersions) {
  const auto table =
      BackendSlotTable({B("10.0.0.1", 80, 3), B("10.0.0.2", 80, 1), B("10.0.0.3", 8080, 2)});
  std::string first;
  for (int i = 0; i < 24; ++i) first += std::to_string(table[static_cast<size_t>(i)]);
  EXPECT_EQ(first, "002200222202102022200022");
  EXPECT_EQ(Counts(table, 3), (std::vector<int>{502, 194, 328}));
  std::string all;
  for (int i : table) all += std::to_string(i);
  EXPECT_EQ(Fnv1a64(all), 8662428466262802421ull);
  const auto v6 = BackendSlotTable({B("fd00::11", 443), B("fd00::12", 443), B("fd00::13", 443)});
  std::string all6;
  for (int i : v6) all6 += std::to_string(i);
  EXPECT_EQ(Fnv1a64(all6), 17595141768886920984ull);
}

TEST(BackendSlotsTest, NoActiveBackendMeansNoSlots) {
  std::vector<Backend> bs = {B("10.0.0.1", 80), B("10.0.0.2", 80)};
  for (Backend& b : bs) b.active = false;
  for (int i : BackendSlotTable(bs)) EXPECT_EQ(i, -1);
}

PortForwardEntry Balanced(std::vector<Backend> bs) {
  PortForwardEntry f;
  f.name = "web";
  f.outside_address = *IpAddress::Parse("192.0.2.1");
  f.port = 80;
  f.backends = std::move(bs);
  f.target_address = f.backends[0].address;
  f.target_port = f.backends[0].port;
  return f;
}

TEST(BalancedValidationTest, NamesTheBadBackend) {
  DesiredState s;
  s.forwards.push_back(Balanced({B("10.0.0.1", 80), B("fd00::1", 80)}));
  EXPECT_THAT(ValidateDesiredState(s),
              StatusIs(absl::StatusCode::kInvalidArgument, "backend 1 (fd00::1) is IPv6"));
  s.forwards[0] = Balanced({B("10.0.0.1", 80), B("10.0.0.2", 80, 0)});
  EXPECT_THAT(ValidateDesiredState(s),
              StatusIs(absl::StatusCode::kInvalidArgument, "weight 0 is outside 1..256"));
  s.forwards[0] = Balanced({B("10.0.0.1", 80), B("10.0.0.1", 80)});
  EXPECT_THAT(ValidateDesiredState(s),
              StatusIs(absl::StatusCode::kInvalidArgument, "is also backend 0"));
  s.forwards[0] = Balanced({B("10.0.0.1", 80), B("10.0.0.2", 80)});
  EXPECT_THAT(ValidateDesiredState(s), IsOk());
  // The same outside port as a single-target forward: a conflict.
  PortForwardEntry single = s.forwards[0];
  single.backends.clear();
  s.forwards.push_back(single);
  EXPECT_THAT(ValidateDesiredState(s),
              StatusIs(absl::StatusCode::kInvalidArgument, "already forwarded"));
}

TEST(BalancedRulesetTest, SlotsInTheRightMapAllDownInTheDownMap) {
  DesiredState s;
  s.forwards.push_back(Balanced({B("10.0.0.1", 80), B("10.0.0.2", 80)}));
  s.forwards[0].source_nat = true;
  RulesetSpec r = BuildRuleset(s);
  EXPECT_EQ(r.FindSet(kLbRandom4)->elements.size(), kBackendSlots);
  EXPECT_TRUE(r.FindSet(kLbHash4)->elements.empty());
  EXPECT_TRUE(r.FindSet(kFwd4)->elements.empty());
  EXPECT_EQ(r.FindSet(kLbStats4)->elements.size(), 2u);
  EXPECT_EQ(r.FindSet(kSnat4)->elements.size(), 2u);
  EXPECT_TRUE(r.FindSet(kLbDown4)->elements.empty());

  s.forwards[0].source_affinity = true;
  for (Backend& b : s.forwards[0].backends) b.active = false;
  r = BuildRuleset(s);
  EXPECT_TRUE(r.FindSet(kLbRandom4)->elements.empty());
  EXPECT_TRUE(r.FindSet(kLbHash4)->elements.empty());
  ASSERT_EQ(r.FindSet(kLbDown4)->elements.size(), 1u);
  const std::string& action = r.FindSet(kLbDown4)->elements.begin()->second;
  uint32_t v = 0;
  std::memcpy(&v, action.data(), 4);
  EXPECT_EQ(v, kLbDownDrop);
}

}  // namespace
}  // namespace ironlb::nft

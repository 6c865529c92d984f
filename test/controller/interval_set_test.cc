#include "controller/interval_set.h"

#include "gtest/gtest.h"

namespace ironlb::controller {
namespace {

TEST(IntervalSetTest, InsertCoalescesAndEraseSplits) {
  IntervalSet s;
  EXPECT_TRUE(s.Insert(5));
  EXPECT_TRUE(s.Insert(7));
  EXPECT_EQ(s.interval_count(), 2u);
  EXPECT_TRUE(s.Insert(6));
  EXPECT_EQ(s.interval_count(), 1u);
  EXPECT_FALSE(s.Insert(6));
  EXPECT_TRUE(s.Contains(5) && s.Contains(6) && s.Contains(7));
  EXPECT_FALSE(s.Contains(4) || s.Contains(8));
  EXPECT_TRUE(s.Erase(6));
  EXPECT_FALSE(s.Erase(6));
  EXPECT_EQ(s.interval_count(), 2u);
  EXPECT_FALSE(s.Contains(6));
  EXPECT_TRUE(s.Erase(5));
  EXPECT_TRUE(s.Erase(7));
  EXPECT_EQ(s.interval_count(), 0u);
}

TEST(IntervalSetTest, FirstAbsentSkipsUsedRuns) {
  IntervalSet s;
  for (uint128 v = 10; v < 20; ++v) s.Insert(v);
  s.Insert(21);
  EXPECT_EQ(s.FirstAbsent(0, 100), uint128{0});
  EXPECT_EQ(s.FirstAbsent(10, 100), uint128{20});
  EXPECT_EQ(s.FirstAbsent(15, 19), std::nullopt);
  EXPECT_EQ(s.FirstAbsent(21, 21), std::nullopt);
  EXPECT_EQ(s.FirstAbsent(21, 22), uint128{22});
  EXPECT_EQ(s.FirstAbsent(5, 4), std::nullopt);
}

TEST(IntervalSetTest, WorksAtTheTopOfTheIpv6Space) {
  IntervalSet s;
  const uint128 max = ~uint128{0};
  EXPECT_TRUE(s.Insert(max));
  EXPECT_TRUE(s.Insert(max - 1));
  EXPECT_EQ(s.interval_count(), 1u);
  EXPECT_EQ(s.FirstAbsent(max - 1, max), std::nullopt);
  EXPECT_EQ(s.FirstAbsent(max - 2, max), max - 2);
  EXPECT_TRUE(s.Erase(max));
  EXPECT_EQ(s.FirstAbsent(max - 1, max), max);
}

}  // namespace
}  // namespace ironlb::controller

// Rise/fall and flap damping of one backend's health.
#include "health/check_state.h"

#include <gtest/gtest.h>

namespace ironlb::health {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

TEST(CheckStateTest, FirstResultDecidesThenFallAndRiseCount) {
  CheckState s(2, 3);
  CheckState::Clock::time_point t{seconds(100)};
  EXPECT_TRUE(s.up());
  EXPECT_FALSE(s.known());
  EXPECT_FALSE(s.Record(true, t));  // up, as assumed
  EXPECT_TRUE(s.known());
  EXPECT_FALSE(s.Record(false, t += milliseconds(200)));
  EXPECT_FALSE(s.Record(false, t += milliseconds(200)));
  EXPECT_TRUE(s.up());
  EXPECT_TRUE(s.Record(false, t += milliseconds(200)));  // third failure: down
  EXPECT_FALSE(s.up());
  EXPECT_FALSE(s.Record(true, t += milliseconds(200)));
  EXPECT_TRUE(s.Record(true, t += milliseconds(200)));  // second success: up
  EXPECT_TRUE(s.up());

  CheckState fresh(2, 3);
  EXPECT_TRUE(fresh.Record(false, t));  // a new backend that fails its first check is down now
  EXPECT_FALSE(fresh.up());
}

TEST(CheckStateTest, FlappingNeedsMoreSuccessesUntilStable) {
  CheckState s(2, 1);
  CheckState::Clock::time_point t{seconds(100)};
  s.Record(true, t);
  auto flap = [&] {
    EXPECT_TRUE(s.Record(false, t += seconds(1)));
    uint32_t needed = 0;
    while (!s.up()) {
      s.Record(true, t += seconds(1));
      ++needed;
    }
    return needed;
  };
  EXPECT_EQ(flap(), 2u);
  EXPECT_EQ(flap(), 4u);
  EXPECT_EQ(flap(), 8u);
  EXPECT_EQ(flap(), 16u);
  EXPECT_EQ(flap(), 16u);  // capped at 8 × rise
  // Up for a whole flap window: forgiven.
  for (int i = 0; i < 31; ++i) s.Record(true, t += seconds(1));
  EXPECT_TRUE(s.Record(false, t += seconds(40)));
  uint32_t needed = 0;
  while (!s.up()) {
    s.Record(true, t += seconds(1));
    ++needed;
  }
  EXPECT_EQ(needed, 2u);
}

}  // namespace
}  // namespace ironlb::health

// The one retry helper: jittered exponential backoff, a failure logged once per distinct error,
// recovery logged once, and the in-sync gauge.
#include "common/retry_tracker.h"

#include <string>
#include <vector>

#include "common/log.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ironlb {
namespace {

using ::testing::HasSubstr;

class RetryTrackerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    log::SetSink([this](absl::string_view l) { lines_.emplace_back(l); });
  }
  void TearDown() override { log::SetSink(nullptr); }
  std::vector<std::string> lines_;
};

TEST_F(RetryTrackerTest, LogsEachNewErrorOnceDoublesTheWaitAndTracksInSync) {
  metrics::Registry registry;
  metrics::Gauge& in_sync = registry.AddGauge("x_in_sync", "help").Get();
  RetryTracker retry(
      {.failing = "thing not in sync; retrying",
       .recovered = "thing in sync again",
       .action = "start the thing",
       .backoff = {.initial = absl::Milliseconds(100), .max = absl::Milliseconds(500), .jitter = 0},
       .in_sync = &in_sync});
  EXPECT_EQ(in_sync.value(), 0);
  EXPECT_EQ(retry.Failed(absl::UnavailableError("connection refused")), absl::Milliseconds(100));
  EXPECT_EQ(retry.Failed(absl::UnavailableError("connection refused")), absl::Milliseconds(200));
  EXPECT_EQ(retry.Failed(absl::UnavailableError("connection refused")), absl::Milliseconds(400));
  EXPECT_EQ(retry.Failed(absl::UnavailableError("connection refused")), absl::Milliseconds(500));
  EXPECT_EQ(retry.failures_in_a_row(), 4);
  ASSERT_EQ(lines_.size(), 1u);  // the same error again is not logged again
  EXPECT_THAT(lines_[0], HasSubstr("msg=\"thing not in sync; retrying\""));
  EXPECT_THAT(lines_[0], HasSubstr("connection refused"));
  EXPECT_THAT(lines_[0], HasSubstr("retry_in=100ms"));
  EXPECT_THAT(lines_[0], HasSubstr("action=\"start the thing\""));
  retry.Failed(absl::InternalError("refused the commit"));  // a new error is
  ASSERT_EQ(lines_.size(), 2u);
  EXPECT_FALSE(retry.in_sync());
  EXPECT_EQ(in_sync.value(), 0);

  retry.Succeeded();
  ASSERT_EQ(lines_.size(), 3u);
  EXPECT_THAT(lines_[2], HasSubstr("msg=\"thing in sync again\""));
  EXPECT_TRUE(retry.in_sync());
  EXPECT_EQ(in_sync.value(), 1);
  retry.Succeeded();  // recovery is logged once
  EXPECT_EQ(lines_.size(), 3u);
  // After a success the wait starts over, and the same error is logged again.
  EXPECT_EQ(retry.Failed(absl::UnavailableError("connection refused")), absl::Milliseconds(100));
  EXPECT_EQ(lines_.size(), 4u);
  // A new desired state: the next failure waits the shortest time.
  retry.Failed(absl::UnavailableError("connection refused"));
  retry.Reset();
  EXPECT_EQ(retry.Failed(absl::UnavailableError("connection refused")), absl::Milliseconds(100));
}

}  // namespace
}  // namespace ironlb

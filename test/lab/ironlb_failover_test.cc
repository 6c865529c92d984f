// The ironlb speaker in the lab, measured like keepalived: after the owner's speaker is killed
// or its cable is cut another host serves the VIP within the targets' reach; a graceful stop
// loses no request at all; the returning owner gets back only the VIP it wins.
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "test/lab/failover_trial.h"
#include "test/lab/ironlb_holder.h"
#include "test/lab/lab.h"
#include "test/support/status_matchers.h"

namespace ironlb::lab {
namespace {

using ::ironlb::testing::IsOk;

class IronlbFailoverTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto l = Lab::Create({.speakers = 3});
    ASSERT_THAT(l, IsOk());
    lab_ = std::move(*l);
    holder_ = std::make_unique<IronlbHolder>(
        lab_.get(), IronlbHolderOptions{.speaker_binary = IRONLB_SPEAKER_BINARY});
    for (const Host& h : lab_->speakers()) ASSERT_THAT(holder_->Start(h), IsOk());
  }
  void TearDown() override { holder_.reset(); }
  std::unique_ptr<Lab> lab_;
  std::unique_ptr<IronlbHolder> holder_;
};

TEST_F(IronlbFailoverTest, KillLinkCutAndGracefulStop) {
  // Bounds well above the measured figures (ms: kill ~8, cut ~170) and below keepalived's
  // tuned VRRP for kill; a busy CI machine must not make them flaky.
  auto kill = RunFailoverTrial(*lab_, *holder_, Failure::kKill);
  ASSERT_THAT(kill, IsOk());
  EXPECT_EQ(kill->old_owner, holder_->PreferredOwner().name);
  EXPECT_NE(kill->new_owner, kill->old_owner);
  EXPECT_LT(absl::ToInt64Milliseconds(kill->failover), 150);

  auto cut = RunFailoverTrial(*lab_, *holder_, Failure::kLinkDown);
  ASSERT_THAT(cut, IsOk());
  EXPECT_NE(cut->new_owner, cut->old_owner);
  EXPECT_LT(absl::ToInt64Milliseconds(cut->failover), 600);

  auto stop = RunFailoverTrial(*lab_, *holder_, Failure::kStop);
  ASSERT_THAT(stop, IsOk());
  EXPECT_NE(stop->new_owner, stop->old_owner);
  EXPECT_EQ(stop->failed_requests, 0) << "a graceful stop must hand over without a gap";

  // After every trial the owner came back (RunFailoverTrial restores it) and won its VIP back.
  EXPECT_THAT(WaitForServingHost(*lab_, holder_->vip(), 8080, Protocol::kTcp,
                                 holder_->PreferredOwner(), absl::Seconds(10)),
              IsOk());
}

}  // namespace
}  // namespace ironlb::lab

// keepalived as the lab's baseline VIP holder: exactly one host answers for the VIP, and when
// its keepalived is killed another host takes over. Also checks the trial runner the
// benchmark uses end to end, once per failure kind.
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "test/lab/failover_trial.h"
#include "test/lab/keepalived_holder.h"
#include "test/lab/neighbour.h"
#include "test/lab/prober.h"
#include "test/support/status_matchers.h"

namespace ironlb::lab {
namespace {

using ::ironlb::testing::IsOk;

constexpr uint16_t kPort = 8080;

TEST(KeepalivedTest, ExactlyOneHostAnswersAndAnotherTakesOverWhenItsKeepalivedDies) {
  auto lab = Lab::Create({.speakers = 3});
  ASSERT_THAT(lab.status(), IsOk());
  Lab& l = **lab;
  auto holder_ptr = std::make_unique<KeepalivedHolder>(
      &l, KeepalivedOptions{.advert_interval = absl::Milliseconds(100)});
  KeepalivedHolder& holder = *holder_ptr;
  for (const Host& h : l.speakers()) ASSERT_THAT(holder.Start(h), IsOk());
  ASSERT_THAT(
      WaitForServingHost(l, holder.vip(), kPort, Protocol::kTcp, l.speaker(0), absl::Seconds(10)),
      IsOk());
  // Each keepalived runs as a parent and a VRRP child.
  EXPECT_GE(holder.Pids().size(), 6u);

  // One owner: every request answered by s0, the client's neighbour entry is s0's MAC, and
  // only s0 has the VIP.
  for (int i = 0; i < 20; ++i) {
    EXPECT_EQ(ProbeOnce(l.client().netns, holder.vip(), kPort, Protocol::kTcp).value_or("?"), "s0");
  }
  auto owner = NeighbourOwner(l, l.client(), holder.vip());
  ASSERT_THAT(owner.status(), IsOk());
  EXPECT_EQ((*owner)->name, "s0");
  EXPECT_TRUE(holder.HasVip(l.speaker(0)));
  EXPECT_FALSE(holder.HasVip(l.speaker(1)));
  EXPECT_FALSE(holder.HasVip(l.speaker(2)));

  auto prober = Prober::Start(l.client().netns, {.vip = holder.vip(), .port = kPort});
  ASSERT_THAT(prober.status(), IsOk());
  const absl::Time killed = absl::Now();
  holder.Kill(l.speaker(0));
  auto answer = (*prober)->WaitForAnswerFrom(killed, "s0", absl::Seconds(5));
  (*prober)->Stop();
  ASSERT_THAT(answer.status(), IsOk());
  EXPECT_EQ(answer->host, "s1");  // the next priority
  owner = NeighbourOwner(l, l.client(), holder.vip());
  ASSERT_THAT(owner.status(), IsOk());
  EXPECT_EQ((*owner)->name, "s1");

  // The holder's teardown leaves no keepalived process behind.
  const std::vector<pid_t> pids = holder.Pids();
  EXPECT_GE(pids.size(), 4u);
  holder_ptr.reset();
  for (pid_t pid : pids) EXPECT_TRUE(ProcessGone(pid)) << pid;
}

TEST(KeepalivedTest, TrialRunnerMeasuresKillAndLinkDownAndRestoresTheOwner) {
  auto lab = Lab::Create({.speakers = 3});
  ASSERT_THAT(lab.status(), IsOk());
  Lab& l = **lab;
  KeepalivedHolder holder(&l, {.advert_interval = absl::Milliseconds(100)});
  for (const Host& h : l.speakers()) ASSERT_THAT(holder.Start(h), IsOk());
  for (Failure f : {Failure::kKill, Failure::kLinkDown, Failure::kStop}) {
    auto trial = RunFailoverTrial(l, holder, f);
    ASSERT_THAT(trial.status(), IsOk()) << FailureName(f);
    EXPECT_EQ(trial->old_owner, "s0");
    EXPECT_EQ(trial->new_owner, "s1");
    // A stopping keepalived sends a priority-0 advert: the backup takes over after its skew
    // time (~22 ms); how soon is l2_failover_baseline's to measure, not an assertion here.
    if (f != Failure::kStop) {
      // VRRP with 100 ms adverts: master down after 3 adverts (minus the time since the
      // last one) plus skew; faster would mean the measurement is broken.
      EXPECT_GT(trial->failover, absl::Milliseconds(150)) << FailureName(f);
    }
  }
  // The owner came back and serves again.
  EXPECT_THAT(
      WaitForServingHost(l, holder.vip(), kPort, Protocol::kTcp, l.speaker(0), absl::Seconds(10)),
      IsOk());
}

}  // namespace
}  // namespace ironlb::lab

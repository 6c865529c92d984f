// Connections through an HA pair of routers survive the owner's death (issue 16 item 3): the
// routers replicate their forwarded connections with conntrackd (driven by ironlb-speaker's
// --conntrackd-config at every ownership change) and source-NAT them to an address held with
// the outside address (PortForward sourceNATAddresses). See router_pair_lab.h for the lab.
//
// Checked: eight long-lived TCP streams from the outside client through the pair's outside
// address to a backend (half echo, half download) all keep going, none reset, when
// - the owning router dies (speaker and conntrackd SIGKILLed, forwarding off): the other router
//   takes the address, commits the replicated connections, and every stream flows again;
// - then, with the dead router back as the standby, the new owner's outside cable is cut.
// Without conntrackd (same lab, same source NAT address), every stream stops at the owner's
// death: the new owner has no state for them. That control shows it is the replication that
// carries them. Both cases run with nf_conntrack_tcp_loose=0 on the routers: with the kernel's
// default a connection can also be taken up anew in mid-stream when the client sends next (the
// NAT comes out the same: one target, the same source NAT address), which would let some
// streams live without any replication and hide a broken one.
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "test/lab/ironlb_holder.h"
#include "test/lab/router_pair_lab.h"
#include "test/support/status_matchers.h"

#ifndef IRONLB_SPEAKER_BINARY
#error "IRONLB_SPEAKER_BINARY must name ironlb-speaker (set by test/lab/CMakeLists.txt)"
#endif

namespace ironlb::lab {
namespace {

using ::ironlb::testing::IsOk;

constexpr int kStreams = 8;

class RouterConntrackTest : public ::testing::Test {
 protected:
  void Build(bool conntrackd) {
    // No mid-stream pickup: a moved connection lives only if its state was replicated.
    auto p = RouterPairLab::Create(
        {.speaker_binary = IRONLB_SPEAKER_BINARY, .conntrackd = conntrackd, .tcp_loose = false});
    ASSERT_THAT(p, IsOk());
    pair_ = std::move(*p);
    auto owner = pair_->WaitForSettledOwner(0, absl::Seconds(30));
    ASSERT_THAT(owner, IsOk());
    // The source NAT address is answered, on the LAN, by the owner alone.
    EXPECT_EQ(WaitForSpeakerMetric(pair_->lab(), pair_->Router(*owner),
                                   "ironlb_l2_vips_owned{interface=\"eth0\"}",
                                   [](double v) { return v == 1; }),
              1);
    EXPECT_LE(WaitForSpeakerMetric(pair_->lab(), pair_->Router(pair_->Other(*owner)),
                                   "ironlb_l2_vips_owned{interface=\"eth0\"}",
                                   [](double v) { return v <= 0; }),
              0);
    auto s = TcpStreams::Start(pair_->lab().outside_client()->netns, RouterPairLab::kOutsideAddress,
                               RouterPairLab::kPort, kStreams, absl::Milliseconds(50));
    ASSERT_THAT(s, IsOk());
    streams_ = std::move(*s);
  }

  void TearDown() override {
    if (HasFailure() && pair_) {
      for (const char* r : {"router", "router2"}) std::cout << pair_->Logs(r);
    }
    if (streams_) streams_->Stop();
    streams_.reset();
    pair_.reset();
  }

  // After a failover: every stream flows again (a line after `since`) and none was reset.
  void ExpectEveryStreamKeptGoing(absl::Time since, const std::string& what) {
    EXPECT_TRUE(streams_->WaitAllFlowingSince(since, absl::Seconds(30)))
        << "not every stream flowed again after " << what;
    absl::Duration longest;
    for (const StreamStats& s : streams_->Stats()) {
      EXPECT_FALSE(s.reset) << (s.download ? "download" : "echo") << " stream reset after " << what
                            << ": " << s.error;
      longest = std::max(longest, s.max_gap);
    }
    std::cout << "router conntrack: " << what << ": longest stall "
              << absl::ToDoubleMilliseconds(longest) << " ms over " << kStreams << " streams\n";
  }

  std::unique_ptr<RouterPairLab> pair_;
  std::unique_ptr<TcpStreams> streams_;
};

TEST_F(RouterConntrackTest, StreamsSurviveTheOwnersDeathAndItsCableCut) {
  Build(/*conntrackd=*/true);
  auto owner = pair_->WaitForSettledOwner(kStreams, absl::Seconds(30));
  ASSERT_THAT(owner, IsOk());
  std::string standby = pair_->Other(*owner);

  // The owner dies.
  streams_->ResetGaps();
  ASSERT_THAT(pair_->KillRouter(*owner), IsOk());
  auto now_owner = pair_->WaitForOwner(absl::Seconds(20));
  ASSERT_THAT(now_owner, IsOk());
  ASSERT_EQ(*now_owner, standby);
  ExpectEveryStreamKeptGoing(absl::Now(), "SIGKILL of " + *owner);
  EXPECT_GE(pair_->KernelEntries(standby), kStreams);

  // The dead router comes back and gets the connections from the owner's conntrackd (it may
  // take the address back once ready: that handover must not cut anything either); then the
  // owner's outside cable is cut.
  ASSERT_THAT(pair_->ReviveRouter(*owner), IsOk());
  owner = pair_->WaitForSettledOwner(kStreams, absl::Seconds(30));
  ASSERT_THAT(owner, IsOk());
  standby = pair_->Other(*owner);
  for (const StreamStats& s : streams_->Stats()) EXPECT_FALSE(s.reset) << s.error;
  streams_->ResetGaps();
  ASSERT_THAT(pair_->CutOutsideCable(*owner), IsOk());
  now_owner = pair_->WaitForOwner(absl::Seconds(20));
  ASSERT_THAT(now_owner, IsOk());
  ASSERT_EQ(*now_owner, standby);
  ExpectEveryStreamKeptGoing(absl::Now(), "cutting " + *owner + "'s outside cable");
  ASSERT_THAT(pair_->RestoreOutsideCable(*owner), IsOk());
}

TEST_F(RouterConntrackTest, WithoutConntrackdTheStreamsStopAtTheOwnersDeath) {
  Build(/*conntrackd=*/false);
  auto owner = pair_->WaitForSettledOwner(kStreams, absl::Seconds(30));
  ASSERT_THAT(owner, IsOk());
  const std::string standby = pair_->Other(*owner);
  ASSERT_THAT(pair_->KillRouter(*owner), IsOk());
  auto now_owner = pair_->WaitForOwner(absl::Seconds(20));
  ASSERT_THAT(now_owner, IsOk());
  ASSERT_EQ(*now_owner, standby);
  const absl::Time since = absl::Now();
  // Given as long as the replicated case needs (well under a second here), many times over.
  EXPECT_FALSE(streams_->WaitAllFlowingSince(since, absl::Seconds(5)));
  int flowing = 0;
  for (const StreamStats& s : streams_->Stats()) flowing += !s.reset && s.last_line > since;
  EXPECT_EQ(flowing, 0) << "a stream went on without replicated state";
}

}  // namespace
}  // namespace ironlb::lab

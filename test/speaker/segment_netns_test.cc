// Three speakers' segments on one bridge, each on its own event loop inside its own network
// namespace: they find each other from signed adverts, notice a cut link by silence, a
// graceful leave at once, take nobody for dead when their own loop was stuck (and count that),
// and ignore a speaker holding the wrong key.
#include <net/if.h>

#include <chrono>
#include <future>
#include <optional>
#include <thread>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "speaker/layer2/membership/segment.h"
#include "test/arp/netns_lab.h"
#include "test/speaker/segment_node.h"
#include "test/support/status_matchers.h"

namespace ironlb::speaker {
namespace {

using ::ironlb::testing::IsOk;
using ::testing::ElementsAre;
namespace lab = ::ironlb::arp::testing;
using testing::Clock;
using testing::Node;
using testing::WaitAlive;

// Polls `done` (every 2 ms, 10 s at most).
template <typename F>
bool WaitFor(F done) {
  const auto end = Clock::now() + std::chrono::seconds(10);
  while (Clock::now() < end) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return done();
}

class SegmentNetnsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto l = lab::Lab::Create(4);
    ASSERT_THAT(l, IsOk());
    lab_ = std::move(*l);
    for (int i = 0; i < 4; ++i) {
      ASSERT_EQ(lab::Lab::Exec(lab_->speaker(i),
                               absl::StrCat("ip addr add 10.77.0.", 11 + i, "/24 dev eth0")),
                0);
    }
  }
  std::unique_ptr<lab::Lab> lab_;
};

TEST_F(SegmentNetnsTest, MembersFindEachOtherAndNoticeSilenceAndLeaving) {
  Node n0(lab_->speaker(0), 0, "key"), n1(lab_->speaker(1), 1, "key"),
      n2(lab_->speaker(2), 2, "key");
  ASSERT_THAT(n0.status(), IsOk());
  ASSERT_THAT(n1.status(), IsOk());
  ASSERT_THAT(n2.status(), IsOk());
  const std::vector<std::string> all = {"node-0", "node-1", "node-2"};
  for (Node* n : {&n0, &n1, &n2}) {
    EXPECT_GE(WaitAlive(*n, all, std::chrono::seconds(30)).count(), 0);
  }
  // After the hold-off that follows joining (dead_after, 80 ms), everyone is eligible.
  EXPECT_TRUE(WaitFor([&] { return n0.Ready() && n2.Ready(); }));

  // node-2's link is cut: the others expire it after dead_after (80 ms) of silence, counted
  // from its last advert they heard (never sooner, however busy the machine).
  ASSERT_EQ(lab::Lab::Exec(lab_->speaker(2), "ip link set eth0 down"), 0);
  EXPECT_GE(WaitAlive(n0, {"node-0", "node-1"}, std::chrono::seconds(30)).count(), 0);
  EXPECT_EQ(n0.DepartureOf("node-2"), Membership::Cause::kSilent);
  EXPECT_GT(n0.SilenceBeforeDeparture("node-2"), std::chrono::milliseconds(80));
  ASSERT_EQ(lab::Lab::Exec(lab_->speaker(2), "ip link set eth0 up"), 0);
  EXPECT_GE(WaitAlive(n0, all, std::chrono::seconds(10)).count(), 0);

  // node-1 leaves gracefully: gone from the others' view at once, by its leaving advert and not
  // by silence (the cause says which; how fast, test/bench/segment_bench measures).
  n1.Leave();
  const auto left = WaitAlive(n0, {"node-0", "node-2"}, std::chrono::seconds(10));
  EXPECT_GE(left.count(), 0);
  EXPECT_EQ(n0.DepartureOf("node-1"), Membership::Cause::kLeft);
  EXPECT_GT(n0.Counters().adverts_received, 0u);
}

TEST_F(SegmentNetnsTest, AStarvedSpeakerTakesNobodyForDeadAndCountsTheStall) {
  Node n0(lab_->speaker(0), 0, "key"), n1(lab_->speaker(1), 1, "key");
  ASSERT_THAT(n0.status(), IsOk());
  ASSERT_THAT(n1.status(), IsOk());
  const std::vector<std::string> both = {"node-0", "node-1"};
  ASSERT_GE(WaitAlive(n0, both, std::chrono::seconds(10)).count(), 0);
  EXPECT_EQ(n0.Counters().self_stalls, 0u);
  // node-0's loop is stuck for three dead_afters (as on a machine that starves it): node-1's
  // adverts queue meanwhile. node-0 must hear them before judging, and count its own stall.
  n0.Call([] {
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    return 0;
  });
  EXPECT_TRUE(WaitFor([&] { return n0.Counters().self_stalls >= 1; }));
  EXPECT_EQ(n0.Alive(), both);
  EXPECT_EQ(n0.DepartureOf("node-1"), std::nullopt);
}

TEST_F(SegmentNetnsTest, ASpeakerWithTheWrongKeyNeverJoins) {
  Node n0(lab_->speaker(0), 0, "key"), n3(lab_->speaker(3), 3, "other-cluster");
  ASSERT_THAT(n0.status(), IsOk());
  ASSERT_THAT(n3.status(), IsOk());
  // Each has heard (and refused) the other's adverts: only then does "alone" mean something.
  EXPECT_TRUE(WaitFor(
      [&] { return n0.Counters().adverts_rejected > 0 && n3.Counters().adverts_rejected > 0; }));
  EXPECT_THAT(n0.Alive(), ElementsAre("node-0"));
  EXPECT_THAT(n3.Alive(), ElementsAre("node-3"));
  EXPECT_GT(n0.Counters().adverts_rejected, 0u);
}

}  // namespace
}  // namespace ironlb::speaker

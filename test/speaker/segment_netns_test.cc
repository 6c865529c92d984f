// Three speakers' segments on one bridge, each on its own event loop inside its own network
// namespace: they find each other from signed adverts, notice a cut link by silence, a
// graceful leave at once, and ignore a speaker holding the wrong key.
#include <net/if.h>

#include <chrono>
#include <future>
#include <thread>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "speaker/layer2/segment.h"
#include "test/arp/netns_lab.h"
#include "test/support/status_matchers.h"

namespace ironlb::speaker {
namespace {

using ::ironlb::testing::IsOk;
using ::testing::ElementsAre;
namespace lab = ::ironlb::arp::testing;
using Clock = std::chrono::steady_clock;

// One speaker's layer-2 membership, running on a thread inside namespace `ns`.
class Node {
 public:
  Node(const std::string& ns, int index, const std::string& key) {
    const std::string name = absl::StrCat("node-", index);
    const IpAddress address =
        IpAddress::FromValue(IpFamily::kV4, (10u << 24) | (77u << 16) | (11 + index));
    std::promise<absl::Status> started;
    thread_ = std::thread([&, name, address] {
      absl::Status st = lab::EnterNetns(ns);
      std::unique_ptr<EventLoop> loop;
      if (st.ok()) {
        auto l = EventLoop::Create();
        st = l.status();
        if (st.ok()) loop = std::move(*l);
      }
      if (st.ok()) {
        auto m =
            LivenessMesh::Create(loop.get(), name, key, address, 0,
                                 [this](const std::string& peer) { segment_->PeerLost(peer); });
        st = m.status();
        if (st.ok()) mesh_ = std::move(*m);
      }
      if (st.ok()) {
        SegmentOptions opts;
        opts.node = name;
        opts.key = key;
        opts.incarnation = static_cast<uint64_t>(Clock::now().time_since_epoch().count());
        auto s = Segment::Create(loop.get(), static_cast<int>(if_nametoindex("eth0")), "eth0",
                                 lab::Lab::SpeakerMac(index).bytes(), address, mesh_.get(),
                                 mesh_->port(), opts, [] {});
        st = s.status();
        if (st.ok()) segment_ = std::move(*s);
      }
      loop_ = loop.get();
      started.set_value(st);
      if (!st.ok()) return;
      (void)loop->Run();
      segment_.reset();
      mesh_.reset();
    });
    status_ = started.get_future().get();
  }
  ~Node() {
    if (loop_ != nullptr && status_.ok()) loop_->Stop();
    thread_.join();
  }
  const absl::Status& status() const { return status_; }
  template <typename F>
  auto Call(F fn) {
    std::packaged_task<decltype(fn())()> task(fn);
    auto f = task.get_future();
    loop_->Post([&task] { task(); });
    return f.get();
  }
  std::vector<std::string> Alive() {
    return Call([this] { return segment_->Alive(); });
  }
  bool Ready() {
    return Call([this] { return segment_->ready(); });
  }
  SegmentCounters Counters() {
    return Call([this] { return segment_->counters(); });
  }
  void Leave() {
    Call([this] {
      segment_->Leave();
      return 0;
    });
  }

 private:
  std::thread thread_;
  EventLoop* loop_ = nullptr;
  absl::Status status_;
  std::unique_ptr<LivenessMesh> mesh_;
  std::unique_ptr<Segment> segment_;
};

// Polls until `node` sees exactly `want` alive; returns how long it took, or -1 ms.
std::chrono::milliseconds WaitAlive(Node& node, const std::vector<std::string>& want,
                                    std::chrono::milliseconds limit) {
  const auto start = Clock::now();
  while (Clock::now() - start < limit) {
    if (node.Alive() == want) {
      return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return std::chrono::milliseconds(-1);
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
    EXPECT_GE(WaitAlive(*n, all, std::chrono::seconds(2)).count(), 0);
  }
  // The hold-off after joining (160 ms) has passed by now: everyone is eligible.
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_TRUE(n0.Ready());
  EXPECT_TRUE(n2.Ready());

  // node-2's link is cut: the others expire it after dead_after (160 ms) of silence.
  ASSERT_EQ(lab::Lab::Exec(lab_->speaker(2), "ip link set eth0 down"), 0);
  const auto silence = WaitAlive(n0, {"node-0", "node-1"}, std::chrono::seconds(2));
  EXPECT_GE(silence.count(), 100);  // not before dead_after minus an interval
  EXPECT_LE(silence.count(), 400);
  ASSERT_EQ(lab::Lab::Exec(lab_->speaker(2), "ip link set eth0 up"), 0);
  EXPECT_GE(WaitAlive(n0, all, std::chrono::seconds(3)).count(), 0);

  // node-1 leaves gracefully: gone from the others' view at once.
  n1.Leave();
  const auto left = WaitAlive(n0, {"node-0", "node-2"}, std::chrono::seconds(1));
  EXPECT_GE(left.count(), 0);
  EXPECT_LE(left.count(), 50);
  EXPECT_GT(n0.Counters().adverts_received, 0u);
}

TEST_F(SegmentNetnsTest, ASpeakerWithTheWrongKeyNeverJoins) {
  Node n0(lab_->speaker(0), 0, "key"), n3(lab_->speaker(3), 3, "other-cluster");
  ASSERT_THAT(n0.status(), IsOk());
  ASSERT_THAT(n3.status(), IsOk());
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_THAT(n0.Alive(), ElementsAre("node-0"));
  EXPECT_THAT(n3.Alive(), ElementsAre("node-3"));
  EXPECT_GT(n0.Counters().adverts_rejected, 0u);
}

}  // namespace
}  // namespace ironlb::speaker

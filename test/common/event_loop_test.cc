#include "common/event_loop.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <thread>
#include <vector>

#include "gtest/gtest.h"

namespace ironlb {
namespace {

using namespace std::chrono_literals;

TEST(EventLoopTest, TimersFireInDeadlineOrderAndCancelledOnesNever) {
  auto loop = *EventLoop::Create();
  std::vector<int> fired;
  loop->RunAfter(30ms, [&] { fired.push_back(3); });
  loop->RunAfter(10ms, [&] { fired.push_back(1); });
  EventLoop::TimerId cancelled = loop->RunAfter(20ms, [&] { fired.push_back(2); });
  loop->Cancel(cancelled);
  auto deadline = std::chrono::steady_clock::now() + 30s;  // a hung test only
  while (fired.size() < 2 && std::chrono::steady_clock::now() < deadline) {
    ASSERT_TRUE(loop->RunOnce(50ms).ok());
  }
  EXPECT_EQ(fired, (std::vector<int>{1, 3}));
  EXPECT_EQ(loop->pending_timers(), 0u);
}

// Two timers due in one turn, the first cancelling the second (an object destroyed by one
// callback cancels its own timer): the second must not run, or it would use what was freed.
// Found by router_conntrack_bench: a segment's expiry timer fired after the segment was gone.
TEST(EventLoopTest, ATimerCancelledByAnotherDueInTheSameTurnDoesNotRun) {
  auto loop = *EventLoop::Create();
  std::vector<int> fired;
  EventLoop::TimerId second = 0;
  loop->RunAfter(1ms, [&] {
    fired.push_back(1);
    loop->Cancel(second);
  });
  second = loop->RunAfter(2ms, [&] { fired.push_back(2); });
  loop->RunAfter(3ms, [&] { fired.push_back(3); });
  std::this_thread::sleep_for(20ms);                       // all three due before the loop turns
  auto deadline = std::chrono::steady_clock::now() + 30s;  // a hung test only
  while (fired.size() < 2 && std::chrono::steady_clock::now() < deadline) {
    ASSERT_TRUE(loop->RunOnce(50ms).ok());
  }
  EXPECT_EQ(fired, (std::vector<int>{1, 3}));
  EXPECT_EQ(loop->pending_timers(), 0u);
}

TEST(EventLoopTest, WatchedFdCallsBackUntilUnwatched) {
  auto loop = *EventLoop::Create();
  int fd = eventfd(0, EFD_NONBLOCK);
  int calls = 0;
  ASSERT_TRUE(loop->Watch(fd,
                          [&] {
                            uint64_t n;
                            (void)!read(fd, &n, sizeof(n));
                            ++calls;
                          })
                  .ok());
  uint64_t one = 1;
  (void)!write(fd, &one, sizeof(one));
  ASSERT_TRUE(loop->RunOnce(100ms).ok());
  EXPECT_EQ(calls, 1);
  loop->Unwatch(fd);
  (void)!write(fd, &one, sizeof(one));
  ASSERT_TRUE(loop->RunOnce(20ms).ok());
  EXPECT_EQ(calls, 1);
  close(fd);
}

TEST(EventLoopTest, PostFromAnotherThreadRunsOnTheLoopAndStopEndsRun) {
  auto loop = *EventLoop::Create();
  std::thread::id ran_on;
  std::thread other([&] {
    loop->Post([&] { ran_on = std::this_thread::get_id(); });
    loop->Stop();
  });
  ASSERT_TRUE(loop->Run().ok());
  other.join();
  EXPECT_EQ(ran_on, std::this_thread::get_id());
}

}  // namespace
}  // namespace ironlb

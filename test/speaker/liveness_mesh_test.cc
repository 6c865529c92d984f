// The liveness mesh over real TCP on loopback: authenticated pairs, instant notice of a killed
// peer process, and strangers that can neither join nor fake a death.
#include "speaker/layer2/liveness_mesh.h"

#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "test/support/status_matchers.h"

namespace ironlb::speaker {
namespace {

using ::ironlb::testing::IsOk;
using Clock = std::chrono::steady_clock;

const IpAddress kLoopback = *IpAddress::Parse("127.0.0.1");

// Runs the loop until `done` or `limit` passes.
template <typename F>
bool RunUntil(EventLoop& loop, F done, std::chrono::milliseconds limit) {
  const auto end = Clock::now() + limit;
  while (!done()) {
    if (Clock::now() > end) return false;
    EXPECT_THAT(loop.RunOnce(std::chrono::milliseconds(5)), IsOk());
  }
  return true;
}

class LivenessMeshTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto l = EventLoop::Create();
    ASSERT_THAT(l, IsOk());
    loop_ = std::move(*l);
  }
  std::unique_ptr<LivenessMesh> Mesh(const std::string& name, const std::string& key) {
    auto m = LivenessMesh::Create(
        loop_.get(), name, key, kLoopback, 0,
        [this, name](const std::string& peer) { lost_.push_back(name + " lost " + peer); });
    EXPECT_THAT(m, IsOk());
    return m.ok() ? std::move(*m) : nullptr;
  }
  std::unique_ptr<EventLoop> loop_;
  std::vector<std::string> lost_;
};

TEST_F(LivenessMeshTest, PairsAuthenticateAndAGracefulDropReportsNothing) {
  auto a = Mesh("node-a", "k");
  auto b = Mesh("node-b", "k");
  b->Ensure("node-a", kLoopback, a->port());  // node-b is larger: it waits for node-a
  a->Ensure("node-b", kLoopback, b->port());
  ASSERT_TRUE(RunUntil(
      *loop_, [&] { return a->Connected("node-b") && b->Connected("node-a"); },
      std::chrono::seconds(2)));
  a->Ensure("node-b", kLoopback, b->port());  // idempotent
  a->Drop("node-b");
  RunUntil(
      *loop_, [&] { return !b->Connected("node-a"); }, std::chrono::seconds(2));
  // node-a dropped on purpose (it counted node-b gone, e.g. after missing its adverts on a
  // busy host) and said so first: node-b must not take that for node-a's death and take its
  // VIPs (a false takeover one side's false silence used to cause on the other).
  EXPECT_THAT(lost_, ::testing::IsEmpty());
}

TEST_F(LivenessMeshTest, AKilledPeerProcessIsNoticedWithinMilliseconds) {
  auto a = Mesh("node-a", "k");
  const uint16_t a_port = a->port();
  int ready[2];
  ASSERT_EQ(pipe(ready), 0);
  const pid_t child = fork();
  if (child == 0) {
    // The peer speaker, in its own process: dies by SIGKILL below.
    auto loop = EventLoop::Create();
    auto m = LivenessMesh::Create(loop->get(), "node-z", "k", kLoopback, 0, nullptr);
    const uint16_t port = (*m)->port();
    if (write(ready[1], &port, sizeof(port)) != sizeof(port)) _exit(1);
    for (int i = 0; i < 20000; ++i) (void)(*loop)->RunOnce(std::chrono::milliseconds(1));
    _exit(0);
  }
  uint16_t z_port = 0;
  ASSERT_EQ(read(ready[0], &z_port, sizeof(z_port)), static_cast<ssize_t>(sizeof(z_port)));
  a->Ensure("node-z", kLoopback, z_port);
  ASSERT_TRUE(RunUntil(
      *loop_, [&] { return a->Connected("node-z"); }, std::chrono::seconds(2)));
  const auto killed = Clock::now();
  kill(child, SIGKILL);
  ASSERT_TRUE(RunUntil(
      *loop_, [&] { return !lost_.empty(); }, std::chrono::seconds(2)));
  const auto noticed = Clock::now() - killed;
  waitpid(child, nullptr, 0);
  EXPECT_EQ(lost_[0], "node-a lost node-z");
  RecordProperty(
      "notice_ms",
      std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(noticed).count()));
  EXPECT_LT(noticed, std::chrono::milliseconds(500));
  close(ready[0]);
  close(ready[1]);
  (void)a_port;
}

TEST_F(LivenessMeshTest, WrongKeyNeverConnects) {
  auto a = Mesh("node-a", "right");
  auto b = Mesh("node-b", "wrong");
  a->Ensure("node-b", kLoopback, b->port());
  RunUntil(
      *loop_, [] { return false; }, std::chrono::milliseconds(300));
  EXPECT_FALSE(a->Connected("node-b"));
  EXPECT_FALSE(b->Connected("node-a"));
  EXPECT_TRUE(lost_.empty());
}

TEST_F(LivenessMeshTest, AStrangerThatConnectsAndHangsUpFakesNoDeath) {
  auto b = Mesh("node-b", "k");
  for (const char* junk :
       {"", "hello", "0123456789abcdef\x06node-a0123456789012345678901234567890"}) {
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(b->port());
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof(sa)), 0);
    if (std::strlen(junk) > 0) ASSERT_GT(send(fd, junk, std::strlen(junk), 0), 0);
    RunUntil(
        *loop_, [] { return false; }, std::chrono::milliseconds(50));
    close(fd);
    RunUntil(
        *loop_, [] { return false; }, std::chrono::milliseconds(50));
  }
  EXPECT_FALSE(b->Connected("node-a"));
  EXPECT_TRUE(lost_.empty());
}

}  // namespace
}  // namespace ironlb::speaker

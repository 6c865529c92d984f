// The monitor with a fake prober: a failing backend goes down after `fall` checks and the
// change is announced, a check that cannot run leaves the state alone and is counted, targets
// kept across SetTargets keep their state, removed ones stop being checked. Plus the real
// prober when this process cannot open a socket: a reported problem, not a crash.
#include "health/health_monitor.h"

#include <gtest/gtest.h>
#include <sys/resource.h>

#include <atomic>
#include <chrono>
#include <thread>

namespace ironlb::health {
namespace {

class FakeProber : public Prober {
 public:
  ProbeResult Probe(const config::HealthCheck&, const IpAddress& address, uint16_t) override {
    ++calls;
    std::lock_guard<std::mutex> lock(mu);
    auto it = results.find(address.ToString());
    return it == results.end() ? ProbeResult{ProbeResult::Kind::kUp, "ok"} : it->second;
  }
  void Set(const std::string& a, ProbeResult::Kind k) {
    std::lock_guard<std::mutex> lock(mu);
    results[a] = {k, "fake"};
  }
  std::mutex mu;
  std::map<std::string, ProbeResult> results;
  std::atomic<int> calls{0};
};

CheckTarget Target(const std::string& a) {
  CheckTarget t;
  t.address = *IpAddress::Parse(a);
  t.port = 80;
  t.check.interval_ms = 10;
  t.check.timeout_ms = 5;
  return t;
}

template <typename F>
bool WaitFor(F f) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    if (f()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return f();
}

TEST(HealthMonitorTest, FailingBackendGoesDownAndBackUp) {
  auto prober = std::make_shared<FakeProber>();
  std::atomic<int> changes{0};
  HealthMonitor m(prober, [&] { ++changes; });
  m.SetTargets({{"a", Target("10.0.0.1")}, {"b", Target("10.0.0.2")}});
  ASSERT_TRUE(WaitFor([&] { return prober->calls > 10; }));
  EXPECT_TRUE(m.IsUp("a"));
  EXPECT_EQ(changes, 0);
  prober->Set("10.0.0.1", ProbeResult::Kind::kDown);
  // The state flips under the monitor's lock and the callback runs after it: wait for both.
  ASSERT_TRUE(WaitFor([&] { return !m.IsUp("a") && changes >= 1; }));
  EXPECT_TRUE(m.IsUp("b"));
  EXPECT_EQ(changes, 1);
  for (const BackendHealth& h : m.Snapshot()) {
    if (h.key == "a") {
      EXPECT_FALSE(h.up);
      EXPECT_EQ(h.transitions, 1u);
    }
  }
  // Kept across SetTargets: still down; "b" removed: unknown keys are up.
  m.SetTargets({{"a", Target("10.0.0.1")}});
  EXPECT_FALSE(m.IsUp("a"));
  EXPECT_EQ(m.Snapshot().size(), 1u);
  prober->Set("10.0.0.1", ProbeResult::Kind::kUp);
  ASSERT_TRUE(WaitFor([&] { return m.IsUp("a") && changes >= 2; }));
  EXPECT_EQ(changes, 2);
}

TEST(HealthMonitorTest, LocalErrorIsCountedAndChangesNothing) {
  auto prober = std::make_shared<FakeProber>();
  prober->Set("10.0.0.1", ProbeResult::Kind::kLocalError);
  HealthMonitor m(prober, nullptr);
  m.SetTargets({{"a", Target("10.0.0.1")}});
  ASSERT_TRUE(WaitFor([&] {
    auto s = m.Snapshot();
    return !s.empty() && s[0].local_errors >= 5;
  }));
  EXPECT_TRUE(m.IsUp("a"));
  EXPECT_FALSE(m.Snapshot()[0].known);
}

TEST(HealthMonitorTest, NoneChecksAreNotRun) {
  auto prober = std::make_shared<FakeProber>();
  HealthMonitor m(prober, nullptr);
  CheckTarget t = Target("10.0.0.1");
  t.check.type = config::HealthCheckType::kNone;
  m.SetTargets({{"a", t}});
  EXPECT_TRUE(m.Snapshot().empty());
  EXPECT_TRUE(m.IsUp("a"));
}

TEST(SocketProberTest, NoFileDescriptorsLeftIsALocalErrorNotACrash) {
  auto prober = MakeSocketProber();
  config::HealthCheck tcp;
  config::HealthCheck udp;
  udp.type = config::HealthCheckType::kUDP;
  // One call while descriptors are left: UBSan checks a virtual call's type once and caches it,
  // and its first check needs a pipe (it would report a false "invalid vptr" with none left).
  (void)prober->Probe(tcp, *IpAddress::Parse("127.0.0.1"), 9);
  rlimit saved;
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &saved), 0);
  rlimit none = saved;
  none.rlim_cur = 0;
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &none), 0);
  const ProbeResult r1 = prober->Probe(tcp, *IpAddress::Parse("127.0.0.1"), 9);
  const ProbeResult r2 = prober->Probe(udp, *IpAddress::Parse("127.0.0.1"), 9);
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &saved), 0);
  EXPECT_EQ(r1.kind, ProbeResult::Kind::kLocalError) << r1.detail;
  EXPECT_NE(r1.detail.find("cannot open a TCP socket"), std::string::npos) << r1.detail;
  EXPECT_EQ(r2.kind, ProbeResult::Kind::kLocalError) << r2.detail;
}

}  // namespace
}  // namespace ironlb::health

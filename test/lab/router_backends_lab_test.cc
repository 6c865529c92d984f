// Balanced forwards end to end: an outside client -> the router (ironlb-speaker with a
// PortForward target of three backends, TCP health checks at the defaults) -> the backends on
// the LAN, which answer with their host name. Killing a backend: new connections avoid it once
// its checks fail (the time is measured and printed, not asserted: a loaded machine is slow);
// bringing it back: it gets connections again; draining another: it gets none; `ironlbctl
// status` shows each backend with its health; every backend dead: the status names it and
// /metrics says so.
#include <signal.h>

#include <filesystem>
#include <map>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "test/lab/host_command.h"
#include "test/lab/lab.h"
#include "test/lab/prober.h"
#include "test/support/status_matchers.h"

#ifndef IRONLB_SPEAKER_BINARY
#error "IRONLB_SPEAKER_BINARY must name ironlb-speaker (set by test/lab/CMakeLists.txt)"
#endif

namespace ironlb::lab {
namespace {

using ::ironlb::testing::IsOk;
using ::testing::HasSubstr;

constexpr char kOutside[] = "10.91.0.1";

std::string Config(bool drain_s1) {
  return absl::StrCat(R"(apiVersion: ironlb.io/v1alpha1
kind: PortForward
metadata: {name: web}
spec:
  addresses: [10.91.0.1]
  targets:
  - protocol: TCP
    port: 80
    targetPort: 8080
    whenAllDown: Reject
    backends:
    - {address: 10.90.0.11}
    - {address: 10.90.0.12, draining: )",
                      drain_s1 ? "true" : "false", R"(}
    - {address: 10.90.0.13}
---
)");
}

class RouterBackendsLabTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto l = Lab::Create({.speakers = 3, .router = true, .backend_ports = {}});
    ASSERT_THAT(l, IsOk());
    lab_ = std::move(*l);
    for (int i = 0; i < 3; ++i) ASSERT_TRUE(StartBackend(i));
    dir_ = lab_->work_dir() + "/router";
    std::filesystem::create_directories(dir_);
    WriteFile(dir_ + "/config.yaml", Config(false));
    auto r = lab_->Spawn(*lab_->router(),
                         {IRONLB_SPEAKER_BINARY, "--config-dir", dir_, "--node-name", "router",
                          "--metrics-address", "127.0.0.1:7473", "--status-socket", Socket()},
                         "router");
    ASSERT_THAT(r, IsOk());
    router_ = std::move(*r);
  }

  void TearDown() override {
    if (HasFailure()) {
      std::cout << "---- router log\n" << ReadFile(lab_->work_dir() + "/router.log") << "\n";
    }
    router_.reset();
    backends_.clear();
    lab_.reset();
  }

  std::string Socket() const { return lab_->work_dir() + "/status-router.sock"; }

  bool StartBackend(int i) {
    const Host& h = lab_->speaker(i);
    auto p = lab_->Spawn(h, {IRONLB_LAB_BACKEND_BINARY, "--name", h.name, "--port", "8080"},
                         "backend-" + h.name);
    if (!p.ok()) return false;
    backends_[i] = std::move(*p);
    for (int n = 0; n < 200; ++n) {
      auto name = ProbeOnce(h.netns, "127.0.0.1", 8080, Protocol::kTcp, absl::Milliseconds(200));
      if (name.ok() && *name == h.name) return true;
      absl::SleepFor(absl::Milliseconds(20));
    }
    return false;
  }

  // New connections from outside; who answered (or the error).
  std::map<std::string, int> Spread(int n) {
    std::map<std::string, int> seen;
    for (int i = 0; i < n; ++i) {
      auto r = ProbeOnce(lab_->outside_client()->netns, kOutside, 80, Protocol::kTcp,
                         absl::Milliseconds(1000));
      ++seen[r.ok() ? *r : "error"];
    }
    return seen;
  }

  // Bounded wait until `n` consecutive new connections satisfy `good`; the time it took.
  absl::StatusOr<absl::Duration> UntilConsecutive(
      int n, const std::function<bool(const std::string&)>& good,
      absl::Duration limit = absl::Seconds(30)) {
    const absl::Time start = absl::Now();
    absl::Time streak_start = start;
    int streak = 0;
    while (absl::Now() - start < limit) {
      auto r = ProbeOnce(lab_->outside_client()->netns, kOutside, 80, Protocol::kTcp,
                         absl::Milliseconds(1000));
      const std::string who = r.ok() ? *r : "error";
      if (good(who)) {
        if (streak++ == 0) streak_start = absl::Now();
        if (streak >= n) return streak_start - start;
      } else {
        streak = 0;
      }
    }
    return absl::DeadlineExceededError("no streak of good connections");
  }

  std::string Status() {
    auto r = lab_->Run(*lab_->router(), {IRONLB_CTL_BINARY, "status", "--status-socket", Socket()});
    return r.ok() ? r->output : std::string(r.status().message());
  }

  // `ironlbctl explain PortForward/web` on the router.
  std::string Explain() {
    auto r = lab_->Run(*lab_->router(), {IRONLB_CTL_BINARY, "explain", "PortForward/web",
                                         "--config-dir", dir_, "--status-socket", Socket()});
    return r.ok() ? r->output : std::string(r.status().message());
  }

  std::unique_ptr<Lab> lab_;
  std::string dir_;
  std::unique_ptr<HostProcess> router_;
  std::map<int, std::unique_ptr<HostProcess>> backends_;
};

TEST_F(RouterBackendsLabTest, KillReviveDrainAndAllDown) {
  // All three serve.
  std::map<std::string, int> seen;
  const absl::Time start = absl::Now();
  while (seen.size() < 3 && absl::Now() - start < absl::Seconds(30)) {
    for (auto& [who, n] : Spread(10)) {
      if (who != "error") seen[who] += n;
    }
  }
  ASSERT_EQ(seen.size(), 3u) << ::testing::PrintToString(seen);

  // s0's backend dies: new connections avoid it once its checks have failed.
  backends_[0].reset();
  auto detected =
      UntilConsecutive(40, [](const std::string& who) { return who == "s1" || who == "s2"; });
  ASSERT_THAT(detected, IsOk());
  std::cout << "backend-down: new connections avoid the dead backend after "
            << absl::ToDoubleMilliseconds(*detected) << " ms (measured)\n";
  EXPECT_THAT(Status(), HasSubstr("10.90.0.11:8080 w1 down"));
  // explain: the dead backend takes no new connections, with the router's reason and check.
  const std::string why = Explain();
  EXPECT_THAT(why, HasSubstr("down: its health checks fail")) << why;
  EXPECT_THAT(why, HasSubstr("10.90.0.11:8080")) << why;
  EXPECT_THAT(why, HasSubstr("0.0%")) << why;

  // Back: it gets connections again (rise 2).
  ASSERT_TRUE(StartBackend(0));
  auto back = UntilConsecutive(1, [](const std::string& who) { return who == "s0"; });
  ASSERT_THAT(back, IsOk());
  std::cout << "backend-up: the revived backend answers again after "
            << absl::ToDoubleMilliseconds(*back) << " ms\n";

  // Drain s1: no new connections go there.
  WriteFile(dir_ + "/config.yaml", Config(true));
  router_->Signal(SIGHUP);
  auto drained =
      UntilConsecutive(40, [](const std::string& who) { return who == "s0" || who == "s2"; });
  ASSERT_THAT(drained, IsOk());
  const std::string status = Status();
  EXPECT_THAT(status, HasSubstr("10.90.0.12:8080 w1 draining")) << status;
  EXPECT_THAT(status, HasSubstr("10.90.0.11:8080 w1 up")) << status;
  EXPECT_THAT(Explain(), HasSubstr("draining: it keeps its connections and takes no new ones"));

  // Every backend gone: new connections are rejected (whenAllDown: Reject), and it is said.
  backends_.clear();
  auto rejected = UntilConsecutive(5, [](const std::string& who) { return who == "error"; });
  ASSERT_THAT(rejected, IsOk());
  const absl::Time wait_start = absl::Now();
  std::string down;
  while (absl::Now() - wait_start < absl::Seconds(30)) {
    down = Status();
    if (absl::StrContains(down, "all backends down or draining")) break;
    absl::SleepFor(absl::Milliseconds(100));
  }
  EXPECT_THAT(down, HasSubstr("all backends down or draining; new connections are rejected"));
  auto metrics = lab_->Run(*lab_->router(), {"curl", "-s", "http://127.0.0.1:7473/metrics"});
  ASSERT_THAT(metrics, IsOk());
  EXPECT_THAT(metrics->output,
              HasSubstr("ironlb_forward_all_backends_down{group=\"web\",outside=\"10.91.0.1\","
                        "protocol=\"tcp\",port=\"80\"} 1"));
  EXPECT_THAT(metrics->output, HasSubstr("ironlb_backend_connections_total{"));
}

}  // namespace
}  // namespace ironlb::lab

// The daemon building blocks against the real kernel and a real HTTP exchange on loopback:
// signals through signalfd, /healthz, /readyz and /metrics, logging formats, errno mapping.
#include "common/daemon.h"

#include <fcntl.h>
#include <httplib.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>

#include "absl/strings/string_view.h"
#include "common/errno_status.h"
#include "common/event_loop.h"
#include "common/http_server.h"
#include "common/log.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "test/support/status_matchers.h"

namespace ironlb {
namespace {

using ::ironlb::testing::IsOk;
using ::ironlb::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::StartsWith;

TEST(SignalSetTest, DeliversSignalsThroughItsFd) {
  auto set = SignalSet::Create({SIGHUP, SIGUSR1});
  ASSERT_THAT(set, IsOk());
  EXPECT_EQ(*(*set)->Wait(absl::Milliseconds(10)), 0);
  ASSERT_EQ(raise(SIGUSR1), 0);  // blocked, so it waits in the fd instead of killing us
  EXPECT_EQ(*(*set)->Wait(absl::Seconds(2)), SIGUSR1);
  ASSERT_EQ(raise(SIGHUP), 0);
  EXPECT_EQ(*(*set)->Wait(absl::Seconds(2)), SIGHUP);
}

TEST(RunUntilStoppedTest, ReloadsOnSighupAndStopsOnSigterm) {
  auto set = SignalSet::Create({SIGHUP, SIGTERM});
  ASSERT_THAT(set, IsOk());
  int reloads = 0;
  int ticks = 0;
  ASSERT_EQ(raise(SIGHUP), 0);
  LoopHooks hooks{.on_reload =
                      [&] {
                        ++reloads;
                        raise(SIGTERM);
                      },
                  .on_tick = [&] { ++ticks; },
                  .tick = absl::Milliseconds(1)};
  EXPECT_EQ(RunUntilStopped(**set, hooks), SIGTERM);
  EXPECT_EQ(reloads, 1);
}

// Stand-in for a broken signalfd: a pipe whose writer is gone is always readable and reads
// give nothing.
void BreakSignalFd(const SignalSet& set) {
  int p[2];
  ASSERT_EQ(pipe2(p, O_CLOEXEC), 0);
  close(p[1]);
  ASSERT_EQ(dup2(p[0], set.fd()), set.fd());
  close(p[0]);
}

TEST(SignalSetTest, AShortReadIsAnErrorNotASignal) {
  auto set = SignalSet::Create({SIGUSR2});
  ASSERT_THAT(set, IsOk());
  BreakSignalFd(**set);
  EXPECT_THAT((*set)->Wait(absl::Milliseconds(100)),
              StatusIs(absl::StatusCode::kDataLoss, "read signalfd"));
}

TEST(WatchSignalsTest, DispatchesReloadAndStopOnTheLoop) {
  auto set = SignalSet::Create({SIGHUP, SIGTERM});
  auto loop = EventLoop::Create();
  ASSERT_THAT(set, IsOk());
  ASSERT_THAT(loop, IsOk());
  int reloads = 0, stops = 0;
  ASSERT_THAT(WatchSignals(**loop, **set,
                           {.on_reload = [&] { ++reloads; },
                            .on_stop =
                                [&] {
                                  ++stops;
                                  (*loop)->Stop();
                                },
                            .on_error = [](const absl::Status&) { ADD_FAILURE(); }}),
              IsOk());
  ASSERT_EQ(raise(SIGHUP), 0);
  ASSERT_EQ(raise(SIGTERM), 0);
  ASSERT_THAT((*loop)->Run(), IsOk());
  EXPECT_EQ(reloads, 1);
  EXPECT_EQ(stops, 1);
}

// A signal descriptor that cannot be read any more is reported once (the daemon then stops,
// since no SIGTERM can reach it) and no longer watched, instead of being ignored while the
// loop spins on it.
TEST(WatchSignalsTest, AReadErrorIsReportedOnceAndStopsTheWatch) {
  auto set = SignalSet::Create({SIGUSR2});
  auto loop = EventLoop::Create();
  ASSERT_THAT(set, IsOk());
  ASSERT_THAT(loop, IsOk());
  int errors = 0;
  BreakSignalFd(**set);
  ASSERT_THAT(WatchSignals(**loop, **set,
                           {.on_stop = [] { ADD_FAILURE(); },
                            .on_error = [&](const absl::Status&) { ++errors; }}),
              IsOk());
  // Turn the loop a bounded number of times: a watch left in place would fire on every turn.
  for (int i = 0; i < 20; ++i) ASSERT_THAT((*loop)->RunOnce(std::chrono::milliseconds(5)), IsOk());
  EXPECT_EQ(errors, 1);
}

TEST(HttpServerTest, ServesHealthReadinessAndMetricsOnLoopback) {
  metrics::Registry registry;
  RegisterBuildInfo(registry, "test");
  bool ready = false;
  auto server = HttpServer::Start(
      "127.0.0.1:0", {.registry = &registry, .healthy = nullptr, .ready = [&]() -> absl::Status {
                        return ready ? absl::OkStatus()
                                     : absl::UnavailableError("no valid configuration yet");
                      }});
  ASSERT_THAT(server, IsOk());
  httplib::Client client("127.0.0.1", (*server)->port());
  client.set_connection_timeout(2);
  client.set_read_timeout(2);

  auto health = client.Get("/healthz");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
  auto not_ready = client.Get("/readyz");
  ASSERT_TRUE(not_ready);
  EXPECT_EQ(not_ready->status, 503);
  EXPECT_THAT(not_ready->body, HasSubstr("no valid configuration yet"));
  ready = true;
  auto is_ready = client.Get("/readyz");
  ASSERT_TRUE(is_ready);
  EXPECT_EQ(is_ready->status, 200);
  auto m = client.Get("/metrics");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->status, 200);
  EXPECT_THAT(m->get_header_value("Content-Type"), StartsWith("text/plain; version=0.0.4"));
  EXPECT_THAT(m->body, HasSubstr("ironlb_build_info{component=\"test\",version=\""));
  (*server)->Stop();
}

TEST(HttpServerTest, ExplainsAddressesItCannotUse) {
  EXPECT_THAT(HttpServer::Start("127.0.0.1", {}),
              StatusIs(absl::StatusCode::kInvalidArgument, "HOST:PORT"));
  EXPECT_THAT(HttpServer::Start("127.0.0.1:99999", {}),
              StatusIs(absl::StatusCode::kInvalidArgument, "0..65535"));
  auto first = HttpServer::Start("127.0.0.1:0", {});
  ASSERT_THAT(first, IsOk());
  EXPECT_THAT(HttpServer::Start(absl::StrCat("127.0.0.1:", (*first)->port()), {}),
              StatusIs(absl::StatusCode::kUnavailable, "--metrics-address"));
  auto v6 = ParseHostPort("[::1]:7472");
  ASSERT_THAT(v6, IsOk());
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->port, 7472);
  auto any = ParseHostPort(":7472");
  ASSERT_THAT(any, IsOk());
  EXPECT_EQ(any->host, "");
}

TEST(ErrnoStatusTest, NamesTheObjectAndTheErrno) {
  const absl::Status s = ErrnoToStatus(EEXIST, "nft: add set ironlb/vips4");
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kAlreadyExists,
                          "nft: add set ironlb/vips4: File exists (EEXIST)"));
  EXPECT_THAT(ErrnoToStatus(EPERM, "x"), StatusIs(absl::StatusCode::kPermissionDenied, "EPERM"));
  EXPECT_THAT(ErrnoToStatus(ENOENT, "x"), StatusIs(absl::StatusCode::kNotFound, "ENOENT"));
  EXPECT_THAT(ErrnoToStatus(EOPNOTSUPP, "x"),
              StatusIs(absl::StatusCode::kUnimplemented, "EOPNOTSUPP"));
  EXPECT_THAT(ErrnoToStatus(0, "x"), IsOk());
}

class LogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    log::SetSink([this](absl::string_view l) { lines_.emplace_back(l); });
  }
  void TearDown() override {
    log::SetSink(nullptr);
    ASSERT_THAT(log::Configure("info", "logfmt"), IsOk());
  }
  std::vector<std::string> lines_;
};

TEST_F(LogTest, WritesLogfmtWithQuotingAndFiltersByLevel) {
  ASSERT_THAT(log::Configure("info", "logfmt"), IsOk());
  IRONLB_LOG(kDebug, "hidden");
  IRONLB_LOG(kInfo, "vip claimed")
      .With("vip", "192.0.2.10")
      .With("count", 3)
      .With("why", "peer \"a\" died");
  ASSERT_EQ(lines_.size(), 1u);
  EXPECT_THAT(lines_[0], HasSubstr(" level=info msg=\"vip claimed\" vip=192.0.2.10 count=3 "
                                   "why=\"peer \\\"a\\\" died\""));
  EXPECT_THAT(lines_[0], StartsWith("ts=20"));
}

TEST_F(LogTest, WritesJson) {
  ASSERT_THAT(log::Configure("debug", "json"), IsOk());
  IRONLB_LOG(kWarn, "slow")
      .With("ms", 12.5)
      .With("ok", false)
      .With("err", absl::InternalError("boom"));
  ASSERT_EQ(lines_.size(), 1u);
  auto j = nlohmann::json::parse(lines_[0]);
  EXPECT_EQ(j["level"], "warn");
  EXPECT_EQ(j["msg"], "slow");
  EXPECT_EQ(j["ms"], 12.5);
  EXPECT_EQ(j["ok"], false);
  EXPECT_EQ(j["err"], "boom");
}

TEST_F(LogTest, RejectsUnknownLevelsAndFormatsNamingTheFlag) {
  EXPECT_THAT(log::Configure("loud", "logfmt"),
              StatusIs(absl::StatusCode::kInvalidArgument, "--log-level"));
  EXPECT_THAT(log::Configure("info", "xml"),
              StatusIs(absl::StatusCode::kInvalidArgument, "--log-format"));
}

}  // namespace
}  // namespace ironlb

// Hitless restarts in BGP mode (issue 16): an outside client sends requests to a VIP through a
// real FRR router (graceful-restart helper, FRR's default) while, on the one speaker node,
//  (a) ironlb-speaker is restarted (SIGTERM, the default "coming back" meaning): the router's
//      route never goes away and the router receives no UPDATE at all (no withdraw, no
//      re-announce); the next process adopts bgpd's configuration and leaves the operator's own
//      objects alone; leaving for good (SIGUSR2) still withdraws;
//  (b) with enableGracefulRestart, the node's bgpd is killed and started again: the router keeps
//      the route (stale, still forwarding) until the new bgpd, configured again by the running
//      speaker, refreshes it.
// The router's BGP table and kernel route are watched by polling all along; no request may fail.
#include <signal.h>

#include <atomic>
#include <fstream>
#include <mutex>
#include <thread>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "test/lab/frr_host.h"
#include "test/lab/host_command.h"
#include "test/lab/ironlb_holder.h"
#include "test/lab/lab.h"
#include "test/lab/prober.h"
#include "test/support/status_matchers.h"

namespace ironlb::lab {
namespace {

using ::ironlb::testing::IsOk;
using ::testing::HasSubstr;
using Json = nlohmann::json;

constexpr char kVip[] = "10.90.100.20";
constexpr char kPrefix[] = "10.90.100.20/32";
constexpr uint32_t kAsn = 64512;

constexpr char kConfigYaml[] = R"(apiVersion: ironlb.io/v1alpha1
kind: BGPPeer
metadata: {name: router}
spec: {myASN: 64512, peerASN: 64512, peerAddress: 10.90.0.1, holdTime: 9s, keepaliveTime: 3s,
       enableGracefulRestart: true}
---
apiVersion: ironlb.io/v1alpha1
kind: AddressPool
metadata: {name: vips}
spec: {addresses: ["10.90.100.0/24"]}
---
apiVersion: ironlb.io/v1alpha1
kind: BGPAdvertisement
metadata: {name: upstream}
spec: {ipAddressPools: [vips]}
---
apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: lab
  annotations: {ironlb.io/addresses: "10.90.100.20"}
spec: {type: LoadBalancer, ports: [{protocol: TCP, port: 8080}]}
)";

// What the router holds for the VIP at one instant.
struct RouteSample {
  bool bgp = false;     // a valid path in bgpd's table
  bool stale = false;   // that path is marked stale (graceful restart)
  bool kernel = false;  // the route in the router's kernel
};

class BgpRestartLabTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto l = Lab::Create({.speakers = 1, .router = true});
    ASSERT_THAT(l, IsOk());
    lab_ = std::move(*l);
    dir_ = lab_->work_dir() + "/ironlb-config";
    ASSERT_THAT(RunChecked({"mkdir", "-p", dir_}), IsOk());
    std::ofstream(dir_ + "/config.yaml") << kConfigYaml;
    router_frr_ = std::make_unique<FrrHost>(lab_.get(), *lab_->router());
    ASSERT_THAT(router_frr_->Start({"zebra", "bgpd"}), IsOk());
    // Graceful restart: FRR's default helper mode, nothing to configure on the router.
    ASSERT_THAT(router_frr_->Vtysh({"configure terminal", absl::StrCat("router bgp ", kAsn),
                                    "bgp router-id 10.90.0.1", "no bgp default ipv4-unicast",
                                    absl::StrCat("neighbor ", s0().ipv4, " remote-as ", kAsn),
                                    absl::StrCat("neighbor ", s0().ipv4, " timers 3 9"),
                                    absl::StrCat("neighbor ", s0().ipv4, " timers connect 1"),
                                    "address-family ipv4 unicast",
                                    absl::StrCat("neighbor ", s0().ipv4, " activate")}),
                IsOk());
    ASSERT_THAT(lab_->AddVip(s0(), kVip), IsOk());  // the backend answers on it (kube-proxy's part)
    speaker_frr_ = std::make_unique<FrrHost>(lab_.get(), s0());
    ASSERT_THAT(speaker_frr_->Start({"zebra", "staticd", "bgpd", "bfdd"}), IsOk());
    // The operator's own object in the node's bgpd, which the speaker must leave alone.
    ASSERT_THAT(speaker_frr_->Vtysh({"configure terminal", "route-map operator-own permit 10"}),
                IsOk());
    ASSERT_NO_FATAL_FAILURE(StartSpeaker());
  }
  void TearDown() override {
    StopWatching();
    speaker_.reset();
    speaker_frr_.reset();
    router_frr_.reset();
    lab_.reset();
  }
  const Host& s0() const { return lab_->speaker(0); }

  void StartSpeaker() {
    auto p = lab_->Spawn(
        s0(),
        {IRONLB_SPEAKER_BINARY, "--config-dir", dir_, "--node-name", s0().name, "--frr-vty-dir",
         speaker_frr_->vty_dir(), "--frr-grpc-ports",
         absl::StrCat(FrrHost::kStaticdGrpc, ",", FrrHost::kBgpdGrpc, ",", FrrHost::kBfddGrpc),
         "--metrics-address", "127.0.0.1:7473"},
        absl::StrCat("ironlb-speaker-", s0().name, "-", ++generation_));
    ASSERT_THAT(p, IsOk());
    speaker_ = std::move(*p);
  }
  // Waits until the running speaker has read FRR and found it holding its desired state (a fresh
  // process's gauge starts at 0).
  bool WaitSpeakerApplied() {
    if (WaitForSpeakerMetric(
            *lab_, s0(), "ironlb_bgp_frr_in_sync", [](double v) { return v == 1; },
            absl::Seconds(60)) == 1) {
      return true;
    }
    auto m = lab_->Run(s0(), {"curl", "-s", "--max-time", "2", "http://127.0.0.1:7473/metrics"});
    std::printf("speaker's metrics: %s\n", m.ok() ? m->output.c_str() : "(unreadable)");
    return false;
  }

  Json RouterJson(const std::string& command) {
    auto out = router_frr_->Vtysh({command});
    if (!out.ok()) return Json();
    Json j = Json::parse(*out, nullptr, false);
    return j.is_discarded() ? Json() : j;
  }
  RouteSample Sample() {
    RouteSample s;
    const Json j = RouterJson(absl::StrCat("show bgp ipv4 unicast ", kPrefix, " json"));
    if (j.is_object() && j.contains("paths")) {
      for (const Json& p : j["paths"]) {
        if (!p.value("valid", false)) continue;
        s.bgp = true;
        s.stale = s.stale || p.value("stale", false);
      }
    }
    auto k = lab_->Run(*lab_->router(), {"ip", "-4", "route", "show", kPrefix});
    s.kernel = k.ok() && k->exit_code == 0 && k->output.find(s0().ipv4) != std::string::npos;
    return s;
  }
  Json RouterNeighbor() {
    const Json j = RouterJson(absl::StrCat("show bgp neighbors ", s0().ipv4, " json"));
    return j.is_object() && j.contains(s0().ipv4) ? j[s0().ipv4] : Json::object();
  }
  // Waits until the router's session with s0 is Established with graceful restart negotiated
  // (s0 restarting, the router helping): the speaker's first configuration resets the session
  // once, so nothing is compared before this. Returns the neighbor's JSON.
  Json WaitGracefulRestartSession() {
    Json n;
    for (int i = 0; i < 600; ++i) {
      n = RouterNeighbor();
      if (n.value("bgpState", "") == "Established" && n.contains("gracefulRestartInfo") &&
          n["gracefulRestartInfo"].value("remoteGrMode", "") == "Restart") {
        break;
      }
      absl::SleepFor(absl::Milliseconds(100));
    }
    return n;
  }
  // UPDATE messages the router has received from s0 on its current session.
  int64_t UpdatesReceived() {
    const Json n = RouterNeighbor();
    if (!n.contains("messageStats")) return -1;
    return n["messageStats"].value("updatesRecv", int64_t{-1});
  }
  // Waits (at most 3 min) until the router's count of UPDATEs from s0 has not moved for `quiet`.
  bool WaitUpdatesQuiet(absl::Duration quiet) {
    const absl::Time deadline = absl::Now() + absl::Minutes(3);
    int64_t last = UpdatesReceived();
    absl::Time since = absl::Now();
    while (absl::Now() < deadline) {
      absl::SleepFor(absl::Milliseconds(200));
      const int64_t now = UpdatesReceived();
      if (now != last) {
        last = now;
        since = absl::Now();
      } else if (absl::Now() - since >= quiet) {
        return true;
      }
    }
    return false;
  }
  bool WaitRouter(const std::function<bool(const RouteSample&)>& good, absl::Duration limit) {
    const absl::Time deadline = absl::Now() + limit;
    while (absl::Now() < deadline) {
      if (good(Sample())) return true;
      absl::SleepFor(absl::Milliseconds(50));
    }
    return false;
  }

  // Polls the router on a thread of its own until StopWatching (bounded: 10 min).
  void StartWatching() {
    watching_ = true;
    watcher_ = std::thread([this] {
      const absl::Time deadline = absl::Now() + absl::Minutes(10);
      while (watching_ && absl::Now() < deadline) {
        const RouteSample s = Sample();
        std::lock_guard<std::mutex> lock(mu_);
        samples_.push_back(s);
      }
    });
  }
  void StopWatching() {
    watching_ = false;
    if (watcher_.joinable()) watcher_.join();
  }
  size_t SampleCount() {
    std::lock_guard<std::mutex> lock(mu_);
    return samples_.size();
  }
  // Waits until the watcher has taken `n` more samples (so a change just made had its chance
  // to show on the router).
  bool WaitMoreSamples(size_t n) {
    const size_t want = SampleCount() + n;
    const absl::Time deadline = absl::Now() + absl::Seconds(120);
    while (SampleCount() < want && absl::Now() < deadline) absl::SleepFor(absl::Milliseconds(20));
    return SampleCount() >= want;
  }

  std::unique_ptr<Prober> StartProber() {
    auto p = Prober::Start(lab_->outside_client()->netns, {.vip = kVip,
                                                           .interval = absl::Milliseconds(20),
                                                           .timeout = absl::Seconds(2),
                                                           .max_requests = 30000,
                                                           .max_duration = absl::Minutes(10)});
    EXPECT_THAT(p, IsOk());
    return p.ok() ? std::move(*p) : nullptr;
  }
  static int Failed(const std::vector<ProbeResult>& results, std::string* first_error) {
    int failed = 0;
    for (const ProbeResult& r : results) {
      if (r.ok) continue;
      if (failed++ == 0) *first_error = r.error;
    }
    return failed;
  }

  std::unique_ptr<Lab> lab_;
  std::string dir_;
  std::unique_ptr<FrrHost> router_frr_, speaker_frr_;
  std::unique_ptr<HostProcess> speaker_;
  int generation_ = 0;
  std::atomic<bool> watching_{false};
  std::thread watcher_;
  std::mutex mu_;
  std::vector<RouteSample> samples_;  // guarded by mu_
};

TEST_F(BgpRestartLabTest, ASpeakerRestartLeavesTheRouteUntouchedAndLeavingWithdrawsIt) {
  ASSERT_TRUE(
      WaitRouter([](const RouteSample& s) { return s.bgp && s.kernel; }, absl::Seconds(60)));
  ASSERT_TRUE(WaitSpeakerApplied());
  auto first =
      ProbeOnce(lab_->outside_client()->netns, kVip, 8080, Protocol::kTcp, absl::Seconds(5));
  ASSERT_THAT(first, IsOk());
  EXPECT_EQ(*first, "s0");
  const Json session = WaitGracefulRestartSession();
  ASSERT_EQ(session.value("bgpState", ""), "Established") << session.dump();
  ASSERT_TRUE(
      WaitRouter([](const RouteSample& s) { return s.bgp && s.kernel; }, absl::Seconds(60)));
  // The speaker's own first configuration is still settling: bgpd re-runs its outbound policy
  // on its route-map timer (5 s after the route-maps were made) and may send the route once
  // more. Only a count that stayed put well past that is the baseline.
  ASSERT_TRUE(WaitUpdatesQuiet(absl::Seconds(15)));
  const int64_t updates_before = UpdatesReceived();
  ASSERT_GE(updates_before, 1);
  const int sessions_before = RouterNeighbor().value("connectionsEstablished", 0);

  auto prober = StartProber();
  ASSERT_NE(prober, nullptr);
  StartWatching();
  for (int round = 0; round < 3; ++round) {
    speaker_->Signal(SIGTERM);
    ASSERT_TRUE(speaker_->WaitExit(absl::Seconds(30))) << "round " << round;
    ASSERT_TRUE(WaitMoreSamples(5));  // the router with no speaker running
    ASSERT_NO_FATAL_FAILURE(StartSpeaker());
    ASSERT_TRUE(WaitSpeakerApplied()) << "round " << round;
    ASSERT_TRUE(WaitMoreSamples(10));  // whatever the new process did has reached the router
  }
  // Requests after the last restart, then stop.
  const absl::Time after = absl::Now();
  ASSERT_THAT(prober->WaitForAnswerFrom(after, "", absl::Seconds(30)), IsOk());
  prober->Stop();
  StopWatching();

  std::string first_error;
  const std::vector<ProbeResult> results = prober->Results();
  EXPECT_GT(results.size(), 10u);
  EXPECT_EQ(Failed(results, &first_error), 0) << first_error;
  int missing = 0;
  for (const RouteSample& s : samples_) missing += (!s.bgp || !s.kernel) ? 1 : 0;
  EXPECT_EQ(missing, 0) << "of " << samples_.size() << " samples of the router's route";
  std::printf("3 speaker restarts: %zu requests, %zu route samples on the router\n", results.size(),
              samples_.size());
  // No withdraw, no re-announce: not one UPDATE reached the router, on the same session.
  EXPECT_EQ(UpdatesReceived(), updates_before);
  EXPECT_EQ(RouterNeighbor().value("connectionsEstablished", 0), sessions_before);
  // The operator's own object in bgpd is still there.
  auto running = speaker_frr_->Vtysh({"show running-config"});
  ASSERT_THAT(running, IsOk());
  EXPECT_THAT(*running, HasSubstr("route-map operator-own permit 10"));

  // Leaving for good (SIGUSR2) withdraws the route before the process exits.
  speaker_->Signal(SIGUSR2);
  EXPECT_TRUE(
      WaitRouter([](const RouteSample& s) { return !s.bgp && !s.kernel; }, absl::Seconds(30)));
  EXPECT_TRUE(speaker_->WaitExit(absl::Seconds(30)));
}

TEST_F(BgpRestartLabTest, WithGracefulRestartTheRouterKeepsTheRouteWhileBgpdRestarts) {
  ASSERT_TRUE(
      WaitRouter([](const RouteSample& s) { return s.bgp && s.kernel; }, absl::Seconds(60)));
  ASSERT_TRUE(WaitSpeakerApplied());
  // The session negotiated graceful restart: s0 restarts, the router helps (FRR's default),
  // and s0 says its forwarding state survives a restart of its bgpd (the F bit).
  const Json n = WaitGracefulRestartSession();
  ASSERT_TRUE(n.contains("gracefulRestartInfo")) << n.dump();
  const Json& gr = n["gracefulRestartInfo"];
  ASSERT_EQ(gr.value("remoteGrMode", ""), "Restart") << n.dump();
  ASSERT_THAT(gr.value("localGrMode", ""), ::testing::StartsWith("Helper")) << n.dump();
  ASSERT_TRUE(
      WaitRouter([](const RouteSample& s) { return s.bgp && s.kernel; }, absl::Seconds(60)));

  auto prober = StartProber();
  ASSERT_NE(prober, nullptr);
  StartWatching();
  for (int round = 0; round < 2; ++round) {
    const int sessions_before = RouterNeighbor().value("connectionsEstablished", 0);
    speaker_frr_->Kill("bgpd");
    // The router keeps the path, marked stale, while s0 has no bgpd.
    ASSERT_TRUE(WaitRouter([](const RouteSample& s) { return s.stale; }, absl::Seconds(60)))
        << "round " << round;
    ASSERT_THAT(speaker_frr_->Start({"bgpd"}), IsOk());
    // The running speaker configures the new bgpd again; the refreshed path is no longer stale,
    // on a new session.
    ASSERT_TRUE(
        WaitRouter([](const RouteSample& s) { return s.bgp && !s.stale; }, absl::Seconds(120)))
        << "round " << round;
    EXPECT_GT(RouterNeighbor().value("connectionsEstablished", 0), sessions_before);
    ASSERT_TRUE(WaitMoreSamples(5));
  }
  const absl::Time after = absl::Now();
  ASSERT_THAT(prober->WaitForAnswerFrom(after, "", absl::Seconds(30)), IsOk());
  prober->Stop();
  StopWatching();
  EXPECT_TRUE(speaker_->Running());

  std::string first_error;
  const std::vector<ProbeResult> results = prober->Results();
  EXPECT_EQ(Failed(results, &first_error), 0) << first_error;
  int missing = 0, stale = 0;
  for (const RouteSample& s : samples_) {
    missing += (!s.bgp || !s.kernel) ? 1 : 0;
    stale += s.stale ? 1 : 0;
  }
  EXPECT_EQ(missing, 0) << "of " << samples_.size() << " samples of the router's route";
  EXPECT_GT(stale, 0);
  std::printf("2 bgpd restarts: %zu requests, %zu route samples (%d stale)\n", results.size(),
              samples_.size(), stale);
}

}  // namespace
}  // namespace ironlb::lab

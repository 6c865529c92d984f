// An HA pair of router hosts (issue 9): "router" and "router2" both run ironlb-speaker with the
// same configuration: a PortForward publishing the LAN's web Service on the outside address
// 10.91.0.100, and that address held as a VIP by the layer-2 election on the outside interface
// (an AddressPool holding it, an L2Advertisement for eth1, a Service asking for it). Behind
// them, three layer-2 speakers hold the web VIP on the LAN; backends answer with their host
// name.
//
// Checked on the wire, from the outside client:
// - a TCP request to 10.91.0.100:8080 reaches the host serving the web VIP, through the router
//   the election picked (the client's neighbour entry carries that router's MAC);
// - the owning router dies (its speaker SIGKILLed, its forwarding switched off with it, as when
//   the machine goes): new connections succeed through the other router; the time from the kill
//   to the first success is printed;
// - the dead router comes back and takes the address back; then it is stopped gracefully
//   (SIGUSR2, then its forwarding off, as at a shutdown): not one request fails meanwhile.
//
// Replies must come back through the router that forwarded each connection, whichever of the
// two it is, so the pair uses sourceNAT: Always (the LAN's default route points at one fixed
// router; see docs/router.md).
#include <signal.h>

#include <filesystem>
#include <fstream>
#include <map>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "speaker/layer2/membership/owner_election.h"
#include "test/lab/host_command.h"
#include "test/lab/lab.h"
#include "test/lab/neighbour.h"
#include "test/lab/prober.h"
#include "test/support/status_matchers.h"

#ifndef IRONLB_SPEAKER_BINARY
#error "IRONLB_SPEAKER_BINARY must name ironlb-speaker (set by test/lab/CMakeLists.txt)"
#endif

namespace ironlb::lab {
namespace {

using ::ironlb::testing::IsOk;

constexpr char kOutsideVip[] = "10.91.0.100";  // the pair's shared outside address
constexpr char kWebVip[] = "10.90.0.100";      // the LAN VIP it forwards to
constexpr uint16_t kPort = 8080;

constexpr char kLanPool[] = R"(apiVersion: ironlb.io/v1alpha1
kind: AddressPool
metadata: {name: lan}
spec: {addresses: [10.90.0.100-10.90.0.120]}
---
)";

std::string WebService() {
  return absl::StrCat(
      "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n  namespace: shop\n"
      "  annotations: {ironlb.io/forward-from: home, ironlb.io/addresses: ",
      kWebVip, "}\nspec:\n  type: LoadBalancer\n  ports: [{protocol: TCP, port: 8080}]\n---\n");
}

// Both routers read this: the outside address as a layer-2 VIP on eth1, and the forward.
std::string RouterConfig() {
  return absl::StrCat(
      kLanPool,
      "apiVersion: ironlb.io/v1alpha1\nkind: AddressPool\nmetadata: {name: outside}\n"
      "spec: {addresses: [",
      kOutsideVip,
      "/32], autoAssign: false}\n---\n"
      "apiVersion: ironlb.io/v1alpha1\nkind: L2Advertisement\nmetadata: {name: outside}\n"
      "spec: {ipAddressPools: [outside], interfaces: [eth1]}\n---\n"
      "apiVersion: ironlb.io/v1alpha1\nkind: PortForward\nmetadata: {name: home}\n"
      "spec: {addresses: [",
      kOutsideVip,
      "], sourceNAT: Always}\n---\n"
      "apiVersion: v1\nkind: Service\nmetadata:\n  name: outside-address\n  namespace: edge\n"
      "  annotations: {ironlb.io/addresses: ",
      kOutsideVip, "}\nspec:\n  type: LoadBalancer\n  ports: [{protocol: TCP, port: 8080}]\n---\n",
      WebService());
}

class RouterHaTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto l = Lab::Create(
        {.speakers = 3, .router = true, .second_router = true, .backend_ports = {kPort}});
    ASSERT_THAT(l, IsOk());
    lab_ = std::move(*l);
    routers_ = {lab_->router(), lab_->second_router()};
    lan_dir_ = lab_->work_dir() + "/lan";
    router_dir_ = lab_->work_dir() + "/router";
    std::filesystem::create_directories(lan_dir_);
    std::filesystem::create_directories(router_dir_);
    WriteFile(lan_dir_ + "/key", "router-ha-lab-lan-key-0123456789\n");
    WriteFile(router_dir_ + "/key", "router-ha-lab-pair-key-0123456789\n");
    WriteFile(lan_dir_ + "/config.yaml",
              absl::StrCat(kLanPool,
                           "apiVersion: ironlb.io/v1alpha1\nkind: L2Advertisement\n"
                           "metadata: {name: lan}\nspec: {ipAddressPools: [lan], interfaces: "
                           "[eth0]}\n---\n",
                           WebService()));
    WriteFile(router_dir_ + "/config.yaml", RouterConfig());
    std::vector<std::string> names;
    for (const Host& h : lab_->speakers()) {
      names.push_back(h.name);
      ASSERT_THAT(lab_->AddVip(h, kWebVip), IsOk());
      auto p = lab_->Spawn(h, lab_->SpeakerArgv(IRONLB_SPEAKER_BINARY, h, lan_dir_),
                           "speaker-" + h.name);
      ASSERT_THAT(p, IsOk());
      speakers_.push_back(std::move(*p));
    }
    web_host_ = *speaker::OwnerFor(*IpAddress::Parse(kWebVip), names);
    for (const Host* r : routers_) StartRouter(*r);
    owner_ = *speaker::OwnerFor(*IpAddress::Parse(kOutsideVip), {"router", "router2"});
  }

  void TearDown() override {
    if (HasFailure()) lab_->PrintLogs({"router", "router2"});
    routers_running_.clear();
    speakers_.clear();
    lab_.reset();
  }

  void StartRouter(const Host& r) {
    std::vector<std::string> argv = lab_->SpeakerArgv(IRONLB_SPEAKER_BINARY, r, router_dir_);
    // The returning router takes the address back (this test's expectation); the default,
    // sticky ownership, is covered by lab_ironlb_restart_test.
    argv.push_back("--layer2-rebalance");
    auto p = lab_->Spawn(r, argv, r.name);
    ASSERT_THAT(p, IsOk());
    routers_running_[r.name] = std::move(*p);
  }

  const Host& RouterNamed(const std::string& name) const {
    return name == "router" ? *routers_[0] : *routers_[1];
  }
  const Host& Other(const std::string& name) const {
    return name == "router" ? *routers_[1] : *routers_[0];
  }

  absl::Status SetForwarding(const Host& r, bool on) {
    const std::string v = on ? "1" : "0";
    return RunChecked({"sysctl", "-qw", "net.ipv4.ip_forward=" + v}, r.netns);
  }

  // The outside client's neighbour entry for the outside address, as a router name ("" if none).
  std::string RouterInOutsideNeighbours() {
    auto n = NeighbourFor(*lab_, *lab_->outside_client(), kOutsideVip);
    if (!n.ok()) return "";
    for (const Host* r : routers_) {
      if (r->outside_mac == n->mac) return r->name;
    }
    return "";
  }

  // Waits (bounded) until the outside client's entry names `router` and a request succeeds.
  absl::Status WaitForPathThrough(const std::string& router, absl::Duration limit) {
    const absl::Time end = absl::Now() + limit;
    std::string last;
    absl::StatusOr<std::string> host = absl::UnavailableError("not tried");
    while (absl::Now() < end) {
      host = ProbeOnce(lab_->outside_client()->netns, kOutsideVip, kPort, Protocol::kTcp,
                       absl::Milliseconds(300));
      last = RouterInOutsideNeighbours();
      if (host.ok() && *host == web_host_ && last == router) return absl::OkStatus();
      absl::SleepFor(absl::Milliseconds(50));
    }
    return absl::DeadlineExceededError(absl::StrCat(
        "expected ", kOutsideVip, " through ", router, " to reach ", web_host_,
        "; the outside client's neighbour entry names \"", last, "\", the last request got ",
        host.ok() ? *host : std::string(host.status().message())));
  }

  std::unique_ptr<Lab> lab_;
  std::vector<const Host*> routers_;
  std::string lan_dir_, router_dir_;
  std::vector<std::unique_ptr<HostProcess>> speakers_;
  std::map<std::string, std::unique_ptr<HostProcess>> routers_running_;
  std::string web_host_;  // serves the web VIP on the LAN
  std::string owner_;     // the router the election gives the outside address
};

TEST_F(RouterHaTest, OutsideAddressFollowsTheLiveRouter) {
  const std::string outside = lab_->outside_client()->netns;
  // The elected router holds the outside address; a request through it reaches the web VIP.
  ASSERT_THAT(WaitForPathThrough(owner_, absl::Seconds(15)), IsOk());
  const std::string standby = Other(owner_).name;

  // The owner dies: its speaker is SIGKILLed and its forwarding goes with it.
  auto prober = Prober::Start(outside, {.vip = kOutsideVip, .port = kPort});
  ASSERT_THAT(prober, IsOk());
  ASSERT_THAT((*prober)->WaitForAnswerFrom(absl::Now(), "", absl::Seconds(3)), IsOk());
  const absl::Time killed = absl::Now();
  routers_running_[owner_]->Kill();
  ASSERT_THAT(SetForwarding(RouterNamed(owner_), false), IsOk());
  const absl::Time dead = absl::Now();  // from here on only `standby` can carry a connection
  std::optional<ProbeResult> first;
  for (int i = 0; i < 1500 && !first; ++i) {
    for (const ProbeResult& r : (*prober)->Results()) {
      if (r.ok && r.sent >= dead) {
        first = r;
        break;
      }
    }
    if (!first) absl::SleepFor(absl::Milliseconds(20));
  }
  (*prober)->Stop();
  ASSERT_TRUE(first.has_value()) << "no request succeeded through " << standby
                                 << " within 30 s of the kill";
  EXPECT_EQ(first->host, web_host_);
  const absl::Duration failover = first->done - killed;
  RecordProperty("router_ha_kill_failover_ms", std::to_string(absl::ToInt64Milliseconds(failover)));
  std::cout << "router HA: new connection through " << standby << " "
            << absl::ToDoubleMilliseconds(failover) << " ms after SIGKILL of " << owner_
            << "'s speaker\n";
  EXPECT_EQ(RouterInOutsideNeighbours(), standby);
  for (int i = 0; i < 5; ++i) {
    auto again = ProbeOnce(outside, kOutsideVip, kPort, Protocol::kTcp);
    ASSERT_THAT(again, IsOk());
    EXPECT_EQ(*again, web_host_);
  }

  // The dead router comes back and, winning the election again, takes the address back.
  ASSERT_THAT(SetForwarding(RouterNamed(owner_), true), IsOk());
  StartRouter(RouterNamed(owner_));
  ASSERT_THAT(WaitForPathThrough(owner_, absl::Seconds(15)), IsOk());

  // A graceful stop for good (SIGUSR2, then the machine stops forwarding, as at a
  // decommissioning): the other router takes over while the leaving one still forwards, so no
  // request fails.
  auto graceful = Prober::Start(outside, {.vip = kOutsideVip, .port = kPort});
  ASSERT_THAT(graceful, IsOk());
  ASSERT_THAT((*graceful)->WaitForAnswerFrom(absl::Now(), "", absl::Seconds(3)), IsOk());
  const absl::Time stopped = absl::Now();
  routers_running_[owner_]->Signal(SIGUSR2);
  ASSERT_TRUE(routers_running_[owner_]->WaitExit(absl::Seconds(5)))
      << owner_ << "'s speaker did not exit after SIGUSR2";
  const absl::Duration exit_after = absl::Now() - stopped;
  ASSERT_THAT(SetForwarding(RouterNamed(owner_), false), IsOk());
  absl::SleepFor(absl::Milliseconds(500));
  (*graceful)->Stop();
  const std::vector<ProbeResult> results = (*graceful)->Results();
  int failed = 0, after_stop = 0;
  for (const ProbeResult& r : results) {
    if (!r.ok) {
      ++failed;
      ADD_FAILURE() << "request sent " << absl::ToDoubleMilliseconds(r.sent - stopped)
                    << " ms after SIGUSR2 failed: " << r.error;
    }
    if (r.sent >= stopped) ++after_stop;
  }
  std::cout << "router HA: graceful stop of " << owner_ << ": " << after_stop
            << " requests after SIGUSR2, " << failed << " failed; the speaker exited after "
            << absl::ToDoubleMilliseconds(exit_after) << " ms\n";
  RecordProperty("router_ha_graceful_failed_requests", std::to_string(failed));
  EXPECT_GT(after_stop, 20);
  EXPECT_EQ(RouterInOutsideNeighbours(), standby);
}

}  // namespace
}  // namespace ironlb::lab

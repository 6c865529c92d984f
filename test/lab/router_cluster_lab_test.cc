// A router host publishing a cluster's Services: ironlb-speaker with --config-dir (the pool and
// the PortForward group) and --kubeconfig (the Services, with the addresses the controller
// wrote in their status). Outside client -> router -> LAN (three standalone layer-2 speakers
// holding the VIP) -> backend; a second Service wanting the same outside port gets a Warning
// Event and changes nothing; the Service deleted from the cluster stops being forwarded.
#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "test/kube/fake_api_server.h"
#include "test/lab/api_server_in_netns.h"
#include "test/lab/failover_trial.h"
#include "test/lab/ironlb_holder.h"
#include "test/lab/lab.h"
#include "test/lab/prober.h"
#include "test/speaker/kube_objects.h"
#include "test/support/status_matchers.h"

namespace ironlb::lab {
namespace {

using ::ironlb::kube::testing::FakeApiServer;
using ::ironlb::testing::IsOk;
using ::testing::HasSubstr;

constexpr char kVip[] = "10.90.0.100";
constexpr char kOutside[] = "10.91.0.1";  // the router's outside address (eth1)
constexpr char kServices[] = "v1/services";
constexpr char kEvents[] = "v1/events";

nlohmann::json Forwarded(const std::string& name, const std::string& ip) {
  nlohmann::json s = speaker::testing::ServiceObject("shop", name, ip);
  s["metadata"]["annotations"]["ironlb.io/forward-from"] = "home";
  s["spec"]["ports"][0]["port"] = 8080;
  return s;
}

TEST(RouterClusterLabTest, ClusterServicesAreForwardedAndContestedPortsBecomeEvents) {
  auto l = Lab::Create({.speakers = 3, .router = true});
  ASSERT_THAT(l, IsOk());
  std::unique_ptr<Lab> lab = std::move(*l);
  // The API server's clock runs ahead when the test says so: creation times are stamped to the
  // second, and "late" must be created after "web" without the test sleeping a second.
  std::atomic<int64_t> ahead_s{0};
  auto api = StartApiServerIn(
      lab->client(), {.clock = [&] { return absl::Now() + absl::Seconds(ahead_s.load()); }});
  ASSERT_THAT(api, IsOk());
  const std::string dir = lab->work_dir();
  std::ofstream(dir + "/kubeconfig")
      << "apiVersion: v1\nkind: Config\n"
      << "clusters: [{name: lab, cluster: {server: " << (*api)->url() << "}}]\n"
      << "users: [{name: router, user: {token: lab-token}}]\n"
      << "contexts: [{name: lab, context: {cluster: lab, user: router}}]\n"
      << "current-context: lab\n";
  const std::string router_dir = dir + "/router";
  ASSERT_THAT(RunChecked({"mkdir", "-p", router_dir}), IsOk());
  std::ofstream(router_dir + "/router.yaml")
      << "apiVersion: ironlb.io/v1alpha1\nkind: AddressPool\nmetadata: {name: lab}\n"
      << "spec: {addresses: [10.90.0.100-10.90.0.110]}\n---\n"
      << "apiVersion: ironlb.io/v1alpha1\nkind: PortForward\nmetadata: {name: home}\n"
      << "spec: {interfaces: [eth1]}\n";

  // The LAN: standalone layer-2 speakers hold the VIP the controller gave shop/web.
  IronlbHolder holder(lab.get(), {.vip = kVip, .speaker_binary = IRONLB_SPEAKER_BINARY});
  for (const Host& h : lab->speakers()) ASSERT_THAT(holder.Start(h), IsOk());
  ASSERT_THAT(WaitForServingHost(*lab, kVip, 8080, Protocol::kTcp, holder.PreferredOwner(),
                                 absl::Seconds(10)),
              IsOk());

  (*api)->Put(kServices, Forwarded("web", kVip));
  auto router = lab->Spawn(*lab->router(),
                           {IRONLB_SPEAKER_BINARY, "--config-dir", router_dir, "--kubeconfig",
                            dir + "/kubeconfig", "--node-name", "router", "--metrics-address",
                            "127.0.0.1:7473", "--status-socket", dir + "/status-router.sock"},
                           "router");
  ASSERT_THAT(router, IsOk());

  // From outside, the router's address and the Service's port reach the VIP's owner.
  const Host* outside = lab->outside_client();
  ASSERT_NE(outside, nullptr);
  absl::StatusOr<std::string> who = absl::UnavailableError("not tried");
  for (int i = 0; i < 100 && !who.ok(); ++i) {
    who = ProbeOnce(outside->netns, kOutside, 8080, Protocol::kTcp, absl::Milliseconds(300));
    if (!who.ok()) absl::SleepFor(absl::Milliseconds(50));
  }
  ASSERT_THAT(who, IsOk());
  EXPECT_EQ(*who, holder.PreferredOwner().name);

  // A newer Service wants the same outside port: a Warning Event on it, and web keeps it.
  ahead_s = 2;
  (*api)->Put(kServices, Forwarded("late", "10.90.0.101"));
  nlohmann::json event;
  for (int i = 0; i < 100 && event.is_null(); ++i) {
    for (const nlohmann::json& e : (*api)->Objects(kEvents)) {
      if (e.value("reason", "") == "PortForwardContested") event = e;
    }
    if (event.is_null()) absl::SleepFor(absl::Milliseconds(50));
  }
  ASSERT_FALSE(event.is_null()) << "no PortForwardContested Event";
  EXPECT_EQ(event["type"], "Warning");
  EXPECT_EQ(event["involvedObject"]["name"], "late");
  EXPECT_THAT(event["message"].get<std::string>(), HasSubstr("shop/web"));
  auto still = ProbeOnce(outside->netns, kOutside, 8080, Protocol::kTcp, absl::Seconds(1));
  ASSERT_THAT(still, IsOk());
  EXPECT_EQ(*still, holder.PreferredOwner().name);

  // Deleted from the cluster (and late too): the port is no longer forwarded.
  ASSERT_TRUE((*api)->Remove(kServices, "shop", "late"));
  ASSERT_TRUE((*api)->Remove(kServices, "shop", "web"));
  bool gone = false;
  for (int i = 0; i < 60 && !gone; ++i) {
    gone = !ProbeOnce(outside->netns, kOutside, 8080, Protocol::kTcp, absl::Milliseconds(300)).ok();
    if (!gone) absl::SleepFor(absl::Milliseconds(50));
  }
  EXPECT_TRUE(gone) << "the deleted Service's port is still forwarded";
}

}  // namespace
}  // namespace ironlb::lab

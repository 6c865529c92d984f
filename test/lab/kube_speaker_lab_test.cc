// Three ironlb speakers in Kubernetes mode on the lab's LAN, fed by the fake API server (in the
// client's namespace, on its LAN address, as an API server on the node network would be):
// externalTrafficPolicy Local endpoints moving between nodes move the layer-2 owner; a node
// excluded (label or NetworkUnavailable) gives its VIPs away; an unreachable API server
// changes nothing. The client's requests to the VIP show who answers.
#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include <fstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "test/kube/fake_api_server.h"
#include "test/lab/failover_trial.h"
#include "test/lab/lab.h"
#include "test/lab/prober.h"
#include "test/speaker/kube_objects.h"
#include "test/support/status_matchers.h"

namespace ironlb::lab {
namespace {

using ::ironlb::testing::IsOk;
using kube::testing::FakeApiServer;
using namespace ::ironlb::speaker::testing;  // NOLINT

constexpr char kPools[] = "ironlb.io/v1alpha1/addresspools";
constexpr char kL2[] = "ironlb.io/v1alpha1/l2advertisements";
constexpr char kServices[] = "v1/services";
constexpr char kSlices[] = "discovery.k8s.io/v1/endpointslices";
constexpr char kNodes[] = "v1/nodes";
constexpr char kLocalVip[] = "10.90.0.200";
constexpr char kClusterVip[] = "10.90.0.201";

// Starts the fake API server on a thread inside `host`'s namespace, listening on its address.
absl::StatusOr<std::unique_ptr<FakeApiServer>> StartApiServerIn(const Host& host) {
  absl::StatusOr<std::unique_ptr<FakeApiServer>> out = absl::InternalError("not started");
  std::thread t([&] {
    const int ns = open(("/var/run/netns/" + host.netns).c_str(), O_RDONLY | O_CLOEXEC);
    if (ns < 0 || setns(ns, CLONE_NEWNET) != 0) {
      out = absl::InternalError("cannot enter " + host.netns);
      if (ns >= 0) close(ns);
      return;
    }
    close(ns);
    FakeApiServer::Options o;
    o.bind_address = host.ipv4;
    out = FakeApiServer::Start(o);
  });
  t.join();
  return out;
}

class KubeSpeakerLabTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto l = Lab::Create({.speakers = 3});
    ASSERT_THAT(l, IsOk());
    lab_ = std::move(*l);
    auto api = StartApiServerIn(lab_->client());
    ASSERT_THAT(api, IsOk());
    api_ = std::move(*api);
    const std::string dir = lab_->work_dir();
    std::ofstream(dir + "/kubeconfig")
        << "apiVersion: v1\nkind: Config\n"
        << "clusters: [{name: lab, cluster: {server: " << api_->url() << "}}]\n"
        << "users: [{name: speaker, user: {token: lab-token}}]\n"
        << "contexts: [{name: lab, context: {cluster: lab, user: "
           "speaker, namespace: ironlb-system}}]\n"
        << "current-context: lab\n";
    std::ofstream(dir + "/key") << "lab-speakers-shared-key-0123456789\n";

    nlohmann::json adv = L2AdvertisementObject("ironlb-system", "lab", "lab");
    adv["spec"]["interfaces"] = {"eth0"};
    api_->Put(kPools, PoolObject("ironlb-system", "lab", "10.90.0.200-10.90.0.210"));
    api_->Put(kL2, adv);
    for (const Host& h : lab_->speakers()) api_->Put(kNodes, NodeObject(h.name));
    api_->Put(kServices, ServiceObject("lab", "local", kLocalVip, "Local", "lab"));
    api_->Put(kServices, ServiceObject("lab", "cluster", kClusterVip, "Cluster", "lab"));
    api_->Put(kSlices, EndpointSliceObject("lab", "local", "local-1", {{"s1"}}));

    for (const Host& h : lab_->speakers()) {
      for (const char* vip : {kLocalVip, kClusterVip}) ASSERT_THAT(lab_->AddVip(h, vip), IsOk());
      auto daemon = lab_->Spawn(h,
                                {IRONLB_SPEAKER_BINARY, "--kubeconfig", dir + "/kubeconfig",
                                 "--layer2-key-file", dir + "/key", "--node-name", h.name,
                                 "--status-socket", dir + "/status-" + h.name + ".sock"},
                                "ironlb-speaker-" + h.name);
      ASSERT_THAT(daemon, IsOk());
      speakers_.push_back(std::move(*daemon));
    }
  }
  void TearDown() override {
    speakers_.clear();
    api_.reset();
    lab_.reset();
  }

  const Host& Speaker(const std::string& name) const {
    for (const Host& h : lab_->speakers()) {
      if (h.name == name) return h;
    }
    return lab_->speaker(0);
  }
  // Who answers `vip` now (several probes in a row agree).
  absl::StatusOr<std::string> Owner(const std::string& vip) {
    std::string last;
    int same = 0;
    for (int i = 0; i < 200 && same < 5; ++i) {
      auto who =
          ProbeOnce(lab_->client().netns, vip, 8080, Protocol::kTcp, absl::Milliseconds(200));
      if (who.ok() && *who == last) {
        ++same;
      } else {
        same = who.ok() ? 1 : 0;
        last = who.ok() ? *who : "";
      }
      absl::SleepFor(absl::Milliseconds(20));
    }
    if (same < 5) return absl::DeadlineExceededError(vip + " has no steady owner");
    return last;
  }
  // Time from now until `expected` serves `vip`.
  absl::StatusOr<absl::Duration> TimeUntilServedBy(const std::string& vip, const std::string& who) {
    const absl::Time start = absl::Now();
    IRONLB_RETURN_IF_ERROR(
        WaitForServingHost(*lab_, vip, 8080, Protocol::kTcp, Speaker(who), absl::Seconds(10), 1));
    const absl::Duration took = absl::Now() - start;
    IRONLB_RETURN_IF_ERROR(
        WaitForServingHost(*lab_, vip, 8080, Protocol::kTcp, Speaker(who), absl::Seconds(5), 5));
    return took;
  }

  std::unique_ptr<Lab> lab_;
  std::unique_ptr<FakeApiServer> api_;
  std::vector<std::unique_ptr<HostProcess>> speakers_;
};

TEST_F(KubeSpeakerLabTest, LocalEndpointsMovingMoveTheOwnerAndExcludedNodesLetGo) {
  // The Local VIP is served from the only node with a ready endpoint.
  auto first = TimeUntilServedBy(kLocalVip, "s1");
  ASSERT_THAT(first, IsOk());
  // The endpoint moves to s2 (a rollout): the owner follows.
  api_->Put(kSlices, EndpointSliceObject("lab", "local", "local-1", {{"s1", false}, {"s2"}}));
  auto moved = TimeUntilServedBy(kLocalVip, "s2");
  ASSERT_THAT(moved, IsOk());
  // And to s0, through a second slice (the first one emptied).
  api_->Put(kSlices, EndpointSliceObject("lab", "local", "local-1", {}));
  api_->Put(kSlices, EndpointSliceObject("lab", "local", "local-2", {{"s0"}}));
  auto moved_again = TimeUntilServedBy(kLocalVip, "s0");
  ASSERT_THAT(moved_again, IsOk());

  // The Cluster VIP lives wherever the hash puts it; excluding that node moves it away.
  auto owner = Owner(kClusterVip);
  ASSERT_THAT(owner, IsOk());
  api_->Put(kNodes, NodeObject(*owner, /*exclude_label=*/true));
  absl::StatusOr<std::string> heir;
  const absl::Time start = absl::Now();
  for (int i = 0; i < 100; ++i) {
    heir = Owner(kClusterVip);
    if (heir.ok() && *heir != *owner) break;
  }
  const absl::Duration excluded_after = absl::Now() - start;
  ASSERT_THAT(heir, IsOk());
  EXPECT_NE(*heir, *owner);
  // NetworkUnavailable on the heir moves it once more, to the third node.
  api_->Put(kNodes, NodeObject(*heir, false, /*network_unavailable=*/true));
  std::string third;
  for (const Host& h : lab_->speakers()) {
    if (h.name != *owner && h.name != *heir) third = h.name;
  }
  ASSERT_THAT(TimeUntilServedBy(kClusterVip, third), IsOk());

  // The API server goes away: announcements continue as they are.
  api_->SetWatchesUnavailable(true);
  api_->FailNextRequests(100000, 503);
  api_->DropWatches();
  EXPECT_THAT(WaitForServingHost(*lab_, kClusterVip, 8080, Protocol::kTcp, Speaker(third),
                                 absl::Seconds(10), 60),
              IsOk());
  EXPECT_THAT(WaitForServingHost(*lab_, kLocalVip, 8080, Protocol::kTcp, Speaker("s0"),
                                 absl::Seconds(10), 20),
              IsOk());
  std::printf(
      "{\"bench\":\"kube_speaker_lab\",\"local_first_owner_ms\":%.0f,"
      "\"local_owner_move_ms\":%.0f,\"local_owner_move2_ms\":%.0f,\"excluded_move_ms\":%.0f}\n",
      absl::ToDoubleMilliseconds(*first), absl::ToDoubleMilliseconds(*moved),
      absl::ToDoubleMilliseconds(*moved_again), absl::ToDoubleMilliseconds(excluded_after));
}

}  // namespace
}  // namespace ironlb::lab

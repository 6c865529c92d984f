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
#include "absl/strings/str_join.h"
#include "common/status_macros.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "speaker/layer2/membership/owner_election.h"
#include "test/kube/fake_api_server.h"
#include "test/lab/api_server_in_netns.h"
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
constexpr char kAnnouncements[] = "ironlb.io/v1alpha1/serviceannouncements";
constexpr char kLocalVip[] = "10.90.0.200";
constexpr char kClusterVip[] = "10.90.0.201";

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
  // The rendezvous winner for `vip` among `nodes`: the owner every speaker agrees on.
  static std::string Winner(const std::string& vip, const std::vector<std::string>& nodes) {
    return speaker::OwnerFor(*IpAddress::Parse(vip), nodes).value_or("");
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

  // The nodes with a ServiceAnnouncement for `service` (layer 2 on eth0, the VIP listed).
  std::vector<std::string> AnnouncedBy(const std::string& service, const std::string& vip) const {
    std::vector<std::string> out;
    for (const nlohmann::json& o : api_->Objects(kAnnouncements)) {
      const nlohmann::json& spec = o["spec"];
      if (spec["service"] != service) continue;
      EXPECT_EQ(spec["mode"], "layer2");
      EXPECT_EQ(spec["interfaces"], nlohmann::json({"eth0"}));
      EXPECT_EQ(spec["addresses"], nlohmann::json({vip}));
      EXPECT_EQ(o["metadata"]["name"], service + "-" + spec["node"].get<std::string>());
      out.push_back(spec["node"]);
    }
    return out;
  }
  // Waits (10 s at most) until exactly `nodes` announce the Service: one node, or none.
  bool EventuallyAnnouncedBy(const std::string& service, const std::string& vip,
                             const std::vector<std::string>& nodes) const {
    for (int i = 0; i < 200; ++i) {
      if (AnnouncedBy(service, vip) == nodes) return true;
      absl::SleepFor(absl::Milliseconds(50));
    }
    ADD_FAILURE() << service << " not announced by [" << absl::StrJoin(nodes, ",") << "] but by ["
                  << absl::StrJoin(AnnouncedBy(service, vip), ",") << "]";
    return false;
  }
  bool EventuallyAnnouncedBy(const std::string& service, const std::string& vip,
                             const std::string& node) const {
    return EventuallyAnnouncedBy(service, vip, std::vector<std::string>{node});
  }

  std::unique_ptr<Lab> lab_;
  std::unique_ptr<FakeApiServer> api_;
  std::vector<std::unique_ptr<HostProcess>> speakers_;
};

TEST_F(KubeSpeakerLabTest, LocalEndpointsMovingMoveTheOwnerAndExcludedNodesLetGo) {
  // The Local VIP is served from the only node with a ready endpoint.
  auto first = TimeUntilServedBy(kLocalVip, "s1");
  ASSERT_THAT(first, IsOk());
  EXPECT_TRUE(EventuallyAnnouncedBy("local", kLocalVip, "s1"));
  // The endpoint moves to s2 (a rollout): the owner follows.
  api_->Put(kSlices, EndpointSliceObject("lab", "local", "local-1", {{"s1", false}, {"s2"}}));
  auto moved = TimeUntilServedBy(kLocalVip, "s2");
  ASSERT_THAT(moved, IsOk());
  EXPECT_TRUE(EventuallyAnnouncedBy("local", kLocalVip, "s2"));
  // And to s0, through a second slice (the first one emptied).
  api_->Put(kSlices, EndpointSliceObject("lab", "local", "local-1", {}));
  api_->Put(kSlices, EndpointSliceObject("lab", "local", "local-2", {{"s0"}}));
  auto moved_again = TimeUntilServedBy(kLocalVip, "s0");
  ASSERT_THAT(moved_again, IsOk());

  // The Cluster VIP lives wherever the hash puts it; excluding that node moves it to the
  // winner among the other two.
  const std::vector<std::string> all = {"s0", "s1", "s2"};
  const absl::StatusOr<std::string> owner = Winner(kClusterVip, all);
  ASSERT_THAT(TimeUntilServedBy(kClusterVip, *owner), IsOk());
  std::vector<std::string> rest;
  for (const std::string& n : all) {
    if (n != *owner) rest.push_back(n);
  }
  const absl::StatusOr<std::string> heir = Winner(kClusterVip, rest);
  api_->Put(kNodes, NodeObject(*owner, /*exclude_label=*/true));
  auto excluded_after = TimeUntilServedBy(kClusterVip, *heir);
  ASSERT_THAT(excluded_after, IsOk());
  // NetworkUnavailable on the heir moves it once more, to the third node.
  api_->Put(kNodes, NodeObject(*heir, false, /*network_unavailable=*/true));
  std::string third;
  for (const Host& h : lab_->speakers()) {
    if (h.name != *owner && h.name != *heir) third = h.name;
  }
  ASSERT_THAT(TimeUntilServedBy(kClusterVip, third), IsOk());
  EXPECT_TRUE(EventuallyAnnouncedBy("cluster", kClusterVip, third));
  // The Local Service's only endpoint is on s0: if s0 was excluded, nobody announces it.
  const bool s0_excluded = *owner == "s0" || *heir == "s0";
  if (s0_excluded) {
    EXPECT_TRUE(EventuallyAnnouncedBy("local", kLocalVip, std::vector<std::string>{}));
  } else {
    EXPECT_TRUE(EventuallyAnnouncedBy("local", kLocalVip, "s0"));
  }

  // The API server goes away: announcements continue as they are.
  api_->SetWatchesUnavailable(true);
  api_->FailNextRequests(100000, 503);
  api_->DropWatches();
  EXPECT_THAT(WaitForServingHost(*lab_, kClusterVip, 8080, Protocol::kTcp, Speaker(third),
                                 absl::Seconds(10), 60),
              IsOk());
  if (!s0_excluded) {
    EXPECT_THAT(WaitForServingHost(*lab_, kLocalVip, 8080, Protocol::kTcp, Speaker("s0"),
                                   absl::Seconds(10), 20),
                IsOk());
  }
  const size_t announcements = api_->Objects(kAnnouncements).size();
  EXPECT_EQ(api_->Objects(kAnnouncements).size(), announcements);
  std::printf(
      "{\"bench\":\"kube_speaker_lab\",\"local_first_owner_ms\":%.0f,"
      "\"local_owner_move_ms\":%.0f,\"local_owner_move2_ms\":%.0f,\"excluded_move_ms\":%.0f}\n",
      absl::ToDoubleMilliseconds(*first), absl::ToDoubleMilliseconds(*moved),
      absl::ToDoubleMilliseconds(*moved_again), absl::ToDoubleMilliseconds(*excluded_after));
}

TEST_F(KubeSpeakerLabTest, GracefulStopWithdrawsTheNodesAnnouncements) {
  ASSERT_THAT(TimeUntilServedBy(kLocalVip, "s1"), IsOk());
  ASSERT_TRUE(EventuallyAnnouncedBy("local", kLocalVip, "s1"));
  const absl::StatusOr<std::string> cluster_owner = Winner(kClusterVip, {"s0", "s1", "s2"});
  ASSERT_THAT(TimeUntilServedBy(kClusterVip, *cluster_owner), IsOk());
  ASSERT_TRUE(EventuallyAnnouncedBy("cluster", kClusterVip, *cluster_owner));
  // Stop s1's speaker for good (SIGUSR2: SIGTERM means restarting): its announcement of the
  // Local Service goes (no other node has an endpoint, so nobody announces it); the Cluster
  // VIP, if s1 had it, moves on.
  HostProcess& s1 = *speakers_[1];
  s1.Signal(SIGUSR2);
  ASSERT_TRUE(s1.WaitExit(absl::Seconds(10)));
  EXPECT_THAT(AnnouncedBy("local", kLocalVip), ::testing::IsEmpty());
  if (*cluster_owner == "s1") {
    const std::string heir = Winner(kClusterVip, {"s0", "s2"});
    EXPECT_THAT(TimeUntilServedBy(kClusterVip, heir), IsOk());
    EXPECT_TRUE(EventuallyAnnouncedBy("cluster", kClusterVip, heir));
  } else {
    EXPECT_TRUE(EventuallyAnnouncedBy("cluster", kClusterVip, *cluster_owner));
  }
}

}  // namespace
}  // namespace ironlb::lab

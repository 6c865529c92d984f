// `ironlbctl explain` in Kubernetes mode against the fake API server: the real controller runs
// in-process until the Services have statuses, then explain reads the cluster once and must
// agree with what the controller wrote (pool, address), name the owner in rendezvous order
// among the nodes the API leaves eligible, give the reasons for the others, and say why a
// Service is pending.
#include "ctl/explain_kube.h"

#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "common/ip.h"
#include "common/metrics.h"
#include "controller/controller_daemon.h"
#include "ctl/explain_command.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "speaker/layer2/membership/owner_election.h"
#include "test/controller/api_objects.h"
#include "test/kube/fake_api_server.h"
#include "test/kube/kube_test_util.h"
#include "test/speaker/kube_objects.h"
#include "test/support/status_matchers.h"

namespace ironlb::ctl {
namespace {

using ::ironlb::kube::testing::ClientFor;
using ::ironlb::kube::testing::FakeApiServer;
using ::ironlb::testing::IsOk;
using nlohmann::json;
using ::testing::AllOf;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::SizeIs;

constexpr char kL2[] = "ironlb.io/v1alpha1/l2advertisements";
constexpr char kSlices[] = "discovery.k8s.io/v1/endpointslices";
constexpr char kNodes[] = "v1/nodes";
constexpr char kNamespaces[] = "v1/namespaces";
constexpr char kServices[] = "v1/services";

bool Eventually(const std::function<bool()>& condition) {
  const absl::Time deadline = absl::Now() + absl::Seconds(20);
  while (absl::Now() < deadline) {
    if (condition()) return true;
    absl::SleepFor(absl::Milliseconds(50));
  }
  return condition();
}

auto NotEligible(const std::string& node, const std::string& why) {
  return AllOf(Field(&NodeVerdict::node, node), Field(&NodeVerdict::why_not, HasSubstr(why)));
}

class ExplainKubeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto server = FakeApiServer::Start();
    ASSERT_THAT(server, IsOk());
    server_ = *std::move(server);
    client_ = ClientFor(*server_);
    server_->Put(controller::testing::kPools,
                 controller::testing::PoolJson("lan", {"10.91.0.10-10.91.0.12"}));
    server_->Put(kL2, speaker::testing::L2AdvertisementObject(controller::testing::kSystemNamespace,
                                                              "lan", "lan"));
    server_->Put(kNamespaces, controller::testing::NamespaceJson("shop", {}));
    server_->Put(kServices, speaker::testing::ServiceObject("shop", "web", ""));
    server_->Put(kServices, speaker::testing::ServiceObject("shop", "local", "", "Local"));
    json nowhere = speaker::testing::ServiceObject("shop", "nowhere", "");
    nowhere["metadata"]["annotations"]["ironlb.io/pool"] = "missing";
    server_->Put(kServices, nowhere);
    server_->Put(kSlices, speaker::testing::EndpointSliceObject("shop", "local", "local-1",
                                                                {{"n2"}, {"n1", false}}));
    server_->Put(kNodes, speaker::testing::NodeObject("n1"));
    server_->Put(kNodes, speaker::testing::NodeObject("n2"));
    server_->Put(kNodes, speaker::testing::NodeObject("n3", /*exclude_label=*/true));
    server_->Put(kNodes, speaker::testing::NodeObject("n4", false, /*network_unavailable=*/true));
    auto daemon = controller::ControllerDaemon::Create(
        client_.get(), registry_,
        controller::ControllerDaemonOptions{.ns = controller::testing::kSystemNamespace,
                                            .identity = "test-controller"});
    ASSERT_THAT(daemon, IsOk());
    daemon_ = *std::move(daemon);
    daemon_->Start();
    ASSERT_TRUE(Eventually(
        [&] { return !Ips("web").empty() && !Ips("local").empty() && daemon_->WritesIdle(); }));
    daemon_->Stop();  // explain reads a settled cluster
    daemon_.reset();
  }
  void TearDown() override {
    if (daemon_) daemon_->Stop();
  }
  std::vector<std::string> Ips(const std::string& name) {
    auto s = server_->Object(kServices, "shop", name);
    return s ? controller::testing::IngressIps(*s) : std::vector<std::string>{};
  }
  Explanation MustExplain(const std::string& key,
                          const status::v1::SpeakerState* speaker = nullptr) {
    absl::StatusOr<ClusterObjects> cluster = ListCluster(*client_);
    EXPECT_THAT(cluster, IsOk());
    if (!cluster.ok()) return {};
    absl::StatusOr<Explanation> e = ExplainCluster(*cluster, key, std::nullopt, speaker);
    EXPECT_THAT(e, IsOk());
    return e.ok() ? *e : Explanation{};
  }

  std::unique_ptr<FakeApiServer> server_;
  std::unique_ptr<kube::Client> client_;
  metrics::Registry registry_;
  std::unique_ptr<controller::ControllerDaemon> daemon_;
};

TEST_F(ExplainKubeTest, AgreesWithTheControllerAndNamesTheOwnerInRendezvousOrder) {
  const Explanation e = MustExplain("shop/web");
  EXPECT_EQ(e.status, "assigned");
  EXPECT_EQ(e.pool, "lan");
  ASSERT_THAT(e.addresses, SizeIs(1));
  EXPECT_THAT(Ips("web"), ElementsAre(e.addresses[0].ToString()));
  // The status is what the controller decides: no note about a difference.
  EXPECT_THAT(e.notes, Not(Contains(HasSubstr("status.loadBalancer.ingress"))));
  ASSERT_THAT(e.layer2, SizeIs(1));
  const Layer2Answer& l2 = e.layer2[0];
  EXPECT_EQ(l2.vip, e.addresses[0]);
  EXPECT_EQ(l2.eligible, speaker::PreferenceOrder(e.addresses[0], {"n1", "n2"}));
  EXPECT_EQ(l2.owner, l2.eligible.front());
  EXPECT_THAT(l2.not_eligible,
              ElementsAre(NotEligible("n3", "exclude-from-external-load-balancers"),
                          NotEligible("n4", "NetworkUnavailable")));
}

TEST_F(ExplainKubeTest, LocalPolicyLeavesOnlyNodesWithAReadyEndpoint) {
  const Explanation e = MustExplain("shop/local");
  EXPECT_EQ(e.status, "assigned");
  EXPECT_THAT(Ips("local"), ElementsAre(e.addresses.at(0).ToString()));
  ASSERT_THAT(e.layer2, SizeIs(1));
  EXPECT_THAT(e.layer2[0].eligible, ElementsAre("n2"));
  EXPECT_EQ(e.layer2[0].owner, "n2");
  EXPECT_THAT(e.layer2[0].not_eligible, Contains(NotEligible("n1", "no ready endpoint")));
}

TEST_F(ExplainKubeTest, PendingServiceSaysWhy) {
  const Explanation e = MustExplain("shop/nowhere");
  EXPECT_EQ(e.status, "pending");
  EXPECT_TRUE(Ips("nowhere").empty());
  EXPECT_THAT(e.reason, HasSubstr("\"missing\" does not exist"));
  EXPECT_THAT(e.layer2, SizeIs(0));
}

TEST_F(ExplainKubeTest, NodesTheLocalSpeakerDoesNotHearAreNotAlive) {
  status::v1::SpeakerState state;
  state.set_node("n1");
  auto* seg = state.add_segments();
  seg->set_interface("eth0");
  seg->set_ready(true);
  const Explanation e = MustExplain("shop/web", &state);
  ASSERT_THAT(e.layer2, SizeIs(1));
  EXPECT_EQ(e.layer2[0].segment, "eth0");
  EXPECT_THAT(e.layer2[0].eligible, ElementsAre("n1"));
  EXPECT_THAT(e.layer2[0].not_eligible, Contains(NotEligible("n2", "not heard on segment eth0")));
}

TEST_F(ExplainKubeTest, CommandReadsAKubeconfigAndPrintsJson) {
  const std::string path = ::testing::TempDir() + "/explain-kubeconfig.yaml";
  {
    std::ofstream f(path);
    f << "apiVersion: v1\nkind: Config\ncurrent-context: t\n"
      << "clusters:\n- name: c\n  cluster:\n    server: " << server_->url() << "\n"
      << "users:\n- name: u\n  user: {}\n"
      << "contexts:\n- name: t\n  context:\n    cluster: c\n    user: u\n";
  }
  std::ostringstream out, err;
  const int rc = RunExplain({.kubeconfig = path,
                             .service = "shop/web",
                             .output = "json",
                             .status_socket = ::testing::TempDir() + "/no-speaker.sock"},
                            out, err);
  ASSERT_EQ(rc, 0) << err.str();
  const json j = json::parse(out.str());
  EXPECT_EQ(j["pool"], "lan");
  EXPECT_EQ(j["addresses"], json(Ips("web")));
  EXPECT_THAT(j["notes"].dump(), HasSubstr("all taken as alive"));

  std::ostringstream out2, err2;
  EXPECT_EQ(RunExplain({.kubeconfig = path, .service = "shop/nope"}, out2, err2), 1);
  EXPECT_THAT(err2.str(), HasSubstr("no Service \"shop/nope\""));
}

}  // namespace
}  // namespace ironlb::ctl

// ironlb-controller as an operator runs it: the real binary, against the fake API server on
// loopback through a kubeconfig, killed with SIGKILL (no goodbye), restarted, and run as two
// replicas with leader election at the production lease settings.
#include <httplib.h>

#include <filesystem>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "test/controller/api_objects.h"
#include "test/kube/fake_api_server.h"
#include "test/kube/kube_test_util.h"
#include "test/support/daemon_process.h"
#include "test/support/status_matchers.h"

namespace ironlb::controller::testing {
namespace {

using ::ironlb::kube::testing::FakeApiServer;
using ::ironlb::kube::testing::TempDir;
using ::ironlb::testing::Daemon;
using ::ironlb::testing::IsOk;
using ::testing::HasSubstr;

constexpr char kLeases[] = "coordination.k8s.io/v1/leases";

bool WaitFor(const std::function<bool()>& condition, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    if (condition()) return true;
    absl::SleepFor(absl::Milliseconds(50));
  }
  return condition();
}

std::string Name(int i) { return absl::StrFormat("svc-%04d", i); }

class ControllerProcessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto server = FakeApiServer::Start();
    ASSERT_THAT(server, IsOk());
    server_ = *std::move(server);
    kubeconfig_ = dir_.File("kubeconfig");
    std::ofstream(kubeconfig_) << absl::StrCat(
        "apiVersion: v1\nkind: Config\n"
        "clusters: [{name: fake, cluster: {server: \"",
        server_->url(), "\"}}]\n",
        "users: [{name: ironlb, user: {token: test}}]\n"
        "contexts: [{name: fake, context: {cluster: fake, user: ironlb, namespace: ",
        kSystemNamespace, "}}]\n", "current-context: fake\n");
    binary_ = absl::StrCat(std::getenv("IRONLB_BINARY_DIR"), "/controller/ironlb-controller");
  }
  std::unique_ptr<Daemon> Run(const std::string& identity, std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"--kubeconfig", kubeconfig_, "--identity", identity,
                                     "--metrics-address=127.0.0.1:0"};
    args.insert(args.end(), extra.begin(), extra.end());
    return std::make_unique<Daemon>(binary_, args);
  }
  std::string LeaseHolder() {
    auto lease = server_->Object(kLeases, kSystemNamespace, "ironlb-controller");
    return lease ? (*lease)["spec"].value("holderIdentity", "") : "";
  }
  std::vector<std::string> Ips(const std::string& name) {
    auto s = server_->Object(kServices, "shop", name);
    return s ? IngressIps(*s) : std::vector<std::string>{};
  }

  TempDir dir_;
  std::unique_ptr<FakeApiServer> server_;
  std::string kubeconfig_;
  std::string binary_;
};

TEST_F(ControllerProcessTest, KilledAndRestartedChangesNoAddress) {
  server_->Put(kPools, PoolJson("lan", {"10.30.0.0/23"}));
  for (int i = 0; i < 300; ++i) server_->Put(kServices, ServiceJson("shop", Name(i)));
  auto first = Run("replica-a");
  ASSERT_TRUE(WaitFor([&] { return Assigned(*server_).size() == 300; }, absl::Seconds(30)))
      << first->log();
  first.reset();  // SIGKILL
  auto before = Assigned(*server_);
  // Meanwhile the lowest addresses are freed and new Services arrive.
  for (int i = 0; i < 5; ++i) {
    server_->Remove(kServices, "shop", Name(i));
    before.erase(absl::StrCat("shop/", Name(i)));
  }
  for (int i = 300; i < 305; ++i) server_->Put(kServices, ServiceJson("shop", Name(i)));

  auto second = Run("replica-a");
  ASSERT_TRUE(WaitFor([&] { return Assigned(*server_).size() == 300; }, absl::Seconds(30)))
      << second->log();
  auto after = Assigned(*server_);
  int changed = 0;
  for (const auto& [key, ips] : before) changed += after.at(key) != ips;
  EXPECT_EQ(changed, 0);
  EXPECT_EQ(second->StopWith(SIGTERM), 0);
}

TEST_F(ControllerProcessTest, StandbyTakesOverWithinFifteenSecondsOfTheLeaderBeingKilled) {
  server_->Put(kPools, PoolJson("lan", {"10.30.2.0/24"}));
  for (int i = 0; i < 100; ++i) server_->Put(kServices, ServiceJson("shop", Name(i)));
  // Production lease settings (the defaults): 10 s lease, 2 s retry.
  auto a = Run("replica-a", {"--leader-elect"});
  ASSERT_TRUE(WaitFor([&] { return LeaseHolder() == "replica-a"; }, absl::Seconds(10))) << a->log();
  auto b = Run("replica-b", {"--leader-elect"});
  const std::string port_b = b->WaitForLog("metrics_port=([0-9]+)", std::chrono::seconds(10));
  ASSERT_TRUE(WaitFor([&] { return Assigned(*server_).size() == 100; }, absl::Seconds(30)));
  httplib::Client http_b("127.0.0.1", std::stoi(port_b));
  auto metrics = http_b.Get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_THAT(metrics->body, HasSubstr("ironlb_controller_leader 0\n"));
  // A standby with synced caches is ready.
  EXPECT_TRUE(WaitFor(
      [&] {
        auto ready = http_b.Get("/readyz");
        return ready && ready->status == 200;
      },
      absl::Seconds(10)));
  const auto before = Assigned(*server_);

  a.reset();  // SIGKILL: the Lease is not handed back
  const absl::Time killed = absl::Now();
  server_->Put(kServices, ServiceJson("shop", "after-takeover"));
  ASSERT_TRUE(WaitFor([&] { return !Ips("after-takeover").empty(); }, absl::Seconds(60)))
      << b->log();
  const absl::Duration takeover = absl::Now() - killed;
  std::printf("takeover after SIGKILL of the leader: %.1f s\n", absl::ToDoubleSeconds(takeover));
  EXPECT_EQ(LeaseHolder(), "replica-b");
  auto after = Assigned(*server_);
  after.erase("shop/after-takeover");
  EXPECT_EQ(after, before);
  metrics = http_b.Get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_THAT(metrics->body, HasSubstr("ironlb_controller_leader 1\n"));
  EXPECT_THAT(metrics->body, HasSubstr("ironlb_controller_services{state=\"assigned\"} 101\n"));
  EXPECT_EQ(b->StopWith(SIGTERM), 0);
}

TEST_F(ControllerProcessTest, WithoutAnApiServerItSaysWhatToDo) {
  Daemon d(binary_, {"--metrics-address=127.0.0.1:0"});
  d.WaitForLog("no Kubernetes API configured: pass --kubeconfig", std::chrono::seconds(10));
  EXPECT_EQ(d.StopWith(0), 1);
}

}  // namespace
}  // namespace ironlb::controller::testing

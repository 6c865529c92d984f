// The controller in Kubernetes with MetalLB's configuration as it is: metallb.io objects in
// metallb-system (CRDs installed or not), or MetalLB <= 0.12's ConfigMap, against the fake API
// server. Services get addresses; an advertisement naming a missing pool gets a Warning Event.
#include "absl/strings/str_cat.h"
#include "common/metrics.h"
#include "controller/controller_daemon.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "test/controller/api_objects.h"
#include "test/kube/fake_api_server.h"
#include "test/kube/kube_test_util.h"
#include "test/support/status_matchers.h"

namespace ironlb::controller::testing {
namespace {

using ::ironlb::kube::testing::ClientFor;
using ::ironlb::kube::testing::FakeApiServer;
using ::ironlb::testing::IsOk;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr char kMetalLB[] = "metallb-system";

bool Eventually(const std::function<bool()>& condition,
                absl::Duration timeout = absl::Seconds(20)) {
  const absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    if (condition()) return true;
    absl::SleepFor(absl::Milliseconds(50));
  }
  return condition();
}

json MetalLBObject(const std::string& kind, const std::string& name, json spec,
                   const std::string& version = "v1beta1") {
  return {{"apiVersion", absl::StrCat("metallb.io/", version)},
          {"kind", kind},
          {"metadata", {{"name", name}, {"namespace", kMetalLB}}},
          {"spec", std::move(spec)}};
}

class MetalLBKubeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto server = FakeApiServer::Start();
    ASSERT_THAT(server, IsOk());
    server_ = *std::move(server);
    client_ = ClientFor(*server_);
  }
  void TearDown() override {
    if (daemon_) daemon_->Stop();
  }
  void StartController(const std::string& config_map = "") {
    registry_ = std::make_unique<metrics::Registry>();
    auto daemon = ControllerDaemon::Create(client_.get(), *registry_,
                                           ControllerDaemonOptions{.ns = kSystemNamespace,
                                                                   .metallb_namespace = kMetalLB,
                                                                   .metallb_config_map = config_map,
                                                                   .identity = "test-controller"});
    ASSERT_THAT(daemon, IsOk());
    daemon_ = *std::move(daemon);
    daemon_->Start();
  }
  std::vector<std::string> Ips(const std::string& ns, const std::string& name) {
    auto s = server_->Object(kServices, ns, name);
    return s ? IngressIps(*s) : std::vector<std::string>{};
  }
  // The classic sharing set-up across namespaces (ingress TCP 80/443, WireGuard UDP 51820).
  void PutSharingServices() {
    const std::map<std::string, std::string> shared = {
        {"metallb.universe.tf/allow-shared-ip", "shared"}};
    server_->Put(kServices,
                 ServiceJson("ingress-nginx", "ingress-nginx-controller", {80, 443}, shared));
    json wg = ServiceJson("wireguard", "wireguard", {51820}, shared);
    wg["spec"]["ports"][0]["protocol"] = "UDP";
    server_->Put(kServices, wg);
  }

  std::unique_ptr<FakeApiServer> server_;
  std::unique_ptr<kube::Client> client_;
  std::unique_ptr<metrics::Registry> registry_;
  std::unique_ptr<ControllerDaemon> daemon_;
};

TEST_F(MetalLBKubeTest, MetalLBObjectsAsTheyAreAssignAndShareAcrossNamespaces) {
  server_->Put("metallb.io/v1beta1/ipaddresspools",
               MetalLBObject("IPAddressPool", "homelab",
                             {{"addresses", json::array({"192.168.1.240-192.168.1.250"})}}));
  server_->Put("metallb.io/v1beta1/l2advertisements",
               MetalLBObject("L2Advertisement", "l2",
                             {{"ipAddressPools", json::array({"homelab", "missing"})}}));
  PutSharingServices();
  StartController();
  ASSERT_TRUE(Eventually([&] {
    return !Ips("ingress-nginx", "ingress-nginx-controller").empty() &&
           !Ips("wireguard", "wireguard").empty();
  }));
  EXPECT_THAT(Ips("ingress-nginx", "ingress-nginx-controller"), ElementsAre("192.168.1.240"));
  EXPECT_THAT(Ips("wireguard", "wireguard"), ElementsAre("192.168.1.240"));
  // The missing pool is named where the operator looks: a Warning Event on the object.
  ASSERT_TRUE(Eventually(
      [&] { return !EventsAbout(*server_, "L2Advertisement", kMetalLB, "l2").empty(); }));
  EXPECT_THAT(EventsAbout(*server_, "L2Advertisement", kMetalLB, "l2"),
              Contains(HasSubstr("Warning ConfigurationWarning: spec.ipAddressPools[1]: no "
                                 "address pool is named \"missing\"")));
}

TEST_F(MetalLBKubeTest, LegacyConfigMapByFlag) {
  server_->Put("v1/configmaps",
               {{"apiVersion", "v1"},
                {"kind", "ConfigMap"},
                {"metadata", {{"name", "config"}, {"namespace", kMetalLB}}},
                {"data",
                 {{"config",
                   "address-pools:\n- name: default\n  protocol: layer2\n  addresses:\n  - "
                   "192.168.5.10-192.168.5.20\n"}}}});
  server_->Put(kServices, ServiceJson("web", "app"));
  StartController("config");
  ASSERT_TRUE(Eventually([&] { return !Ips("web", "app").empty(); }));
  EXPECT_THAT(Ips("web", "app"), ElementsAre("192.168.5.10"));
  // The pool annotation is a patch of its own, after the status.
  EXPECT_TRUE(Eventually(
      [&] { return PoolAnnotation(*server_->Object(kServices, "web", "app")) == "default"; }));
}

TEST_F(MetalLBKubeTest, BothGroupsAtOnceAndTheSameNameInBothIsNamed) {
  server_->Put(kPools, PoolJson("lan", {"10.0.0.0/28"}));
  server_->Put(
      "metallb.io/v1beta1/ipaddresspools",
      MetalLBObject("IPAddressPool", "metal", {{"addresses", json::array({"10.0.1.0/28"})}}));
  json web = ServiceJson("web", "app");
  web["metadata"]["annotations"] = {{"metallb.universe.tf/address-pool", "metal"}};
  server_->Put(kServices, web);
  StartController();
  ASSERT_TRUE(Eventually([&] { return !Ips("web", "app").empty(); }));
  EXPECT_THAT(Ips("web", "app"), ElementsAre("10.0.1.0"));
  // Now the same pool name in both groups: the MetalLB one is refused, with both named; the
  // Service keeps its address from the last good version.
  server_->Put(
      "metallb.io/v1beta1/ipaddresspools",
      MetalLBObject("IPAddressPool", "lan", {{"addresses", json::array({"10.0.2.0/28"})}}));
  ASSERT_TRUE(
      Eventually([&] { return !EventsAbout(*server_, "IPAddressPool", kMetalLB, "lan").empty(); }));
  EXPECT_THAT(EventsAbout(*server_, "IPAddressPool", kMetalLB, "lan"),
              Contains(HasSubstr("defines the same AddressPool \"lan\" as AddressPool/lan")));
  EXPECT_THAT(Ips("web", "app"), ElementsAre("10.0.1.0"));
}

}  // namespace
}  // namespace ironlb::controller::testing

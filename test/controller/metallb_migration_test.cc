// Switching from MetalLB with nothing edited: MetalLB's objects or legacy ConfigMap as they
// are, the Services as exported with the status MetalLB gave them. Every Service keeps its
// address; the classic cross-namespace sharing set-up gets one address; what would move or go
// pending is named with the reason (ironlbctl plan's migration check).
#include <fstream>
#include <sstream>

#include "config/loader.h"
#include "controller/manifest_reader.h"
#include "controller/plan.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ironlb::controller {
namespace {

using ::testing::HasSubstr;

std::string Fixture(const std::string& name) {
  std::ifstream in(std::string(IRONLB_TESTDATA) + "/metallb/" + name);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

config::Config MetalLBConfig(const std::string& fixture) {
  config::ConfigReader reader;
  reader.AddYaml(Fixture(fixture), fixture);
  config::LoadResult r = std::move(reader).Finish();
  EXPECT_TRUE(r.ok());
  return std::move(r.config);
}

std::vector<Service> Services(const std::string& yaml) {
  ManifestReader reader;
  reader.AddText(yaml, "services.yaml");
  ServiceManifests m = std::move(reader).Finish();
  EXPECT_TRUE(m.ok());
  return std::move(m.services);
}

const PlannedService& Find(const PlanOutput& plan, const std::string& key) {
  for (const auto& s : plan.services) {
    if (s.service == key) return s;
  }
  static const PlannedService kNone;
  ADD_FAILURE() << "no service " << key;
  return kNone;
}

std::string Ips(const PlannedService& s) {
  std::string out;
  for (const auto& ip : s.allocation.addresses) out += (out.empty() ? "" : ",") + ip.ToString();
  return out;
}

// The classic homelab: an ingress controller (TCP 80/443) and WireGuard (UDP 51820) in their
// own namespaces, both annotated allow-shared-ip: shared. MetalLB gives both one address.
constexpr char kSharing[] = R"(apiVersion: v1
kind: Service
metadata:
  name: ingress-nginx-controller
  namespace: ingress-nginx
  annotations: {metallb.universe.tf/allow-shared-ip: shared}
spec:
  type: LoadBalancer
  ports: [{name: http, port: 80, protocol: TCP}, {name: https, port: 443, protocol: TCP}]
---
apiVersion: v1
kind: Service
metadata:
  name: wireguard
  namespace: wireguard
  annotations: {metallb.universe.tf/allow-shared-ip: shared}
spec:
  type: LoadBalancer
  ports: [{port: 51820, protocol: UDP}]
)";

TEST(MetalLBMigrationTest, CrossNamespaceSharingGivesOneAddressAsMetalLBDoes) {
  for (const char* fixture : {"crs-layer2.yaml", "legacy-layer2.yaml"}) {
    SCOPED_TRACE(fixture);
    const PlanOutput plan = Plan(MetalLBConfig(fixture), {}, Services(kSharing));
    const PlannedService& ingress = Find(plan, "ingress-nginx/ingress-nginx-controller");
    const PlannedService& wg = Find(plan, "wireguard/wireguard");
    ASSERT_EQ(ingress.allocation.status, AllocationStatus::kAssigned) << ingress.allocation.reason;
    ASSERT_EQ(wg.allocation.status, AllocationStatus::kAssigned) << wg.allocation.reason;
    EXPECT_EQ(Ips(ingress), Ips(wg));
    EXPECT_EQ(Ips(ingress), "192.168.1.240");
    EXPECT_THAT(wg.shared_with, ::testing::ElementsAre("ingress-nginx/ingress-nginx-controller"));
  }
}

TEST(MetalLBMigrationTest, ExportedServicesKeepTheirAddressesOrAreNamedWithTheReason) {
  // As `kubectl get svc -A -o yaml` exports them after MetalLB assigned the addresses.
  const std::string exported = std::string(kSharing) + R"(---
apiVersion: v1
kind: Service
metadata: {name: app, namespace: web}
spec: {type: LoadBalancer, ports: [{port: 8080}]}
status: {loadBalancer: {ingress: [{ip: 192.168.1.245}]}}
---
apiVersion: v1
kind: Service
metadata: {name: stale, namespace: web}
spec: {type: LoadBalancer, ports: [{port: 8081}]}
status: {loadBalancer: {ingress: [{ip: 10.99.0.5}]}}
---
apiVersion: v1
kind: Service
metadata: {name: new, namespace: web}
spec: {type: LoadBalancer, ports: [{port: 8082}]}
)";
  // The sharing pair already holds .242 (MetalLB's choice, not the lowest free address).
  std::string with_status = exported;
  for (const char* svc : {"  ports: [{name: http, port: 80, protocol: TCP}, {name: https, port: "
                          "443, protocol: TCP}]\n",
                          "  ports: [{port: 51820, protocol: UDP}]\n"}) {
    const size_t at = with_status.find(svc) + std::string(svc).size();
    with_status.insert(at, "status: {loadBalancer: {ingress: [{ip: 192.168.1.242}]}}\n");
  }
  const PlanOutput plan = Plan(MetalLBConfig("legacy-layer2.yaml"), {}, Services(with_status));
  using Kind = AddressChange::Kind;
  EXPECT_EQ(Find(plan, "ingress-nginx/ingress-nginx-controller").change.kind, Kind::kKept);
  EXPECT_EQ(Find(plan, "wireguard/wireguard").change.kind, Kind::kKept);
  EXPECT_EQ(Ips(Find(plan, "wireguard/wireguard")), "192.168.1.242");
  EXPECT_EQ(Find(plan, "web/app").change.kind, Kind::kKept);
  EXPECT_EQ(Ips(Find(plan, "web/app")), "192.168.1.245");
  const PlannedService& stale = Find(plan, "web/stale");
  EXPECT_EQ(stale.change.kind, Kind::kMoved);
  EXPECT_THAT(stale.change.reason,
              HasSubstr("would move from 10.99.0.5 to 192.168.1.241: 10.99.0.5 is in no pool"));
  EXPECT_EQ(Find(plan, "web/new").change.kind, Kind::kNew);
}

TEST(MetalLBMigrationTest, AServiceThatWouldLoseItsAddressIsPendingWithTheReason) {
  const PlanOutput plan = Plan(MetalLBConfig("legacy-layer2.yaml"), {}, Services(R"(
apiVersion: v1
kind: Service
metadata: {name: a, namespace: x}
spec: {type: LoadBalancer, ports: [{port: 80}]}
status: {loadBalancer: {ingress: [{ip: 192.168.1.240}]}}
---
apiVersion: v1
kind: Service
metadata: {name: b, namespace: y}
spec: {type: LoadBalancer, ports: [{port: 80}], loadBalancerIP: 192.168.1.240}
status: {loadBalancer: {ingress: [{ip: 192.168.1.240}]}}
)"));
  const PlannedService& b = Find(plan, "y/b");
  EXPECT_EQ(b.change.kind, AddressChange::Kind::kPending);
  EXPECT_THAT(b.change.reason, HasSubstr("would lose 192.168.1.240"));
  EXPECT_EQ(Find(plan, "x/a").change.kind, AddressChange::Kind::kKept);
}

}  // namespace
}  // namespace ironlb::controller

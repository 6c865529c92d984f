#include "controller/manifest_reader.h"

#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ironlb::controller {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

std::string Errors(const ServiceManifests& m) {
  std::vector<std::string> lines;
  for (const auto& d : m.diagnostics) lines.push_back(d.ToString());
  return absl::StrJoin(lines, "\n");
}

ServiceManifests Read(const std::string& text, const std::string& file = "svc.yaml") {
  ManifestReader r;
  r.AddText(text, file);
  return std::move(r).Finish();
}

TEST(ManifestReaderTest, ReadsEveryFieldTheAllocatorUses) {
  ServiceManifests m = Read(R"(apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: shop
  creationTimestamp: "2024-05-01T12:00:00Z"
  labels: {app: web}
  annotations: {ironlb.io/sharing-key: k, ironlb.io/pool: lan}
spec:
  type: LoadBalancer
  loadBalancerClass: ironlb.io/lb
  loadBalancerIP: 192.0.2.7
  externalTrafficPolicy: Local
  selector: {app: web}
  ipFamilies: [IPv6, IPv4]
  ipFamilyPolicy: PreferDualStack
  ports:
  - {port: 443}
  - {port: 53, protocol: UDP}
  - {port: 9, protocol: SCTP}
status:
  loadBalancer:
    ingress: [{ip: 192.0.2.7}, {hostname: lb.example}, {ip: "2001:db8::7"}]
)");
  ASSERT_TRUE(m.ok()) << Errors(m);
  ASSERT_EQ(m.services.size(), 1u);
  const Service& s = m.services[0];
  EXPECT_EQ(s.Key(), "shop/web");
  EXPECT_EQ(s.labels.at("app"), "web");
  EXPECT_EQ(s.annotations.at("ironlb.io/pool"), "lan");
  EXPECT_EQ(s.type, "LoadBalancer");
  EXPECT_EQ(s.load_balancer_class, "ironlb.io/lb");
  EXPECT_EQ(s.load_balancer_ip, "192.0.2.7");
  EXPECT_EQ(s.traffic_policy, TrafficPolicy::kLocal);
  EXPECT_EQ(s.selector.at("app"), "web");
  EXPECT_THAT(s.ip_families, ElementsAre(IpFamily::kV6, IpFamily::kV4));
  EXPECT_EQ(s.family_policy, FamilyPolicy::kPreferDualStack);
  EXPECT_THAT(s.ports,
              ElementsAre(ServicePort{PortProtocol::kTCP, 443}, ServicePort{PortProtocol::kUDP, 53},
                          ServicePort{PortProtocol::kSCTP, 9}));
  ASSERT_EQ(s.current.size(), 2u);
  EXPECT_EQ(s.current[1].ToString(), "2001:db8::7");
  EXPECT_EQ(s.created, absl::FromUnixSeconds(1714564800));
}

TEST(ManifestReaderTest, DefaultsFollowKubernetes) {
  ServiceManifests m = Read("apiVersion: v1\nkind: Service\nmetadata: {name: a}\n");
  ASSERT_TRUE(m.ok()) << Errors(m);
  EXPECT_EQ(m.services[0].namespace_, "default");
  EXPECT_EQ(m.services[0].type, "ClusterIP");
  EXPECT_EQ(m.services[0].traffic_policy, TrafficPolicy::kCluster);
  EXPECT_EQ(m.services[0].family_policy, FamilyPolicy::kSingleStack);
}

TEST(ManifestReaderTest, ListsNamespacesAndJson) {
  ServiceManifests m = Read(R"({"apiVersion":"v1","kind":"List","items":[
    {"apiVersion":"v1","kind":"Namespace","metadata":{"name":"shop","labels":{"tier":"gold"}}},
    {"apiVersion":"v1","kind":"Service","metadata":{"name":"a","namespace":"shop"}},
    {"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"}}]})",
                            "objects.json");
  ASSERT_TRUE(m.ok()) << Errors(m);
  ASSERT_EQ(m.services.size(), 1u);
  EXPECT_EQ(m.namespaces.at("shop").at("tier"), "gold");
  EXPECT_THAT(Errors(m), HasSubstr("warning: ignored: only v1 Services and Namespaces"));
}

TEST(ManifestReaderTest, ErrorsNameFileLineObjectAndField) {
  struct Case {
    std::string yaml;
    std::string want;
  };
  const std::string head = "apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec:\n";
  const std::vector<Case> cases = {
      {head + "  ports:\n  - {port: 0}\n",
       "svc.yaml:6: Service/web spec.ports[0].port: 0 is out of range 1..65535"},
      {head + "  ports:\n  - {port: 80, protocol: TCPX}\n",
       "svc.yaml:6: Service/web spec.ports[0].protocol: \"TCPX\" is not one of TCP, UDP, SCTP"},
      {head + "  ports:\n  - {protocol: UDP}\n", "spec.ports[0].port: a port needs a number"},
      {head + "  externalTrafficPolicy: Remote\n",
       "svc.yaml:5: Service/web spec.externalTrafficPolicy: \"Remote\" is not one of Cluster, "
       "Local"},
      {head + "  ipFamilies: [IPv5]\n", "spec.ipFamilies[0]: \"IPv5\" is not IPv4 or IPv6"},
      {head + "  ipFamilies: [IPv4, IPv4]\n", "spec.ipFamilies[1]: IPv4 is listed twice"},
      {head + "  ipFamilyPolicy: Both\n", "spec.ipFamilyPolicy: \"Both\" is not one of"},
      {head + "  selector: {app: 3}\n", "spec.selector.app: must be text"},
      {head + "  type: 5\n", "spec.type: must be text, not the number 5"},
      {"apiVersion: v1\nkind: Service\nmetadata: {name: web, creationTimestamp: yesterday}\n",
       "svc.yaml:3: Service/web metadata.creationTimestamp: \"yesterday\" is not an RFC 3339 "
       "time"},
      {"apiVersion: v1\nkind: Service\nmetadata: {name: web}\nstatus:\n  loadBalancer:\n"
       "    ingress: [{ip: 300.1.1.1}]\n",
       "Service/web status.loadBalancer.ingress[0].ip:"},
      {"apiVersion: v1\nkind: Service\nmetadata: {namespace: x}\n",
       "metadata.name: a Service needs a name"},
      {"apiVersion: v1\nkind: Service\n", "metadata: metadata.name is required"},
      {"- a\n- b\n", "each YAML document must be an object"},
      {"key: [unclosed\n", "not valid YAML"},
      {"apiVersion: v1\nkind: Service\nmetadata: {name: a}\n---\n"
       "apiVersion: v1\nkind: Service\nmetadata: {name: a}\n",
       "svc.yaml:7: Service/a metadata.name: Service default/a appears twice"},
  };
  for (const Case& c : cases) {
    ServiceManifests m = Read(c.yaml);
    EXPECT_FALSE(m.ok()) << c.yaml;
    EXPECT_THAT(Errors(m), HasSubstr(c.want)) << c.yaml;
  }
}

TEST(ManifestReaderTest, BadJsonSaysWhere) {
  ServiceManifests m = Read("{\"apiVersion\": \"v1\",,}", "x.json");
  EXPECT_FALSE(m.ok());
  EXPECT_THAT(Errors(m), HasSubstr("x.json: not valid JSON at byte 21"));
}

TEST(ManifestReaderTest, DeepJsonIsRefused) {
  const std::string deep = std::string(20000, '[') + std::string(20000, ']');
  ServiceManifests m =
      Read("{\"apiVersion\":\"v1\",\"kind\":\"List\",\"items\":" + deep + "}", "deep.json");
  EXPECT_FALSE(m.ok());
  EXPECT_THAT(Errors(m), HasSubstr("deep.json: nested more than 64 levels deep"));
}

TEST(ManifestReaderTest, OneBadServiceDoesNotHideTheOthers) {
  ServiceManifests m = Read(R"(apiVersion: v1
kind: Service
metadata: {name: good}
---
apiVersion: v1
kind: Service
metadata: {name: bad}
spec: {ports: 7}
)");
  EXPECT_FALSE(m.ok());
  ASSERT_EQ(m.services.size(), 1u);
  EXPECT_EQ(m.services[0].name, "good");
}

TEST(ManifestReaderTest, MissingPathIsAnError) {
  ManifestReader r;
  r.AddPath("/nonexistent/ironlb-services.yaml");
  ServiceManifests m = std::move(r).Finish();
  EXPECT_FALSE(m.ok());
  EXPECT_THAT(Errors(m), HasSubstr("/nonexistent/ironlb-services.yaml: cannot read"));
  EXPECT_THAT(m.services, IsEmpty());
}

}  // namespace
}  // namespace ironlb::controller

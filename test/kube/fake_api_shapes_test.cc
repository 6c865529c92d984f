// The fake API server's pure pieces against the real server's documented behaviour: strategic
// merge patch directives, RBAC decisions and the 403 wording, the Service table, discovery.
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "test/kube/fake_rbac.h"
#include "test/kube/fake_resource_types.h"
#include "test/kube/fake_strategic_merge.h"
#include "test/kube/fake_tables.h"

namespace ironlb::kube::testing {
namespace {

using nlohmann::json;

TEST(StrategicMergePatchTest, ContainersAndEnvMergeByNameOtherListsAreReplaced) {
  const json deploy = json::parse(R"({"spec":{"template":{"spec":{
      "containers":[{"name":"a","image":"x","env":[{"name":"A","value":"1"}],
                     "args":["--one"]},{"name":"b","image":"y"}],
      "tolerations":[{"key":"k1"}]}}}})");
  const json patch = json::parse(R"({"spec":{"template":{"spec":{
      "$setElementOrder/containers":[{"name":"b"},{"name":"a"}],
      "containers":[{"name":"a","env":[{"name":"B","value":"2"}],"args":["--two"]},
                    {"name":"b","$patch":"delete"}],
      "tolerations":[{"key":"k2"}]}}}})");
  absl::StatusOr<json> out = StrategicMergePatch("Deployment", deploy, patch);
  ASSERT_TRUE(out.ok()) << out.status();
  const json& spec = (*out)["spec"]["template"]["spec"];
  ASSERT_EQ(spec["containers"].size(), 1u);
  EXPECT_EQ(spec["containers"][0]["image"], "x");
  EXPECT_EQ(spec["containers"][0]["env"],
            json::parse(R"([{"name":"A","value":"1"},{"name":"B","value":"2"}])"));
  EXPECT_EQ(spec["containers"][0]["args"], json::parse(R"(["--two"])"));
  EXPECT_EQ(spec["tolerations"], json::parse(R"([{"key":"k2"}])"));
}

TEST(StrategicMergePatchTest, RetainKeysNullsAndServicePortsByPort) {
  const json svc = json::parse(
      R"({"metadata":{"labels":{"a":"1","b":"2"}},"spec":{"ports":[{"port":80,"name":"h"}]}})");
  absl::StatusOr<json> out = StrategicMergePatch(
      "Service", svc,
      json::parse(
          R"({"metadata":{"labels":{"a":null}},"spec":{"ports":[{"port":80,"nodePort":30001},
                     {"port":443}]}})"));
  ASSERT_TRUE(out.ok());
  EXPECT_EQ((*out)["metadata"]["labels"], json::parse(R"({"b":"2"})"));
  EXPECT_EQ((*out)["spec"]["ports"],
            json::parse(R"([{"port":80,"name":"h","nodePort":30001},{"port":443}])"));
  absl::StatusOr<json> retained = StrategicMergePatch(
      "Deployment",
      json::parse(R"({"spec":{"strategy":{"type":"RollingUpdate","rollingUpdate":{}}}})"),
      json::parse(R"({"spec":{"strategy":{"$retainKeys":["type"],"type":"Recreate"}}})"));
  ASSERT_TRUE(retained.ok());
  EXPECT_EQ((*retained)["spec"]["strategy"], json::parse(R"({"type":"Recreate"})"));
  EXPECT_FALSE(StrategicMergePatch(
                   "Deployment", json::object(),
                   json::parse(R"({"spec":{"template":{"spec":{"containers":[{"image":"x"}]}}}})"))
                   .ok());  // no merge key
}

TEST(FakeRbacTest, BindingsGrantAndTheDenialIsWordedAsTheRealServer) {
  const json role = json::parse(R"({"metadata":{"name":"r","namespace":"ns"},"rules":[
      {"apiGroups":["coordination.k8s.io"],"resources":["leases"],"resourceNames":["me"],
       "verbs":["get","update"]}]})");
  const json binding = json::parse(R"({"metadata":{"name":"b","namespace":"ns"},
      "roleRef":{"kind":"Role","name":"r"},"subjects":[{"kind":"ServiceAccount","name":"sa"}]})");
  const json cluster_role = json::parse(R"({"metadata":{"name":"c"},"rules":[
      {"apiGroups":[""],"resources":["services/status"],"verbs":["update"]}]})");
  const json cluster_binding = json::parse(R"({"metadata":{"name":"cb"},
      "roleRef":{"kind":"ClusterRole","name":"c"},
      "subjects":[{"kind":"ServiceAccount","name":"sa","namespace":"ns"}]})");
  RbacObjects objects = [&](const std::string& kind) -> std::vector<json> {
    if (kind == "Role") return {role};
    if (kind == "RoleBinding") return {binding};
    if (kind == "ClusterRole") return {cluster_role};
    return {cluster_binding};
  };
  RequestAttributes r = ServiceAccountUser("ns", "sa");
  r.verb = "update";
  r.resource = "services";
  r.subresource = "status";
  r.ns = "web-ns";
  r.name = "web";
  EXPECT_TRUE(RbacAllows(r, objects));
  r.subresource = "";
  EXPECT_FALSE(RbacAllows(r, objects));
  EXPECT_EQ(ForbiddenStatus(r)["message"],
            "services \"web\" is forbidden: User \"system:serviceaccount:ns:sa\" cannot update "
            "resource \"services\" in API group \"\" in the namespace \"web-ns\"");
  RequestAttributes lease = ServiceAccountUser("ns", "sa");
  lease.verb = "get";
  lease.api_group = "coordination.k8s.io";
  lease.resource = "leases";
  lease.ns = "ns";
  lease.name = "me";
  EXPECT_TRUE(RbacAllows(lease, objects));
  lease.name = "other";
  EXPECT_FALSE(RbacAllows(lease, objects));
  lease.verb = "list";
  lease.name = "";
  EXPECT_EQ(ForbiddenStatus(lease)["message"],
            "leases.coordination.k8s.io is forbidden: User \"system:serviceaccount:ns:sa\" cannot "
            "list resource \"leases\" in API group \"coordination.k8s.io\" in the namespace "
            "\"ns\"");
  EXPECT_EQ(ForbiddenStatus(lease)["code"], 403);
}

TEST(FakeTablesTest, ServiceColumnsAsKubectlPrintsThem) {
  const json svc = json::parse(R"({"metadata":{"name":"web",
      "creationTimestamp":"2026-01-01T00:00:00Z"},"spec":{"type":"LoadBalancer",
      "clusterIP":"10.96.0.9","ports":[{"port":80,"nodePort":30080,"protocol":"TCP"}],
      "selector":{"app":"web"}},"status":{"loadBalancer":{}}})");
  const json table = TableOf({"Service", true, json::array()}, {svc}, "7", "",
                             absl::FromUnixSeconds(1767225600 + 75));
  EXPECT_EQ(table["rows"][0]["cells"],
            json::parse(R"(["web","LoadBalancer","10.96.0.9","<pending>","80:30080/TCP","75s",
                            "app=web"])"));
  EXPECT_EQ(table["rows"][0]["object"]["kind"], "PartialObjectMetadata");
  EXPECT_EQ(HumanDuration(absl::Minutes(190)), "3h10m");
  EXPECT_EQ(JsonPathValues(json::parse(R"({"status":{"conditions":[{"type":"A","status":"x"},
      {"type":"Accepted","status":"True"}]}})"),
                           ".status.conditions[?(@.type==\"Accepted\")].status"),
            std::vector<json>{"True"});
}

TEST(FakeDiscoveryTest, CrdTypesAppearInTheirGroupWithStatusSubresource) {
  std::vector<ResourceType> types = BuiltinResourceTypes();
  for (ResourceType& t : TypesOfCrd(json::parse(R"({"spec":{"group":"ironlb.io",
      "names":{"plural":"addresspools","kind":"AddressPool"},"scope":"Namespaced",
      "versions":[{"name":"v1alpha1","served":true,"subresources":{"status":{}}}]}})"))) {
    types.push_back(std::move(t));
  }
  const std::optional<json> list = DiscoveryDocument(types, "/apis/ironlb.io/v1alpha1", "x:1");
  ASSERT_TRUE(list.has_value());
  EXPECT_EQ((*list)["resources"][0]["name"], "addresspools");
  EXPECT_EQ((*list)["resources"][1]["name"], "addresspools/status");
  EXPECT_FALSE(DiscoveryDocument(types, "/apis/ironlb.io/v1", "x:1").has_value());
  EXPECT_EQ((*DiscoveryDocument(types, "/api", "x:1"))["versions"], json::array({"v1"}));
}

}  // namespace
}  // namespace ironlb::kube::testing

#include "test/kube/fake_resource_types.h"

#include <algorithm>
#include <map>
#include <tuple>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace ironlb::kube::testing {
namespace {

using nlohmann::json;

ResourceType Builtin(std::string group, std::string version, std::string plural,
                     std::string singular, std::string kind, bool namespaced, bool status,
                     std::vector<std::string> short_names = {},
                     std::vector<std::string> categories = {}) {
  ResourceType t;
  t.group = std::move(group);
  t.version = std::move(version);
  t.plural = std::move(plural);
  t.singular = std::move(singular);
  t.kind = std::move(kind);
  t.namespaced = namespaced;
  t.status_subresource = status;
  t.short_names = std::move(short_names);
  t.categories = std::move(categories);
  return t;
}

// Kubernetes' version priority: GA before beta before alpha, then the higher major, then the
// higher minor ("v1" > "v1beta2" > "v1beta1" > "v1alpha1"); anything else last, by name.
std::tuple<int, int, int> VersionRank(const std::string& v) {
  int major = 0;
  int minor = 0;
  if (v.size() < 2 || v[0] != 'v') return {0, 0, 0};
  size_t i = 1;
  while (i < v.size() && absl::ascii_isdigit(static_cast<unsigned char>(v[i]))) ++i;
  if (i == 1 || !absl::SimpleAtoi(v.substr(1, i - 1), &major)) return {0, 0, 0};
  if (i == v.size()) return {3, major, 0};
  for (const auto& [word, level] : {std::pair<const char*, int>{"beta", 2}, {"alpha", 1}}) {
    if (v.compare(i, std::string(word).size(), word) == 0 &&
        absl::SimpleAtoi(v.substr(i + std::string(word).size()), &minor)) {
      return {level, major, minor};
    }
  }
  return {0, 0, 0};
}

json ResourceEntry(const ResourceType& t) {
  json entry = {{"name", t.plural},
                {"singularName", t.singular},
                {"namespaced", t.namespaced},
                {"kind", t.kind},
                // deletecollection is left out: the fake does not implement it.
                {"verbs", {"create", "delete", "get", "list", "patch", "update", "watch"}}};
  if (!t.short_names.empty()) entry["shortNames"] = t.short_names;
  if (!t.categories.empty()) entry["categories"] = t.categories;
  return entry;
}

json GroupEntry(const std::string& group, const std::vector<std::string>& versions) {
  json out = {{"name", group}, {"versions", json::array()}};
  for (const std::string& v : versions) {
    out["versions"].push_back({{"groupVersion", absl::StrCat(group, "/", v)}, {"version", v}});
  }
  out["preferredVersion"] = out["versions"][0];
  return out;
}

}  // namespace

const std::vector<ResourceType>& BuiltinResourceTypes() {
  static const auto* types = new std::vector<ResourceType>{
      Builtin("", "v1", "configmaps", "configmap", "ConfigMap", true, false, {"cm"}),
      Builtin("", "v1", "endpoints", "endpoints", "Endpoints", true, false, {"ep"}),
      Builtin("", "v1", "events", "event", "Event", true, false, {"ev"}),
      Builtin("", "v1", "namespaces", "namespace", "Namespace", false, true, {"ns"}),
      Builtin("", "v1", "nodes", "node", "Node", false, true, {"no"}),
      Builtin("", "v1", "pods", "pod", "Pod", true, true, {"po"}, {"all"}),
      Builtin("", "v1", "secrets", "secret", "Secret", true, false),
      Builtin("", "v1", "serviceaccounts", "serviceaccount", "ServiceAccount", true, false, {"sa"}),
      Builtin("", "v1", "services", "service", "Service", true, true, {"svc"}, {"all"}),
      Builtin("apps", "v1", "daemonsets", "daemonset", "DaemonSet", true, true, {"ds"}, {"all"}),
      Builtin("apps", "v1", "deployments", "deployment", "Deployment", true, true, {"deploy"},
              {"all"}),
      Builtin("policy", "v1", "poddisruptionbudgets", "poddisruptionbudget", "PodDisruptionBudget",
              true, true, {"pdb"}),
      Builtin("rbac.authorization.k8s.io", "v1", "clusterrolebindings", "clusterrolebinding",
              "ClusterRoleBinding", false, false),
      Builtin("rbac.authorization.k8s.io", "v1", "clusterroles", "clusterrole", "ClusterRole",
              false, false),
      Builtin("rbac.authorization.k8s.io", "v1", "rolebindings", "rolebinding", "RoleBinding", true,
              false),
      Builtin("rbac.authorization.k8s.io", "v1", "roles", "role", "Role", true, false),
      Builtin("apiextensions.k8s.io", "v1", "customresourcedefinitions", "customresourcedefinition",
              "CustomResourceDefinition", false, true, {"crd", "crds"}),
      Builtin("coordination.k8s.io", "v1", "leases", "lease", "Lease", true, false),
      Builtin("discovery.k8s.io", "v1", "endpointslices", "endpointslice", "EndpointSlice", true,
              false),
  };
  return *types;
}

std::vector<ResourceType> TypesOfCrd(const json& crd) {
  std::vector<ResourceType> out;
  if (!crd.is_object() || !crd.contains("spec") || !crd["spec"].is_object()) return out;
  const json& spec = crd["spec"];
  const json names = spec.value("names", json::object());
  if (!spec.value("group", json()).is_string() || !names.is_object() ||
      !names.value("plural", json()).is_string() || !names.value("kind", json()).is_string() ||
      !spec.value("versions", json()).is_array()) {
    return out;
  }
  for (const json& v : spec["versions"]) {
    if (!v.is_object() || !v.value("name", json()).is_string() || !v.value("served", false)) {
      continue;
    }
    ResourceType t;
    t.group = spec["group"];
    t.version = v["name"];
    t.plural = names["plural"];
    t.kind = names["kind"];
    t.singular = names.value("singular", json()).is_string() ? names["singular"].get<std::string>()
                                                             : absl::AsciiStrToLower(t.kind);
    t.namespaced = spec.value("scope", json("Namespaced")) != "Cluster";
    t.builtin = false;
    t.status_subresource = v.contains("subresources") && v["subresources"].is_object() &&
                           v["subresources"].contains("status");
    if (names.value("shortNames", json()).is_array()) {
      for (const json& s : names["shortNames"]) {
        if (s.is_string()) t.short_names.push_back(s);
      }
    }
    if (names.value("categories", json()).is_array()) {
      for (const json& s : names["categories"]) {
        if (s.is_string()) t.categories.push_back(s);
      }
    }
    if (v.value("additionalPrinterColumns", json()).is_array()) {
      t.printer_columns = v["additionalPrinterColumns"];
    }
    out.push_back(std::move(t));
  }
  return out;
}

std::optional<json> DiscoveryDocument(const std::vector<ResourceType>& types,
                                      const std::string& path, const std::string& server_address) {
  // Groups in order of first appearance, each with its versions by priority.
  std::vector<std::string> group_order;
  std::map<std::string, std::vector<std::string>> versions;
  for (const ResourceType& t : types) {
    if (t.group.empty()) continue;
    auto& vs = versions[t.group];
    if (vs.empty()) group_order.push_back(t.group);
    if (std::find(vs.begin(), vs.end(), t.version) == vs.end()) vs.push_back(t.version);
  }
  for (auto& [group, vs] : versions) {
    std::stable_sort(vs.begin(), vs.end(), [](const std::string& a, const std::string& b) {
      return VersionRank(a) > VersionRank(b);
    });
  }
  if (path == "/api") {
    return json{{"kind", "APIVersions"},
                {"versions", {"v1"}},
                {"serverAddressByClientCIDRs",
                 {{{"clientCIDR", "0.0.0.0/0"}, {"serverAddress", server_address}}}}};
  }
  if (path == "/apis") {
    json groups = json::array();
    for (const std::string& g : group_order) groups.push_back(GroupEntry(g, versions[g]));
    return json{{"kind", "APIGroupList"}, {"apiVersion", "v1"}, {"groups", groups}};
  }
  std::string group_version;
  if (path == "/api/v1") {
    group_version = "v1";
  } else if (absl::StartsWith(path, "/apis/")) {
    const std::string rest = path.substr(6);
    const size_t slash = rest.find('/');
    if (slash == std::string::npos) {
      if (versions.count(rest) == 0) return std::nullopt;
      json group = GroupEntry(rest, versions[rest]);
      group["kind"] = "APIGroup";
      group["apiVersion"] = "v1";
      return group;
    }
    group_version = rest;
  } else {
    return std::nullopt;
  }
  json resources = json::array();
  for (const ResourceType& t : types) {
    if (t.api_version() != group_version) continue;
    resources.push_back(ResourceEntry(t));
    if (t.status_subresource) {
      resources.push_back({{"name", t.plural + "/status"},
                           {"singularName", ""},
                           {"namespaced", t.namespaced},
                           {"kind", t.kind},
                           {"verbs", {"get", "patch", "update"}}});
    }
  }
  if (resources.empty()) return std::nullopt;
  return json{{"kind", "APIResourceList"},
              {"apiVersion", "v1"},
              {"groupVersion", group_version},
              {"resources", resources}};
}

}  // namespace ironlb::kube::testing

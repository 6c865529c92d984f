#include "test/kube/fake_rbac.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace ironlb::kube::testing {
namespace {

using nlohmann::json;

bool Has(const json& list, const std::string& value) {
  if (!list.is_array()) return false;
  return std::any_of(list.begin(), list.end(),
                     [&](const json& v) { return v.is_string() && (v == value || v == "*"); });
}

bool ResourceMatches(const json& resources, const RequestAttributes& r) {
  if (!resources.is_array()) return false;
  const std::string combined =
      r.subresource.empty() ? r.resource : absl::StrCat(r.resource, "/", r.subresource);
  for (const json& v : resources) {
    if (!v.is_string()) continue;
    const std::string s = v;
    if (s == "*" || s == combined) return true;
    if (!r.subresource.empty() && s == "*/" + r.subresource) return true;
  }
  return false;
}

bool RuleAllows(const json& rule, const RequestAttributes& r) {
  if (!Has(rule.value("verbs", json()), r.verb)) return false;
  if (!Has(rule.value("apiGroups", json()), r.api_group)) return false;
  if (!ResourceMatches(rule.value("resources", json()), r)) return false;
  const json names = rule.value("resourceNames", json::array());
  if (names.is_array() && !names.empty()) {
    return !r.name.empty() && Has(names, r.name);
  }
  return true;
}

bool SubjectMatches(const json& subject, const RequestAttributes& r,
                    const std::string& binding_ns) {
  const std::string kind = subject.value("kind", "");
  const std::string name = subject.value("name", "");
  if (kind == "ServiceAccount") {
    const std::string ns = subject.value("namespace", binding_ns);
    return r.user == absl::StrCat("system:serviceaccount:", ns, ":", name);
  }
  if (kind == "User") return r.user == name;
  if (kind == "Group") return std::find(r.groups.begin(), r.groups.end(), name) != r.groups.end();
  return false;
}

std::string NameOf(const json& o) { return o["metadata"].value("name", ""); }
std::string NamespaceOf(const json& o) { return o["metadata"].value("namespace", ""); }

bool RoleAllows(const json& role, const RequestAttributes& r) {
  for (const json& rule : role.value("rules", json::array())) {
    if (RuleAllows(rule, r)) return true;
  }
  return false;
}

}  // namespace

RequestAttributes ServiceAccountUser(const std::string& ns, const std::string& name) {
  RequestAttributes r;
  r.user = absl::StrCat("system:serviceaccount:", ns, ":", name);
  r.groups = {"system:serviceaccounts", absl::StrCat("system:serviceaccounts:", ns),
              "system:authenticated"};
  return r;
}

bool RbacAllows(const RequestAttributes& r, const RbacObjects& objects) {
  const std::vector<json> cluster_roles = objects("ClusterRole");
  auto cluster_role = [&](const std::string& name) -> const json* {
    for (const json& c : cluster_roles) {
      if (NameOf(c) == name) return &c;
    }
    return nullptr;
  };
  for (const json& b : objects("ClusterRoleBinding")) {
    bool bound = false;
    for (const json& s : b.value("subjects", json::array()))
      bound = bound || SubjectMatches(s, r, "");
    if (!bound || b["roleRef"].value("kind", "") != "ClusterRole") continue;
    const json* role = cluster_role(b["roleRef"].value("name", ""));
    if (role != nullptr && RoleAllows(*role, r)) return true;
  }
  if (r.ns.empty()) return false;
  const std::vector<json> roles = objects("Role");
  for (const json& b : objects("RoleBinding")) {
    if (NamespaceOf(b) != r.ns) continue;
    bool bound = false;
    for (const json& s : b.value("subjects", json::array())) {
      bound = bound || SubjectMatches(s, r, r.ns);
    }
    if (!bound) continue;
    const std::string kind = b["roleRef"].value("kind", "");
    const std::string name = b["roleRef"].value("name", "");
    if (kind == "ClusterRole") {
      const json* role = cluster_role(name);
      if (role != nullptr && RoleAllows(*role, r)) return true;
    } else if (kind == "Role") {
      for (const json& role : roles) {
        if (NamespaceOf(role) == r.ns && NameOf(role) == name && RoleAllows(role, r)) return true;
      }
    }
  }
  return false;
}

json ForbiddenStatus(const RequestAttributes& r) {
  const std::string resource =
      r.subresource.empty() ? r.resource : absl::StrCat(r.resource, "/", r.subresource);
  std::string why = absl::StrCat("User \"", r.user, "\" cannot ", r.verb, " resource \"", resource,
                                 "\" in API group \"", r.api_group, "\"");
  absl::StrAppend(&why, r.ns.empty() ? " at the cluster scope"
                                     : absl::StrCat(" in the namespace \"", r.ns, "\""));
  const std::string qualified =
      r.api_group.empty() ? r.resource : absl::StrCat(r.resource, ".", r.api_group);
  const std::string message =
      r.name.empty() ? absl::StrCat(qualified, " is forbidden: ", why)
                     : absl::StrCat(qualified, " \"", r.name, "\" is forbidden: ", why);
  json details = {{"kind", r.resource}};
  if (!r.name.empty()) details["name"] = r.name;
  if (!r.api_group.empty()) details["group"] = r.api_group;
  return json{{"kind", "Status"},    {"apiVersion", "v1"}, {"metadata", json::object()},
              {"status", "Failure"}, {"message", message}, {"reason", "Forbidden"},
              {"details", details},  {"code", 403}};
}

}  // namespace ironlb::kube::testing

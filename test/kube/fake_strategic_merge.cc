#include "test/kube/fake_strategic_merge.h"

#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace ironlb::kube::testing {
namespace {

using nlohmann::json;

constexpr char kPrimitive[] = "";  // a merged list of scalars (no key)

// The merge key of the list at `path` ("spec.template.spec.containers"), or nullptr when the
// list is replaced. From the patchStrategy/patchMergeKey tags of k8s.io/api.
const char* MergeKeyOf(const std::string& kind, const std::string& path) {
  const size_t dot = path.rfind('.');
  const std::string field = dot == std::string::npos ? path : path.substr(dot + 1);
  const std::string parent = dot == std::string::npos ? "" : path.substr(0, dot);
  const bool in_container = absl::EndsWith(parent, "containers[]") ||
                            absl::EndsWith(parent, "initContainers[]") ||
                            absl::EndsWith(parent, "ephemeralContainers[]");
  if (path == "metadata.finalizers") return kPrimitive;
  if (path == "metadata.ownerReferences") return "uid";
  if (in_container) {
    if (field == "env") return "name";
    if (field == "ports") return "containerPort";
    if (field == "volumeMounts") return "mountPath";
    if (field == "volumeDevices") return "devicePath";
    return nullptr;
  }
  if (field == "containers" || field == "initContainers" || field == "ephemeralContainers" ||
      field == "volumes" || field == "imagePullSecrets") {
    return "name";
  }
  if (field == "hostAliases") return "ip";
  if (field == "topologySpreadConstraints") return "topologyKey";
  if (kind == "Service" && path == "spec.ports") return "port";
  if (path == "status.conditions") return "type";
  if (kind == "Node" && path == "status.addresses") return "type";
  return nullptr;
}

absl::StatusOr<json> MergeMap(const std::string& kind, const std::string& path, json original,
                              const json& patch);

bool SameKey(const json& a, const json& b, const std::string& key) {
  return a.is_object() && b.is_object() && a.contains(key) && b.contains(key) && a[key] == b[key];
}

// A patch list merged into an original list by `key` (kPrimitive: scalars, union).
absl::StatusOr<json> MergeList(const std::string& kind, const std::string& path,
                               const json& original, const json& patch, const std::string& key) {
  json out = original.is_array() ? original : json::array();
  if (key.empty()) {
    for (const json& v : patch) {
      bool present = false;
      for (const json& o : out) present = present || o == v;
      if (!present) out.push_back(v);
    }
    return out;
  }
  // {"$patch": "replace"} in the list: the list is what the rest of the patch says.
  for (const json& e : patch) {
    if (e.is_object() && e.value("$patch", "") == "replace") {
      json replaced = json::array();
      for (const json& p : patch) {
        if (!(p.is_object() && p.contains("$patch"))) replaced.push_back(p);
      }
      return replaced;
    }
  }
  for (const json& e : patch) {
    if (!e.is_object() || !e.contains(key)) {
      return absl::InvalidArgumentError(
          absl::StrCat("map: ", e.dump(), " does not contain declared merge key: ", key));
    }
    auto it = out.begin();
    while (it != out.end() && !SameKey(*it, e, key)) ++it;
    if (e.value("$patch", "") == "delete") {
      if (it != out.end()) out.erase(it);
      continue;
    }
    if (it == out.end()) {
      absl::StatusOr<json> added = MergeMap(kind, path + "[]", json::object(), e);
      if (!added.ok()) return added.status();
      out.push_back(*std::move(added));
    } else {
      absl::StatusOr<json> merged = MergeMap(kind, path + "[]", *it, e);
      if (!merged.ok()) return merged.status();
      *it = *std::move(merged);
    }
  }
  return out;
}

// Orders `list` as `order` says (elements named by their merge key, or scalars).
json Ordered(const json& list, const json& order, const std::string& key) {
  json out = json::array();
  std::vector<bool> used(list.size(), false);
  for (const json& o : order) {
    for (size_t i = 0; i < list.size(); ++i) {
      const bool match = key.empty() ? list[i] == o : SameKey(list[i], o, key);
      if (!used[i] && match) {
        out.push_back(list[i]);
        used[i] = true;
        break;
      }
    }
  }
  for (size_t i = 0; i < list.size(); ++i) {
    if (!used[i]) out.push_back(list[i]);
  }
  return out;
}

absl::StatusOr<json> MergeMap(const std::string& kind, const std::string& path, json original,
                              const json& patch) {
  if (!patch.is_object()) return patch;
  if (!original.is_object()) original = json::object();
  const std::string directive = patch.value("$patch", "");
  if (directive == "replace") {
    json replaced = patch;
    replaced.erase("$patch");
    return replaced;
  }
  if (directive == "delete") return json::object();
  if (!directive.empty() && directive != "merge") {
    return absl::InvalidArgumentError(absl::StrCat("unknown patch type: ", directive));
  }
  const std::string prefix = path.empty() ? "" : path + ".";
  if (patch.contains("$retainKeys")) {
    if (!patch["$retainKeys"].is_array()) {
      return absl::InvalidArgumentError("$retainKeys must be a list");
    }
    json kept = json::object();
    for (const json& k : patch["$retainKeys"]) {
      if (k.is_string() && original.contains(k.get<std::string>())) {
        kept[k.get<std::string>()] = original[k.get<std::string>()];
      }
    }
    original = std::move(kept);
  }
  for (const auto& [k, v] : patch.items()) {
    if (k == "$patch" || k == "$retainKeys" || absl::StartsWith(k, "$setElementOrder/")) continue;
    if (absl::StartsWith(k, "$deleteFromPrimitiveList/")) {
      const std::string field = k.substr(std::string("$deleteFromPrimitiveList/").size());
      if (original.contains(field) && original[field].is_array() && v.is_array()) {
        json kept = json::array();
        for (const json& e : original[field]) {
          bool doomed = false;
          for (const json& d : v) doomed = doomed || d == e;
          if (!doomed) kept.push_back(e);
        }
        original[field] = kept;
      }
      continue;
    }
    if (v.is_null()) {
      original.erase(k);
      continue;
    }
    const std::string child = prefix + k;
    if (v.is_object()) {
      absl::StatusOr<json> merged =
          MergeMap(kind, child, original.contains(k) ? original[k] : json::object(), v);
      if (!merged.ok()) return merged.status();
      original[k] = *std::move(merged);
    } else if (v.is_array()) {
      const char* key = MergeKeyOf(kind, child);
      if (key == nullptr) {
        original[k] = v;
      } else {
        absl::StatusOr<json> merged =
            MergeList(kind, child, original.contains(k) ? original[k] : json(), v, key);
        if (!merged.ok()) return merged.status();
        original[k] = *std::move(merged);
      }
    } else {
      original[k] = v;
    }
  }
  for (const auto& [k, v] : patch.items()) {
    if (!absl::StartsWith(k, "$setElementOrder/")) continue;
    const std::string field = k.substr(std::string("$setElementOrder/").size());
    const char* key = MergeKeyOf(kind, prefix + field);
    if (original.contains(field) && original[field].is_array() && v.is_array()) {
      original[field] = Ordered(original[field], v, key == nullptr ? "" : key);
    }
  }
  return original;
}

}  // namespace

absl::StatusOr<json> StrategicMergePatch(const std::string& kind, const json& original,
                                         const json& patch) {
  if (!patch.is_object()) {
    return absl::InvalidArgumentError("the patch is not a JSON object");
  }
  return MergeMap(kind, "", original, patch);
}

}  // namespace ironlb::kube::testing

#include "speaker/cluster_facts.h"

namespace ironlb::speaker {
namespace {

using nlohmann::json;

const json* Field(const json& object, const char* key) {
  if (!object.is_object()) return nullptr;
  auto it = object.find(key);
  return it == object.end() ? nullptr : &*it;
}

std::string StringField(const json& object, const char* key) {
  const json* f = Field(object, key);
  return f != nullptr && f->is_string() ? f->get<std::string>() : "";
}

// A missing condition means true for ready and serving (the API's rule), false for terminating.
bool Condition(const json& endpoint, const char* key, bool if_missing) {
  const json* conditions = Field(endpoint, "conditions");
  const json* c = conditions != nullptr ? Field(*conditions, key) : nullptr;
  return c != nullptr && c->is_boolean() ? c->get<bool>() : if_missing;
}

}  // namespace

std::string ClusterFacts::ExcludedBecause(const std::string& node) const {
  if (excluded_nodes.count(node) > 0) return "condition NetworkUnavailable=True";
  if (!node_labels.empty() && node_labels.count(node) == 0) {
    return "no Node object: deleted from the cluster";
  }
  return "";
}

const config::Labels& ClusterFacts::LabelsOf(const std::string& node,
                                             const config::Labels& fallback) const {
  auto it = node_labels.find(node);
  return it == node_labels.end() ? fallback : it->second;
}

NodeFacts ReadNode(const json& node) {
  NodeFacts out;
  const json* meta = Field(node, "metadata");
  if (meta == nullptr) return out;
  out.name = StringField(*meta, "name");
  if (const json* labels = Field(*meta, "labels"); labels != nullptr && labels->is_object()) {
    for (const auto& [k, v] : labels->items()) {
      if (v.is_string()) out.labels[k] = v.get<std::string>();
    }
  }
  if (out.labels.count(kExcludeLabel) > 0) {
    out.excluded_because = std::string("label ") + kExcludeLabel;
    return out;
  }
  const json* status = Field(node, "status");
  const json* conditions = status != nullptr ? Field(*status, "conditions") : nullptr;
  if (conditions != nullptr && conditions->is_array()) {
    for (const json& c : *conditions) {
      if (StringField(c, "type") == "NetworkUnavailable" && StringField(c, "status") == "True") {
        out.excluded_because = "condition NetworkUnavailable=True";
      }
    }
  }
  return out;
}

std::set<std::string> NodesWithEndpoints(const std::vector<const json*>& slices) {
  std::set<std::string> ready;
  std::set<std::string> serving;
  for (const json* slice : slices) {
    const json* endpoints = Field(*slice, "endpoints");
    if (endpoints == nullptr || !endpoints->is_array()) continue;
    for (const json& ep : *endpoints) {
      const std::string node = StringField(ep, "nodeName");
      if (node.empty()) continue;
      if (Condition(ep, "ready", true)) ready.insert(node);
      if (Condition(ep, "serving", true)) serving.insert(node);
    }
  }
  return ready.empty() ? serving : ready;
}

}  // namespace ironlb::speaker

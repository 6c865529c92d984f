#include "controller/service_fields.h"

namespace ironlb::controller {
namespace {

using nlohmann::json;

// Copies `keys` of `from` (when present) into a new object. Copies, not moves: the kept
// fields then sit together in fresh memory, and the parsed object is freed whole, instead of
// leaving its survivors scattered over pages that can never be returned.
json Pick(const json& from, std::initializer_list<const char*> keys) {
  json out = json::object();
  if (!from.is_object()) return out;
  for (const char* key : keys) {
    auto it = from.find(key);
    if (it != from.end()) out[key] = *it;
  }
  return out;
}

}  // namespace

json KeepServiceFields(json service) {  // NOLINT: by value, freed whole on return
  if (!service.is_object()) return service;
  json out = Pick(service, {"apiVersion", "kind", "status"});
  if (auto meta = service.find("metadata"); meta != service.end() && meta->is_object()) {
    json m = Pick(*meta, {"name", "namespace", "uid", "resourceVersion", "creationTimestamp",
                          "labels", "annotations"});
    if (m.contains("annotations") && m["annotations"].is_object()) {
      m["annotations"].erase("kubectl.kubernetes.io/last-applied-configuration");
    }
    out["metadata"] = std::move(m);
  }
  if (auto spec = service.find("spec"); spec != service.end() && spec->is_object()) {
    json s = Pick(*spec, {"type", "loadBalancerClass", "loadBalancerIP", "externalTrafficPolicy",
                          "selector", "ipFamilies", "ipFamilyPolicy", "ports"});
    if (s.contains("ports") && s["ports"].is_array()) {
      for (json& port : s["ports"]) port = Pick(port, {"protocol", "port"});
    }
    out["spec"] = std::move(s);
  } else if (spec != service.end()) {
    out["spec"] = *spec;  // malformed: keep it, the decoder reports it
  }
  return out;
}

}  // namespace ironlb::controller

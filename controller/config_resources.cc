#include "controller/config_resources.h"

#include "config/kinds.h"

namespace ironlb::controller {

const std::vector<kube::Resource>& ConfigResources() {
  static const auto* resources = [] {
    auto* out = new std::vector<kube::Resource>;
    for (const config::Kind& k : config::kKinds) {
      out->push_back(
          kube::Resource{config::kApiGroup, config::kApiGroupVersion, k.plural, k.name, true});
    }
    return out;
  }();
  return *resources;
}

const std::vector<kube::Resource>& MetalLBConfigResources() {
  static const auto* resources = [] {
    auto* out = new std::vector<kube::Resource>;
    for (const config::Kind& k : config::kMetalLBKinds) {
      out->push_back(kube::Resource{config::kMetalLBGroup, config::MetalLBVersionOf(k.name),
                                    k.plural, k.name, true});
    }
    return out;
  }();
  return *resources;
}

kube::Resource ConfigMapResource() { return {"", "v1", "configmaps", "ConfigMap", true}; }

const kube::Resource* ConfigResourceOf(absl::string_view kind) {
  for (const kube::Resource& r : ConfigResources()) {
    if (r.kind == kind) return &r;
  }
  return nullptr;
}

const kube::Resource* ConfigResourceOf(const nlohmann::json& object) {
  if (!object.is_object()) return nullptr;
  const std::string api = object.value("apiVersion", "");
  const std::string kind = object.value("kind", "");
  const std::string group = api.substr(0, api.find('/'));
  const std::vector<kube::Resource>* list = nullptr;
  if (group == config::kMetalLBGroup) {
    list = &MetalLBConfigResources();
  } else if (group == config::kApiGroup) {
    list = &ConfigResources();
  } else {
    return nullptr;
  }
  for (const kube::Resource& r : *list) {
    if (r.kind == kind) return &r;
  }
  return nullptr;
}

}  // namespace ironlb::controller

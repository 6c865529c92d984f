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

const kube::Resource* ConfigResourceOf(absl::string_view kind) {
  for (const kube::Resource& r : ConfigResources()) {
    if (r.kind == kind) return &r;
  }
  return nullptr;
}

}  // namespace ironlb::controller

#include "controller/config_resources.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace ironlb::controller {

const std::vector<kube::Resource>& ConfigResources() {
  static const auto* resources = [] {
    auto* out = new std::vector<kube::Resource>;
    for (const char* kind : {"AddressPool", "L2Advertisement", "BGPAdvertisement", "BGPPeer",
                             "BFDProfile", "PortForward"}) {
      out->push_back(kube::Resource{"ironlb.io", "v1alpha1",
                                    absl::StrCat(absl::AsciiStrToLower(kind), "s"), kind, true});
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

// ironlb's configuration kinds as Kubernetes resources (CRDs of group ironlb.io, version
// v1alpha1): the kinds config/ decodes, and the plural each is served under.
#pragma once

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "kube/resource.h"

namespace ironlb::controller {

// AddressPool, L2Advertisement, BGPAdvertisement, BGPPeer, BFDProfile, PortForward; namespaced.
const std::vector<kube::Resource>& ConfigResources();
// The resource of `kind`, or nullptr.
const kube::Resource* ConfigResourceOf(absl::string_view kind);

}  // namespace ironlb::controller

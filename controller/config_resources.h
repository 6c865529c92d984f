// The configuration kinds as Kubernetes resources: ironlb's CRDs (group ironlb.io, version
// v1alpha1) and MetalLB's (group metallb.io: v1beta1, BGPPeer v1beta2), which ironlb reads as
// they are, and the ConfigMap of MetalLB <= 0.12.
#pragma once

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "kube/resource.h"
#include "nlohmann/json.hpp"

namespace ironlb::controller {

// AddressPool, L2Advertisement, BGPAdvertisement, BGPPeer, BFDProfile, PortForward; namespaced.
const std::vector<kube::Resource>& ConfigResources();
// IPAddressPool, L2Advertisement, BGPAdvertisement, BGPPeer, BFDProfile, Community.
const std::vector<kube::Resource>& MetalLBConfigResources();
// v1 ConfigMaps (MetalLB's legacy configuration).
kube::Resource ConfigMapResource();
// The ironlb.io resource of `kind`, or nullptr.
const kube::Resource* ConfigResourceOf(absl::string_view kind);
// The resource `object` belongs to by its apiVersion and kind (ironlb.io or metallb.io), or
// nullptr (a ConfigMap, or anything else).
const kube::Resource* ConfigResourceOf(const nlohmann::json& object);

}  // namespace ironlb::controller

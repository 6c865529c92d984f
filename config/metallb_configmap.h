// MetalLB's legacy configuration (MetalLB <= 0.12): a v1 ConfigMap, `config` in metallb-system,
// whose `data.config` holds address-pools, peers, bgp-communities and bfd-profiles. It is read
// natively, with the meaning MetalLB 0.12 gave it, by turning it into the metallb.io objects
// MetalLB's own converter (configmaptocrs) makes of it, with the same names: the pools keep
// theirs, peers become peer1, peer2..., layer2 pools get l2advertisement1..., BGP advertisements
// bgpadvertisement1..., the communities one Community "communities", BFD profiles keep theirs.
// Messages about those objects point into the ConfigMap: file, line, and the field as written
// ("ConfigMap/config data.config address-pools[0].addresses[1]: ...").
#pragma once

#include <string>
#include <vector>

#include "config/diagnostic.h"
#include "config/yaml_documents.h"
#include "nlohmann/json.hpp"

namespace ironlb::config {

// The ConfigMap name MetalLB read by default.
inline constexpr char kMetalLBConfigMapName[] = "config";

// A v1 ConfigMap with a `config` key in its data.
bool IsMetalLBConfigMap(const nlohmann::json& object);

// The metallb.io objects `doc` (a ConfigMap as IsMetalLBConfigMap) defines, each with the lines
// and legacy field names of its fields. Problems of the legacy form itself (a protocol other
// than layer2/bgp, a malformed data.config) become diagnostics.
std::vector<Document> LegacyConfigMapObjects(const Document& doc,
                                             std::vector<Diagnostic>* diagnostics);

}  // namespace ironlb::config

// Decoding of one Kubernetes-style object (apiVersion, kind, metadata, spec) into the
// configuration model, with per-field checks. Cross-object rules live in validate.h.
#pragma once

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "config/diagnostic.h"
#include "config/types.h"
#include "config/yaml_documents.h"
#include "nlohmann/json.hpp"

namespace ironlb::config {

// An object of another API group found beside the configuration (for example the v1
// Services of a standalone speaker's config directory), kept for whoever reads them.
struct RawObject {
  nlohmann::json object;
  ObjectSource source;
};

// Decodes `doc` into `config` (ironlb.io kinds) or `others` (everything else). An object with
// errors is still added with what could be read, so that references to it resolve and no
// second, misleading error follows; its errors make the whole load fail anyway.
// MetalLB's objects (metallb.io/v1beta1, BGPPeer also v1beta2) are read with MetalLB's meaning
// into the same model; messages name them "IPAddressPool.metallb.io/lan".
void DecodeObject(const Document& doc, Config* config, std::vector<RawObject>* others,
                  std::vector<Diagnostic>* diagnostics);

// How messages name an object: "AddressPool/lan", "L2Advertisement.metallb.io/l2".
std::string ObjectLabel(absl::string_view group, absl::string_view kind, absl::string_view name);

}  // namespace ironlb::config

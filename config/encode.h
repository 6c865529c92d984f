// The configuration model written back as ironlb.io/v1alpha1 objects, for `ironlbctl convert`:
// what it writes, read again, defines exactly the same configuration (round trip, tested on
// every fixture). Defaults are left out; every value that differs from one is written.
#pragma once

#include <string>
#include <vector>

#include "config/types.h"
#include "nlohmann/json.hpp"

namespace ironlb::config {

struct EncodedObject {
  nlohmann::json object;     // apiVersion, kind, metadata, spec
  const ObjectMeta* source;  // the object it was made from (for "where it came from")
  std::string source_kind;   // that object's kind in ironlb ("AddressPool", ...)
};

// Every object of `config` but MetalLB's Community aliases (their values are written into the
// advertisements that use them), in the order of Config's lists.
std::vector<EncodedObject> EncodeConfig(const Config& config);

}  // namespace ironlb::config

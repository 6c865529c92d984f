// Decoding of a PortForward target's backend set: `backends`, `sessionAffinity`, `whenAllDown`
// and `healthCheck`, with every bad field named.
#pragma once

#include "config/fields.h"
#include "config/types.h"

namespace ironlb::config {

// The target object `t` at `path`; fills ft.backends (and ft.address from the first backend),
// its balancing options and health check.
void DecodeTargetBackends(const Json& t, const FieldPath& path, ForwardTarget& ft,
                          FieldContext& ctx);

}  // namespace ironlb::config

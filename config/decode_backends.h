// Decoding of a PortForward target's backend set: `backends`, `sessionAffinity`, `whenAllDown`
// and `healthCheck`, and of an L2Advertisement's `localCheck` (the same checker, run by each
// node on itself), with every bad field named.
#pragma once

#include "config/fields.h"
#include "config/types.h"

namespace ironlb::config {

// The target object `t` at `path`; fills ft.backends (and ft.address from the first backend),
// its balancing options and health check.
void DecodeTargetBackends(const Json& t, const FieldPath& path, ForwardTarget& ft,
                          FieldContext& ctx);

// `localCheck` of an L2Advertisement's spec at `path` (absent: `out` stays empty): a health
// check as above plus `address` (default 127.0.0.1); the port is required, type None refused.
void DecodeLocalCheck(const Json& spec, const FieldPath& path, std::optional<LocalCheck>& out,
                      FieldContext& ctx);

}  // namespace ironlb::config

// Strategic merge patch (application/strategic-merge-patch+json) as the real API server
// applies it to built-in kinds: maps merge (null deletes), lists of the fields Kubernetes'
// types tag `patchStrategy:"merge"` merge by their `patchMergeKey` (containers by name, env by
// name, a container's ports by containerPort, a Service's ports by port, volumes by name, ...),
// other lists are replaced; the directives kubectl sends are honoured: `$patch`
// (replace/delete/merge), `$retainKeys`, `$setElementOrder/FIELD`,
// `$deleteFromPrimitiveList/FIELD`.
// Known simplification: `$setElementOrder` puts the listed elements first, in its order, and
// elements only the server has after them (the real server interleaves them by their old
// positions).
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"

namespace ironlb::kube::testing {

// `original` (an object of `kind`) patched with `patch`; an error (400 for the caller) for a
// malformed patch.
absl::StatusOr<nlohmann::json> StrategicMergePatch(const std::string& kind,
                                                   const nlohmann::json& original,
                                                   const nlohmann::json& patch);

}  // namespace ironlb::kube::testing

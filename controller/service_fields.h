// The fields of a Service the controller reads or writes back; everything else is dropped
// before the informer caches it (a cached nlohmann::json Service costs kilobytes, and a
// controller caches every Service of the cluster). Dropped: managedFields, the
// last-applied-configuration annotation, clusterIPs, node ports, session affinity, ... The
// status subresource write sends this trimmed object, which is fine: the API server takes
// only status (and the resourceVersion precondition) from a status write.
#pragma once

#include "nlohmann/json.hpp"

namespace ironlb::controller {

nlohmann::json KeepServiceFields(nlohmann::json service);

}  // namespace ironlb::controller

// A whole allocation decided at once from manifests: what `ironlbctl plan` prints. The same
// inputs always give the same result, whatever the order of the Services.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "config/types.h"
#include "controller/allocation.h"
#include "controller/allocator.h"
#include "controller/service.h"

namespace ironlb::controller {

struct PlannedService {
  std::string service;  // "namespace/name"
  Allocation allocation;
  std::vector<std::string> shared_with;
};

struct PlanOutput {
  std::vector<PlannedService> services;  // in input order
  std::vector<PoolStats> pools;
};

// `choice`: kStableHash plans as a standalone speaker does (see AddressChoice).
PlanOutput Plan(const config::Config& config, const std::map<std::string, Labels>& namespaces,
                const std::vector<Service>& services,
                const std::optional<std::string>& lb_class = std::nullopt,
                AddressChoice choice = AddressChoice::kLowestFree);

}  // namespace ironlb::controller

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

// What a plan does to the addresses a Service has now (status.loadBalancer.ingress, for
// example given by MetalLB): the migration check of `ironlbctl plan`.
struct AddressChange {
  enum class Kind { kKept, kMoved, kPending, kNew, kIgnored };
  Kind kind = Kind::kKept;
  std::string reason;  // empty for kKept and kNew
};
absl::string_view AddressChangeName(AddressChange::Kind kind);
// The verdict for one Service, with the reason when it does not keep its addresses.
AddressChange ChangeFor(const Service& service, const Allocation& planned);

struct PlannedService {
  std::string service;  // "namespace/name"
  Allocation allocation;
  std::vector<std::string> shared_with;
  AddressChange change;
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

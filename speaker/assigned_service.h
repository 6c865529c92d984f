// The allocation engine's output as every planner of the speaker reads it: each Service with
// the addresses it holds, side by side in one object (standalone mode: controller::Plan's
// decision; Kubernetes mode: the Service's status, written by the controller).
#pragma once

#include <string>
#include <vector>

#include "controller/allocation.h"
#include "controller/plan.h"
#include "controller/service.h"

namespace ironlb::speaker {

struct AssignedService {
  std::string name;  // "namespace/name"
  controller::Service service;
  controller::Allocation allocation;  // kAssigned with its addresses and pool, or not

  bool assigned() const { return allocation.status == controller::AllocationStatus::kAssigned; }
};
using AssignedServices = std::vector<AssignedService>;

// Pairs the engine's input with its output: `plan` is controller::Plan(..., services, ...),
// whose services[i] is the allocation of services[i].
AssignedServices Assign(std::vector<controller::Service> services, controller::PlanOutput plan);

}  // namespace ironlb::speaker

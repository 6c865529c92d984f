#include "speaker/assigned_service.h"

#include <utility>

namespace ironlb::speaker {

AssignedServices Assign(std::vector<controller::Service> services, controller::PlanOutput plan) {
  AssignedServices out;
  out.reserve(services.size());
  for (size_t i = 0; i < services.size(); ++i) {
    AssignedService a{.name = services[i].Key(), .service = std::move(services[i])};
    if (i < plan.services.size()) a.allocation = std::move(plan.services[i].allocation);
    out.push_back(std::move(a));
  }
  return out;
}

}  // namespace ironlb::speaker

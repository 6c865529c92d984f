#include "controller/plan.h"

namespace ironlb::controller {

PlanOutput Plan(const config::Config& config, const std::map<std::string, Labels>& namespaces,
                const std::vector<Service>& services, const std::optional<std::string>& lb_class,
                AddressChoice choice) {
  Allocator allocator(lb_class, choice);
  allocator.SetConfig(config);
  for (const auto& [ns, labels] : namespaces) allocator.SetNamespaceLabels(ns, labels);
  allocator.UpsertAll(services);
  PlanOutput out;
  for (const Service& s : services) {
    const std::string key = s.Key();
    out.services.push_back({key, *allocator.Find(key), allocator.SharedWith(key)});
  }
  out.pools = allocator.Stats();
  return out;
}

}  // namespace ironlb::controller

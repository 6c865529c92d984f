#include "speaker/standalone_services.h"

#include "absl/strings/str_cat.h"
#include "common/log.h"
#include "controller/manifest_reader.h"

namespace ironlb::speaker {

AssignedServices ReadStandaloneServices(const config::LoadResult& config, const std::string& dir) {
  controller::ManifestReader reader;
  reader.AddPath(dir);
  controller::ServiceManifests manifests = std::move(reader).Finish();
  for (const auto& d : manifests.diagnostics) {
    IRONLB_LOG(kWarn, "service manifest problem").With("where", d.ToString());
  }
  // Hashed choice: every speaker must agree on the addresses without sharing state, and adding
  // or removing a Service must not move the others.
  controller::PlanOutput plan =
      controller::Plan(config.config, manifests.namespaces, manifests.services, std::nullopt,
                       controller::AddressChoice::kStableHash);
  return Assign(std::move(manifests.services), std::move(plan));
}

std::vector<std::string> PendingServices(const AssignedServices& services) {
  std::vector<std::string> out;
  for (const AssignedService& s : services) {
    if (s.allocation.status != controller::AllocationStatus::kPending) continue;
    out.push_back(absl::StrCat("Service ", s.name, " is pending: ", s.allocation.reason));
  }
  return out;
}

}  // namespace ironlb::speaker

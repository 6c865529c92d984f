#include "speaker/standalone_services.h"

#include "absl/strings/str_cat.h"
#include "common/log.h"
#include "controller/manifest_reader.h"

namespace ironlb::speaker {

StandaloneServices ReadStandaloneServices(const config::LoadResult& config,
                                          const std::string& dir) {
  controller::ManifestReader reader;
  reader.AddPath(dir);
  controller::ServiceManifests manifests = std::move(reader).Finish();
  for (const auto& d : manifests.diagnostics) {
    IRONLB_LOG(kWarn, "service manifest problem").With("where", d.ToString());
  }
  StandaloneServices out;
  // Hashed choice: every speaker must agree on the addresses without sharing state, and adding
  // or removing a Service must not move the others.
  out.plan = controller::Plan(config.config, manifests.namespaces, manifests.services, std::nullopt,
                              controller::AddressChoice::kStableHash);
  out.services = std::move(manifests.services);
  return out;
}

std::vector<std::string> PendingServices(const StandaloneServices& services) {
  std::vector<std::string> out;
  for (const controller::PlannedService& s : services.plan.services) {
    if (s.allocation.status != controller::AllocationStatus::kPending) continue;
    out.push_back(absl::StrCat("Service ", s.service, " is pending: ", s.allocation.reason));
  }
  return out;
}

}  // namespace ironlb::speaker

// Standalone mode's Services: the v1 Service manifests of the config directory, allocated by
// the same engine as the controller. Problems in manifests are logged, not fatal.
#pragma once

#include <string>
#include <vector>

#include "config/loader.h"
#include "speaker/assigned_service.h"

namespace ironlb::speaker {

AssignedServices ReadStandaloneServices(const config::LoadResult& config, const std::string& dir);

// One line per Service the engine could not give an address, with its reason, for the log and
// `ironlbctl status`: "Service shop/web is pending: pool \"lan\" exhausted".
std::vector<std::string> PendingServices(const AssignedServices& services);

}  // namespace ironlb::speaker

// Rules that span objects: duplicate names, overlapping pools, references to pools, peers and
// BFD profiles that do not exist, aggregation lengths, one AS per VRF, port-forward clashes.
#pragma once

#include <vector>

#include "config/diagnostic.h"
#include "config/types.h"

namespace ironlb::config {

void ValidateConfig(const Config& config, std::vector<Diagnostic>* diagnostics);

// Pools an advertisement applies to: those named, those matching its pool selectors, or every
// pool when it names none and selects none.
std::vector<const AddressPool*> PoolsSelectedBy(const Config& config,
                                                const std::vector<std::string>& names,
                                                const std::vector<LabelSelector>& selectors);

}  // namespace ironlb::config

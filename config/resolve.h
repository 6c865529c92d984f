// References between objects that are resolved once the whole configuration is read: the
// community values of BGPAdvertisements, which may name aliases of MetalLB Community objects
// defined in another file or applied later.
#pragma once

#include <vector>

#include "config/diagnostic.h"
#include "config/types.h"

namespace ironlb::config {

// Fills every BGPAdvertisement's `communities` from its `community_texts`: a Community alias
// of that name (as MetalLB looks aliases up first), else the value itself. An alias that no
// Community defines is an error, as in MetalLB: the routes would leave without the community.
void ResolveReferences(Config* config, std::vector<Diagnostic>* diagnostics);

}  // namespace ironlb::config

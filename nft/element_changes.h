// The fast path of a reconcile: when the new desired state differs from the last applied one
// by a few entries (a common prefix and suffix, the usual shape of "a service came or went"),
// compute just the affected set elements, validating the changed entries and anything they
// could collide with, instead of rebuilding and diffing all elements.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "nft/desired_state.h"
#include "nft/ruleset_spec.h"

namespace ironlb::nft {

struct ElementChanges {
  // set -> elements to remove (applied first) / to add.
  std::map<std::string, std::vector<std::string>> remove;
  std::map<std::string, std::vector<std::pair<std::string, std::string>>> add;
};

// At most this many entries may differ for the fast path.
inline constexpr size_t kMaxFastPathEntries = 64;

// `applied` holds the kernel's elements for `before` (which passed validation). Returns nullopt
// when the fast path does not apply (too many changes, guarded ports changed); otherwise the
// changes, or an error naming a bad entry (as ValidateDesiredState would).
std::optional<absl::StatusOr<ElementChanges>> SmallElementChanges(
    const DesiredState& before, const DesiredState& after, const std::vector<SetSpec>& applied);

}  // namespace ironlb::nft

// The client's view of who owns a VIP on the LAN: its neighbour table entry for the VIP
// (`ip -j neigh`), mapped back to the lab host with that MAC.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "test/lab/lab.h"

namespace ironlb::lab {

struct NeighbourEntry {
  std::string mac;    // lowercase; empty when the entry has none (INCOMPLETE, FAILED)
  std::string state;  // e.g. "REACHABLE", "STALE"
};

// The entry for `vip` in `host`'s neighbour table; NotFound when there is none.
absl::StatusOr<NeighbourEntry> NeighbourFor(const Lab& lab, const Host& host,
                                            const std::string& vip);

// Parses `ip -j neigh show` output and picks `vip`'s entry (exposed for tests).
absl::StatusOr<NeighbourEntry> ParseNeighbourJson(const std::string& json, const std::string& vip);

// The speaker host `host` reaches `vip` through, by MAC; NotFound when no entry or no host
// with that MAC.
absl::StatusOr<const Host*> NeighbourOwner(const Lab& lab, const Host& host,
                                           const std::string& vip);

}  // namespace ironlb::lab

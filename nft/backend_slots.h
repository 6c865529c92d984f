// How a balanced forward spreads new connections: a fixed table of kBackendSlots slots, each
// naming one active backend. The kernel picks a slot per new connection (numgen random, or a
// jhash of the client address for source affinity) and DNATs to that slot's backend; conntrack
// keeps the connection there afterwards.
//
// Each slot goes to the active backend with the highest weighted rendezvous score of
// (slot, backend address, port). So a backend that becomes inactive (down, draining, removed)
// gives up exactly its own slots, spread over the others by weight, and no other slot moves; a
// backend that comes back takes back exactly those slots. The table is a pure function of the
// backend list, so a restarted speaker and the other router of an HA pair compute the same one.
#pragma once

#include <cstdint>
#include <vector>

#include "nft/desired_state.h"

namespace ironlb::nft {

// 1024 slots: a backend's expected share is within a few per cent of its weight's share for
// the small sets this is for (3 equal backends: ±4.5 % one standard deviation; 3:1: ±1.8 %).
inline constexpr uint32_t kBackendSlots = 1024;

// slot -> index into `backends`, or -1 for every slot when no backend is active.
std::vector<int> BackendSlotTable(const std::vector<Backend>& backends);

}  // namespace ironlb::nft

// A set of 128-bit numbers kept as disjoint, coalesced intervals, so that "the lowest number
// not in the set within [lo, hi]" costs O(log n) whatever the size of the address space. The
// allocator keeps one per address family for the addresses in use.
#pragma once

#include <cstddef>
#include <map>
#include <optional>

#include "common/ip.h"

namespace ironlb::controller {

class IntervalSet {
 public:
  bool Contains(uint128 v) const;
  // Adds `v`; returns false when it was already present.
  bool Insert(uint128 v);
  // Removes `v`; returns false when it was absent.
  bool Erase(uint128 v);
  void Clear() { intervals_.clear(); }

  // The lowest number in [lo, hi] that is not in the set, or nullopt.
  std::optional<uint128> FirstAbsent(uint128 lo, uint128 hi) const;

  size_t interval_count() const { return intervals_.size(); }

 private:
  // first -> last (inclusive). Invariant: intervals neither overlap nor touch.
  std::map<uint128, uint128> intervals_;
};

}  // namespace ironlb::controller

// The address pools of one configuration, indexed for the allocator: which pool holds an
// address, which pools a Service may draw from and in what order, and the lowest free address
// of a pool given the addresses in use. Nothing here walks a pool address by address.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/ip.h"
#include "common/verdict.h"
#include "config/types.h"
#include "controller/interval_set.h"
#include "controller/service.h"

namespace ironlb::controller {

using PoolIndex = uint32_t;

class PoolCatalog {
 public:
  PoolCatalog() = default;
  // The pools should come from a validated configuration: pools do not overlap. (With
  // overlaps, an address belongs to the range that starts closest below it.)
  explicit PoolCatalog(const std::vector<config::AddressPool>& pools);

  size_t size() const { return pools_.size(); }
  const config::AddressPool& pool(PoolIndex i) const { return pools_[i]; }
  const std::string& name(PoolIndex i) const { return pools_[i].meta.name; }
  std::optional<PoolIndex> Find(absl::string_view name) const;

  // The pool whose ranges contain `ip`.
  std::optional<PoolIndex> PoolOf(const IpAddress& ip) const;
  bool HasFamily(PoolIndex i, IpFamily f) const;
  // True when `ip` is .0 or .255 and the pool avoids such addresses.
  bool IsAvoided(PoolIndex i, const IpAddress& ip) const;

  // Whether the pool's serviceAllocation admits the Service (no section admits everyone), and
  // why: its namespaces / namespaceSelectors and serviceSelectors, and for autoAssign its rank.
  Verdict Admission(PoolIndex i, const Service& s, const Labels& namespace_labels) const;
  bool Admits(PoolIndex i, const Service& s, const Labels& namespace_labels) const {
    return Admission(i, s, namespace_labels).yes;
  }
  // autoAssign pools for a Service without a pool annotation, in the order they are tried:
  // matching serviceAllocation pools by priority (unset last, ties by name), then pools
  // without serviceAllocation by name.
  std::vector<PoolIndex> AutoAssignOrder(const Service& s, const Labels& namespace_labels) const;

  // The lowest address of family `f` in the pool that is not in `used` and not avoided.
  std::optional<IpAddress> FirstFree(PoolIndex i, IpFamily f, const IntervalSet& used) const;
  // The first free address at or after position `seed` (modulo the pool's size) of the pool's
  // `f` addresses, wrapping around: with `seed` a hash of the Service's name, its address does
  // not depend on which other Services exist (unless two hash to the same address).
  std::optional<IpAddress> FreeFrom(PoolIndex i, IpFamily f, const IntervalSet& used,
                                    uint64_t seed) const;

  // Addresses the pool can hand out (avoided addresses excluded), per family.
  uint128 Capacity(PoolIndex i, IpFamily f) const;

 private:
  struct Owned {
    uint128 first;
    uint128 last;
    PoolIndex pool;
  };
  std::vector<config::AddressPool> pools_;  // sorted by name; ranges sorted
  std::vector<Owned> owned_v4_;             // sorted by first
  std::vector<Owned> owned_v6_;
};

}  // namespace ironlb::controller

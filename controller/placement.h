// The rules that place one Service: whether the addresses it holds may stay with it, and which
// addresses it gets otherwise (or the precise reason it gets none). Reads the pools and the
// current usage; changes nothing (the Allocator commits the result).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/ip.h"
#include "controller/ip_usage.h"
#include "controller/pool_catalog.h"
#include "controller/service.h"
#include "controller/service_intent.h"

namespace ironlb::controller {

// How an automatic address is picked from a pool.
enum class AddressChoice {
  kLowestFree,  // the lowest free address (MetalLB's habit; the controller keeps assignments)
  // From a hash of "namespace/name": adding or removing one Service does not move another
  // (unless two names hash to the same address). For standalone speakers, which keep no state
  // and must all agree.
  kStableHash,
};

// The hash kStableHash uses: FNV-1a of `key`, finished with SplitMix64. Stable forever.
uint64_t StableAddressSeed(absl::string_view key);

struct Placed {
  std::vector<IpAddress> addresses;  // primary family first
  PoolIndex pool = 0;
};

struct Choice {
  std::optional<Placed> placed;
  std::string reason;  // why nothing was placed
};

class Placement {
 public:
  // `holder` describes the Service being placed; it must not be in `usage` yet.
  Placement(const PoolCatalog& catalog, const IpUsage& usage, const Labels& namespace_labels,
            const ServiceIntent& intent, const Holder& holder,
            AddressChoice choice = AddressChoice::kLowestFree)
      : choice_(choice),
        catalog_(catalog),
        usage_(usage),
        namespace_labels_(namespace_labels),
        intent_(intent),
        holder_(holder),
        service_(*holder.service) {}

  // Whether the Service may keep `addresses`: the placement when it may, else why not.
  Choice Keep(const std::vector<IpAddress>& addresses) const;
  // New addresses for the Service, or why there are none.
  Choice Choose() const;

 private:
  Choice ChooseRequested() const;
  // One address per family of `families` from `pool`, or why not.
  Choice FromPool(PoolIndex pool, const std::vector<IpFamily>& families) const;
  // Why `ip` (in `pool`) may not go to this Service, or nullopt.
  std::optional<std::string> WhyNotIn(PoolIndex pool, const IpAddress& ip) const;
  std::string NotAdmitted(PoolIndex pool) const;
  std::optional<std::string> WrongFamilies(const std::vector<IpAddress>& addresses) const;

  AddressChoice choice_;
  const PoolCatalog& catalog_;
  const IpUsage& usage_;
  const Labels& namespace_labels_;
  const ServiceIntent& intent_;
  const Holder& holder_;
  const Service& service_;
};

}  // namespace ironlb::controller

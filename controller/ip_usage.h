// Which Services hold which LoadBalancer IPs, and whether one more Service may join an IP under
// the sharing rules. Also the per-family sets of used addresses that PoolCatalog::FirstFree
// skips over, the index of shared IPs by (pool, sharing key), and in-use counts per pool.
#pragma once

#include <array>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "common/ip.h"
#include "common/verdict.h"
#include "controller/interval_set.h"
#include "controller/pool_catalog.h"
#include "controller/service.h"

namespace ironlb::controller {

// A Service as a holder of IPs; the pointers lead into the allocator's record of the Service.
// `service` has its ports sorted and without duplicates.
struct Holder {
  const Service* service = nullptr;
  const std::string* key = nullptr;          // "namespace/name"
  const std::string* sharing_key = nullptr;  // empty when the Service does not share
};

// The Service as the engine keeps it: ports sorted, duplicates removed (MayShare walks two
// port lists together, and a repeated port is no difference).
Service WithNormalizedPorts(Service s);

// Whether `a` may use `ip` beside its holder `b`, and why not: MetalLB's sharing rules (the same
// sharing key, the pool's namespace rule, the same traffic policy (Local: the same selector), no
// (protocol, port) used twice). `pool_name` and `across_namespaces` describe the IP's pool.
Verdict MayShare(const Holder& a, const Holder& b, const IpAddress& ip,
                 const std::string& pool_name, bool across_namespaces);

class IpUsage {
 public:
  explicit IpUsage(size_t pool_count = 0) : in_use_(pool_count) {}

  // Why `h` may not use `ip` beside its current holders, or nullopt when it may (or the IP is
  // free). `pool_name` and `across_namespaces` describe the pool the IP belongs to.
  std::optional<std::string> ConflictFor(const Holder& h, const IpAddress& ip,
                                         const std::string& pool_name,
                                         bool across_namespaces) const;

  void Add(const IpAddress& ip, PoolIndex pool, const Holder* h);
  void Remove(const IpAddress& ip, const Holder* h);

  // Holders of `ip` (empty when free), in the order they took it.
  const std::vector<const Holder*>& HoldersOf(const IpAddress& ip) const;
  // IPs of `pool` held by Services with sharing key `key` (nullptr when none).
  const std::set<IpAddress>* SharedIps(PoolIndex pool, const std::string& key) const;

  const IntervalSet& used(IpFamily f) const { return f == IpFamily::kV4 ? used_v4_ : used_v6_; }
  uint128 InUse(PoolIndex pool, IpFamily f) const {
    return in_use_[pool][f == IpFamily::kV4 ? 0 : 1];
  }
  size_t ip_count() const { return slots_.size(); }

 private:
  struct Slot {
    PoolIndex pool = 0;
    std::vector<const Holder*> holders;
  };

  absl::flat_hash_map<IpAddress, Slot> slots_;
  IntervalSet used_v4_;
  IntervalSet used_v6_;
  std::map<std::pair<PoolIndex, std::string>, std::set<IpAddress>> shared_;
  std::vector<std::array<uint128, 2>> in_use_;
};

}  // namespace ironlb::controller

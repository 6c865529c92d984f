// What the allocator decided for one Service, and pool statistics for metrics.
#pragma once

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "common/ip.h"

namespace ironlb::controller {

enum class AllocationStatus { kAssigned, kPending, kIgnored };
absl::string_view AllocationStatusName(AllocationStatus s);  // "assigned", "pending", "ignored"

struct Allocation {
  AllocationStatus status = AllocationStatus::kPending;
  std::vector<IpAddress> addresses;  // primary family first
  std::string pool;                  // when assigned
  std::string reason;                // when pending or ignored: why

  // Addresses the Service held before this decision and lost in it, and why.
  std::vector<IpAddress> released;
  std::string release_reason;

  bool SameOutcome(const Allocation& o) const {
    return status == o.status && addresses == o.addresses && pool == o.pool && reason == o.reason;
  }
};

struct PoolStats {
  std::string pool;
  uint128 total_v4 = 0;  // addresses the pool can hand out (avoided ones excluded)
  uint128 in_use_v4 = 0;
  uint128 total_v6 = 0;
  uint128 in_use_v6 = 0;
};

}  // namespace ironlb::controller

// Keeps the router's bgpd filtering what the speakers announce (see pool_filter.h): each pass
// reads bgpd's prefix-lists (gRPC northbound) and running configuration (vty), commits the
// difference to ironlb-pools-v4/-v6 in one transaction, and binds them inbound on the speakers'
// peer group where that is missing. Always reads FRR back first (the lists are small), so a
// restarted FRR is repaired by the next pass and a pass over a converged FRR sends nothing.
// Not thread-safe: one caller.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "bgp/northbound_client.h"
#include "bgp/pool_filter.h"
#include "bgp/vty_session.h"
#include "config/types.h"

namespace ironlb::bgp {

struct PoolFilterResult {
  size_t edits = 0;                       // northbound edits committed
  std::vector<std::string> vty_commands;  // as sent
  size_t prefixes_v4 = 0;                 // permit entries wanted
  size_t prefixes_v6 = 0;
  // A BGPAdvertisement weighs by endpoints, but this bgpd would not (WeightedEcmpBlocker); "".
  std::string weighting_blocked;
  bool Changed() const { return edits + vty_commands.size() > 0; }
};

class PoolFilterReconciler {
 public:
  // `bgpd` and `vty` talk to the router's bgpd and outlive this; `group` is the speakers'
  // peer group.
  PoolFilterReconciler(NorthboundClient* bgpd, VtySession* vty, std::string group)
      : bgpd_(bgpd), vty_(vty), group_(std::move(group)) {}

  // Converges bgpd to the pools of `config`. The lists are committed before they are bound (a
  // binding to a missing list would refuse everything until the list exists). Errors name the
  // xpath or vty command and carry FRR's message.
  absl::StatusOr<PoolFilterResult> Apply(const config::Config& config);

 private:
  NorthboundClient* bgpd_;
  VtySession* vty_;
  std::string group_;
};

}  // namespace ironlb::bgp

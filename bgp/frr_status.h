// FRR's view of ironlb's BGP, for metrics and `ironlbctl status`: parsed from bgpd's
// `show bgp vrf all summary json` and bfdd's/staticd's northbound state. Pure parsers.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace ironlb::bgp {

struct PeerStatus {
  std::string name;     // BGPPeer name (from the neighbor's ironlb description)
  std::string address;  // neighbor address
  std::string family;   // "ipv4Unicast" / "ipv6Unicast"
  std::string vrf;      // "" = the default VRF
  std::string state;    // FRR's words: "Established", "Active", "Connect", ...
  uint64_t prefixes_sent = 0;
  bool established() const { return state == "Established"; }
};

struct FrrStatus {
  std::vector<PeerStatus> peers;   // ironlb's neighbors only
  size_t originated_prefixes = 0;  // ironlb's `network` statements in bgpd
  size_t bfd_sessions_up = 0;
  size_t bfd_sessions = 0;
};

// ironlb's neighbors in `show bgp vrf all summary json` (or one instance's `show bgp summary
// json`).
absl::StatusOr<std::vector<PeerStatus>> ParseBgpSummary(absl::string_view json);
// BFD sessions in bfdd's state tree (GetJson of /frr-bfdd:bfdd/bfd/sessions): (up, total).
absl::StatusOr<std::pair<size_t, size_t>> ParseBfdSessions(absl::string_view json);

}  // namespace ironlb::bgp

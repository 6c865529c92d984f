// bgpd's session skeleton, which FRR 8.4 has no northbound model for: `router bgp`, neighbors,
// address families, per-neighbor route-map bindings (the announced prefixes, `network`
// statements in the same block, are bgp/bgp_networks.h's and never touched here). Pure: the desired
// lines in FRR's own rendering, the parse of bgpd's `show running-config`, and the vty commands
// that turn one into the other while touching only what differs (a change to one peer leaves every
// other session alone).
//
// ironlb owns the neighbors it configured (they carry `description ironlb:<peer>`),
// `no bgp default ipv4-unicast`, `no bgp network import-check` and, with a graceful-restart peer,
// `bgp graceful-restart preserve-fw-state` (never removed); other neighbors in the same
// `router bgp` are left as they are. Earlier versions' `redistribute static|connected
// route-map ironlb-...` lines are removed.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "bgp/desired_state.h"

namespace ironlb::bgp {

// One `router bgp` block (of the default VRF, or of `vrf`) as lines per context: "" for the
// router itself, "ipv4 unicast" / "ipv6 unicast" for the address families.
struct BgpSkeleton {
  std::string vrf;              // "" = the default VRF
  std::optional<uint32_t> asn;  // none: no `router bgp` at all
  std::map<std::string, std::set<std::string>> lines;

  friend bool operator==(const BgpSkeleton&, const BgpSkeleton&) = default;
};

// What `state` needs in `vrf`'s instance, rendered as bgpd renders it in `show
// running-config`.
BgpSkeleton DesiredSkeleton(const DesiredState& state, const std::string& vrf = "");

// The VRFs `state`'s peers are in ("" for the default one).
std::set<std::string> PeerVrfs(const DesiredState& state);

// The `router bgp` of `vrf` ("" = the default VRF) in bgpd's running configuration.
BgpSkeleton ParseRunningConfig(absl::string_view running_config, const std::string& vrf = "");

// "router bgp ASN" or "router bgp ASN vrf NAME".
std::string RouterBgpCommand(uint32_t asn, const std::string& vrf);

// Commands (for configure mode, in order) that make `have` into `want`; empty when equal. A new
// neighbor is created shut down and enabled after the rest of its configuration, so its first
// OPEN already carries its address families.
std::vector<std::string> SkeletonCommands(const BgpSkeleton& have, const BgpSkeleton& want);

// bgpd re-runs its policy on routes it already holds (redistribution and outbound) only when
// its route-map delay timer fires: 5 s after the last change to a route-map or a prefix-list a
// route-map uses, each change restarting it. These commands (configure mode) make bgpd do it
// now: setting the timer to 0 runs the pending updates at once; the operator's value (from
// `show running-config`, FRR's default when absent) is then put back.
std::vector<std::string> PolicyFlushCommands(absl::string_view running_config);

}  // namespace ironlb::bgp

// The prefixes bgpd originates for ironlb: one `network PREFIX route-map ironlb-group-<slot>`
// per announced prefix, in its family's address family of the default VRF's `router bgp`.
// The route-map (bgp/frr_objects.h) gives the route its attribute group's tag, which the
// per-peer route-maps match. Pure: the desired statements, the parse of bgpd's running
// configuration, and the commands between them.
//
// Why `network` statements and not static routes redistributed from staticd: a static route
// goes staticd -> zebra -> kernel -> zebra -> bgpd, and staticd's northbound commit of a
// thousand routes alone took longer than bgpd needs to send them; a `network` statement is
// bgpd's own route, at once (with `no bgp network import-check`, which ironlb sets in its
// `router bgp`, bgpd does not wait for a matching route in zebra). It is also what MetalLB's
// FRR mode does.
//
// ironlb owns the statements whose route-map starts with "ironlb-"; a prefix the operator
// already has a `network` statement of their own for is left alone (not announced by ironlb).
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "bgp/desired_state.h"

namespace ironlb::bgp {

inline constexpr char kGroupRouteMapPrefix[] = "ironlb-group-";

// address family ("ipv4 unicast" / "ipv6 unicast") -> prefix text -> route-map name.
using NetworkStatements = std::map<std::string, std::map<std::string, std::string>>;

// The route-map that tags a group's routes.
std::string GroupRouteMapName(uint32_t slot);

// The statements of `vrf`'s instance: the prefixes announced to a peer in that VRF.
NetworkStatements DesiredNetworks(const DesiredState& state, const std::string& vrf = "");

struct RunningNetworks {
  NetworkStatements ironlb;         // statements with an ironlb- route-map
  std::set<std::string> operators;  // prefixes of the operator's own statements
};
// The `router bgp` of `vrf` ("" = default) in bgpd's `show running-config`.
RunningNetworks ParseNetworks(absl::string_view running_config, const std::string& vrf = "");

// Commands (configure mode) that turn `have` into `want` in `router bgp <asn> [vrf <vrf>]`,
// leaving the operator's prefixes alone; empty when equal.
std::vector<std::string> NetworkCommands(uint32_t asn, const std::string& vrf,
                                         const NetworkStatements& have,
                                         const NetworkStatements& want,
                                         const std::set<std::string>& operators);

// `want` without the operator's prefixes: what NetworkCommands leaves in place.
NetworkStatements WithoutOperators(const NetworkStatements& want,
                                   const std::set<std::string>& operators);

}  // namespace ironlb::bgp

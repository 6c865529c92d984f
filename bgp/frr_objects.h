// The desired state as FRR northbound (YANG) objects, per daemon, and the reading of FRR's own
// configuration back into the set of objects ironlb owns. Pure: no I/O.
//
// What ironlb owns in FRR (so it never touches the operator's own objects):
//   staticd  static routes whose path carries one of ironlb's tags (see attribute_groups.h;
//            interface `lo`, see below); the tag says which attribute group the prefix is in
//            (a VIP that is a local address is sent from its connected route instead, let in
//            and tagged by ironlb-redistribute-connected through the ironlb-announced-*
//            prefix-lists)
//   bgpd     prefix-lists and route-maps whose name starts with "ironlb-": per group and peer
//            one route-map entry matching the tag; per VIP only one prefix-list entry
//   bfdd     BFD profiles whose name starts with "ironlb-"
//
// A VIP's static route points at the loopback interface, not at a blackhole: the kernel then has
// "VIP dev lo" in the main table, so traffic the node itself sends to a VIP still gets a route
// and a real source address (kube-proxy's OUTPUT DNAT still applies; a blackhole makes
// connect() fail with EINVAL before any netfilter hook runs), and a VIP held as a local address
// is unaffected (the local table wins). bgpd redistributes only routes with ironlb's tags.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "bgp/desired_state.h"
#include "bgp/northbound_client.h"

namespace ironlb::bgp {

inline constexpr char kNamePrefix[] = "ironlb-";
inline constexpr char kRedistributeRouteMap[] = "ironlb-redistribute";
// A VIP that is also a local address (on lo, kube-ipvs0, ...) has a connected route that beats
// the static one in zebra whatever the distance; such VIPs are redistributed as connected
// routes, but only when they are in ironlb's lists of announced prefixes
// (ironlb-announced-<slot>-<shard>-v4/-v6), which also give them their group's tag.
inline constexpr char kRedistributeConnectedRouteMap[] = "ironlb-redistribute-connected";
inline constexpr char kAnnouncedPrefixListPrefix[] = "ironlb-announced-";

// One YANG list entry (a route, a prefix-list entry, a route-map entry, a profile): the xpath
// of the entry and the leaves to set under it. An object with no leaves is a container entry
// (a prefix-list or route-map by name) that must exist.
struct YangObject {
  std::vector<YangEdit> leaves;  // kSet edits, absolute xpaths
  std::string Fingerprint() const;
};
using ObjectSet = std::map<std::string, YangObject>;  // entry xpath -> object

struct FrrObjects {
  ObjectSet staticd;
  ObjectSet bgpd;
  ObjectSet bfdd;
};

// Everything ironlb wants in FRR's northbound for `state`.
FrrObjects BuildObjects(const DesiredState& state);

// Names ironlb gives FRR objects for a peer / BFD profile.
std::string PeerRouteMapName(absl::string_view peer);
std::string BfdProfileName(absl::string_view profile);

// The xpaths FRR's config subtrees are read from, per daemon.
std::vector<std::string> StaticdConfigRoots();
std::vector<std::string> BgpdConfigRoots();
std::vector<std::string> BfddConfigRoots();

// The entries ironlb owns in FRR's JSON config (GetJson of the roots above). Unparseable JSON
// is an error naming the daemon.
absl::StatusOr<std::set<std::string>> OwnedStaticdObjects(absl::string_view json);
absl::StatusOr<std::set<std::string>> OwnedBgpdObjects(absl::string_view json);
absl::StatusOr<std::set<std::string>> OwnedBfddObjects(absl::string_view json);

// The edits that turn `have` (entry xpath -> fingerprint, "" when unknown) into `want`:
// deletes for unwanted entries (not under another deleted entry), then for new, changed or
// unknown entries a delete (when present) followed by the sets.
std::vector<YangEdit> DiffObjects(const std::map<std::string, std::string>& have,
                                  const ObjectSet& want);

// FRR's xpath for a static route entry.
std::string StaticRouteXpath(const IpPrefix& prefix);

}  // namespace ironlb::bgp

// The desired state as FRR northbound (YANG) objects, per daemon, and the reading of FRR's own
// configuration back into the set of objects ironlb owns. Pure: no I/O.
//
// What ironlb owns in FRR (so it never touches the operator's own objects):
//   bgpd     prefix-lists and route-maps whose name starts with "ironlb-": per attribute group
//            a route-map ironlb-group-<slot> that tags the group's `network` statements
//            (bgp/bgp_networks.h), per peer a route-map with one entry per group matching the
//            tag; nothing per VIP
//   staticd  static routes with one of ironlb's tags (IsIronlbRouteTag): one per announced
//            prefix, to lo, for the node's own traffic only (see below); bgpd does not
//            redistribute them (earlier versions announced through them)
//   bfdd     BFD profiles whose name starts with "ironlb-"
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

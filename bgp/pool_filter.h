// The router's inbound filter of the speakers' announcements: prefix-lists of the address
// pools' CIDRs (`ironlb-pools-v4`, `ironlb-pools-v6`) in bgpd's northbound (frr-filter), and
// their binding, through the vty, to the speakers' peer group. Pure: the desired lists, the
// reading of FRR's JSON and running configuration, and the edits/commands that turn one into
// the other (empty when FRR already matches, so a second pass changes nothing).
//
// Each list permits every prefix inside a pool (`le 32` / `le 128`: the pool's aggregates and
// single addresses alike) and ends with `deny any`: bgpd treats a prefix-list with no entries
// as "permit everything", so a family without pools must still refuse all. Sequence numbers
// come from a hash of the prefix, so adding a pool adds entries without renumbering the others.
//
// ironlb owns these two lists entirely (entries someone else adds to them are removed) and the
// two `neighbor GROUP prefix-list ironlb-pools-vN in` lines; nothing else.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "bgp/northbound_client.h"
#include "common/ip.h"
#include "config/types.h"

namespace ironlb::bgp {

inline constexpr char kPoolPrefixListPrefix[] = "ironlb-pools-";  // BGP mode leaves these alone
inline constexpr char kPoolPrefixListV4[] = "ironlb-pools-v4";
inline constexpr char kPoolPrefixListV6[] = "ironlb-pools-v6";
// The final `deny any` of each list; prefix entries hash into 1..kDenyAnySequence-1.
inline constexpr uint32_t kDenyAnySequence = 4294967295u;

// One prefix-list entry as FRR's frr-filter model holds it.
struct PrefixListEntry {
  std::string action;              // "permit" / "deny"
  std::optional<IpPrefix> prefix;  // none: `any`
  std::optional<int> le;           // ipvN-prefix-length-lesser-or-equal
  std::optional<int> ge;           // ipvN-prefix-length-greater-or-equal

  friend bool operator==(const PrefixListEntry&, const PrefixListEntry&) = default;
};
using PrefixListEntries = std::map<uint32_t, PrefixListEntry>;  // by sequence

// ironlb's two pool lists; a family is absent when FRR has no such list.
using PoolPrefixLists = std::map<IpFamily, PrefixListEntries>;

// The fewest CIDRs that cover the pools' ranges of `family` exactly (a first-last range becomes
// the CIDRs it is made of); duplicates and CIDRs inside another one dropped; sorted.
std::vector<IpPrefix> PoolPrefixes(const config::Config& config, IpFamily family);

// Both lists, as ironlb wants them for `config`.
PoolPrefixLists DesiredPoolPrefixLists(const config::Config& config);

// The list's name and xpath in frr-filter.
absl::string_view PoolPrefixListName(IpFamily family);
std::string PoolPrefixListXpath(IpFamily family);
// Where bgpd's prefix-lists are read from (GetJson, config).
inline constexpr char kPrefixListsRoot[] = "/frr-filter:lib";

// ironlb's lists in bgpd's JSON (GetJson of kPrefixListsRoot). Errors name what is malformed.
absl::StatusOr<PoolPrefixLists> ParsePoolPrefixLists(absl::string_view json);

// The edits (one commit) that make `have` into `want`: deletes of unwanted or changed entries,
// then the sets of new or changed ones. Empty when they are equal.
std::vector<YangEdit> PoolPrefixListEdits(const PoolPrefixLists& have, const PoolPrefixLists& want);

// The vty lines (configure mode) that bind both lists inbound on peer group `group` in each
// address family of the default VRF's `router bgp` in `running_config`, when missing.
// Errors (nothing is sent then): no `router bgp`; no such peer group; the group already has
// another inbound prefix-list in that family (ironlb does not replace the operator's).
absl::StatusOr<std::vector<std::string>> PoolFilterBindingCommands(absl::string_view running_config,
                                                                   absl::string_view group);

// Why the router's bgpd would not weight the speakers' multipath routes by their link bandwidth
// (BGPAdvertisement weightByEndpoints), from its running configuration: `bgp bestpath bandwidth
// ignore`, or `maximum-paths [ibgp] 1` in an address family of the default VRF's `router bgp`.
// "" when it would: FRR's defaults weigh (all paths carrying a link bandwidth: weighted ECMP;
// one path without: plain ECMP), which is what ironlb wants, so the router role changes nothing
// and only says what stands in the way.
std::string WeightedEcmpBlocker(absl::string_view running_config);

// A peer-group name FRR accepts on the command line: checked once, at start (names the flag).
absl::Status ValidatePeerGroupName(absl::string_view group, absl::string_view flag);

}  // namespace ironlb::bgp

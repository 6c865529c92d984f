// Announcements grouped by what they carry: an attribute group is one set of peers, each with
// its communities and local preference (aggregation is already in the prefix). Every group gets
// a route tag of its own; bgpd's per-peer policy then matches tags, so it holds one object per
// group and peer and none per VIP. Pure: no I/O.
//
// Numbers are stable: a group's slot (and so its tag and its route-map sequence numbers) comes
// from a hash of what the group is, and a prefix's shard from a hash of the prefix, so adding
// or removing one VIP or one group leaves every other object as it is (only two groups whose
// hashes collide can move, and only when one of them appears or goes).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "bgp/desired_state.h"

namespace ironlb::bgp {

// Route tags ironlb gives a group's routes: kRouteTagBase + slot (set by the group's route-map
// on its `network` statements). Static routes carrying one (or kLegacyRouteTag) were made by
// earlier versions, which announced through staticd.
inline constexpr uint32_t kRouteTagBase = 74730000;
inline constexpr uint32_t kGroupSlots = 1023;  // 1023 * 64 route-map entries fit in 1..65535
inline constexpr uint32_t kLegacyRouteTag = 7473;

struct AttributeGroup {
  uint32_t slot = 0;
  std::map<std::string, RouteAttributes> peers;  // peer name -> attributes
  std::vector<const Announcement*> announcements;
  uint32_t tag() const { return kRouteTagBase + slot; }
};

// The canonical text of a group (its peers and their attributes).
std::string GroupKey(const std::map<std::string, RouteAttributes>& peers);

// The groups of `state`'s announcements, ordered by slot. Points into `state`.
std::vector<AttributeGroup> GroupAnnouncements(const DesiredState& state);

// More groups than slots is refused (an error naming the limit).
absl::Status ValidateAttributeGroups(const DesiredState& state);

bool IsIronlbRouteTag(uint64_t tag);

// FNV-1a of `s`: stable numbers from names.
uint32_t StableHash(absl::string_view s);

}  // namespace ironlb::bgp

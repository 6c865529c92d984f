#include "bgp/attribute_groups.h"

#include <algorithm>
#include <set>

#include "absl/strings/str_cat.h"

namespace ironlb::bgp {

uint32_t StableHash(absl::string_view s) {
  uint32_t h = 2166136261u;
  for (char c : s) {
    h ^= static_cast<uint8_t>(c);
    h *= 16777619u;
  }
  return h;
}

std::string GroupKey(const std::map<std::string, RouteAttributes>& peers) {
  std::string key;
  for (const auto& [peer, attrs] : peers) absl::StrAppend(&key, peer, "{", attrs.Key(), "}");
  return key;
}

std::vector<AttributeGroup> GroupAnnouncements(const DesiredState& state) {
  std::map<std::string, AttributeGroup> by_key;  // key order decides who wins a collision
  for (const Announcement& a : state.announcements) {
    if (a.peers.empty()) continue;
    AttributeGroup& g = by_key[GroupKey(a.peers)];
    if (g.announcements.empty()) g.peers = a.peers;
    g.announcements.push_back(&a);
  }
  std::set<uint32_t> used;
  std::vector<AttributeGroup> out;
  for (auto& [key, g] : by_key) {
    if (used.size() == kGroupSlots) break;  // refused by ValidateAttributeGroups
    uint32_t slot = StableHash(key) % kGroupSlots;
    while (!used.insert(slot).second) slot = (slot + 1) % kGroupSlots;
    g.slot = slot;
    out.push_back(std::move(g));
  }
  std::sort(out.begin(), out.end(),
            [](const AttributeGroup& a, const AttributeGroup& b) { return a.slot < b.slot; });
  return out;
}

absl::Status ValidateAttributeGroups(const DesiredState& state) {
  std::set<std::string> keys;
  for (const Announcement& a : state.announcements) {
    if (!a.peers.empty()) keys.insert(GroupKey(a.peers));
  }
  if (keys.size() > kGroupSlots) {
    return absl::InvalidArgumentError(absl::StrCat(
        "this node's announcements need ", keys.size(),
        " different combinations of peers, communities and localPref; ironlb supports ",
        kGroupSlots, ": merge BGPAdvertisements that differ only slightly"));
  }
  return absl::OkStatus();
}

bool IsIronlbRouteTag(uint64_t tag) {
  return tag == kLegacyRouteTag || (tag >= kRouteTagBase && tag < kRouteTagBase + kGroupSlots);
}

}  // namespace ironlb::bgp

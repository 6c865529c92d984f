#include "bgp/frr_objects.h"

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "bgp/attribute_groups.h"
#include "bgp/bgp_networks.h"
#include "bgp/pool_filter.h"
#include "nlohmann/json.hpp"

namespace ironlb::bgp {
namespace {

using Json = nlohmann::json;

constexpr char kStaticdRoot[] =
    "/frr-routing:routing/control-plane-protocols/control-plane-protocol"
    "[type='frr-staticd:staticd'][name='staticd'][vrf='default']";
constexpr char kPrefixListRoot[] = "/frr-filter:lib";
constexpr char kRouteMapRoot[] = "/frr-route-map:lib";
constexpr char kBfdRoot[] = "/frr-bfdd:bfdd/bfd";

std::string Afi(IpFamily f) {
  return f == IpFamily::kV4 ? "frr-routing:ipv4-unicast" : "frr-routing:ipv6-unicast";
}

YangEdit Set(std::string xpath, std::string value = "") {
  return {YangEdit::Op::kSet, std::move(xpath), std::move(value)};
}

std::string PrefixListXpath(IpFamily f, absl::string_view name) {
  return absl::StrCat(kPrefixListRoot, "/prefix-list[type='", f == IpFamily::kV4 ? "ipv4" : "ipv6",
                      "'][name='", name, "']");
}

std::string RouteMapXpath(absl::string_view name) {
  return absl::StrCat(kRouteMapRoot, "/route-map[name='", name, "']");
}

std::string CommunityText(const std::vector<config::Community>& cs, bool large) {
  std::vector<std::string> parts;
  for (const config::Community& c : cs) {
    if (c.large != large) continue;
    parts.push_back(large ? absl::StrCat(c.global, ":", c.high, ":", c.low)
                          : absl::StrCat(c.high, ":", c.low));
  }
  return absl::StrJoin(parts, " ");
}

// An entry of a route-map: permit, and match the group's tag.
YangObject& TagEntry(ObjectSet& out, const std::string& rm, uint32_t seq, uint32_t tag) {
  const std::string entry = absl::StrCat(rm, "/entry[sequence='", seq, "']");
  YangObject& o = out[entry];
  o.leaves.push_back(Set(entry + "/action", "permit"));
  o.leaves.push_back(
      Set(entry + "/match-condition[condition='frr-route-map:match-tag']/rmap-match-condition/tag",
          absl::StrCat(tag)));
  return o;
}

std::string SetActionXpath(const std::string& entry, absl::string_view action) {
  return absl::StrCat(entry, "/set-action[action='", action, "']/rmap-set-action/");
}

// ironlb-out-<peer>: per group that includes the peer, its tag -> the peer's attributes.
// Anything else is denied (the route-map's implicit deny).
void AddPeerPolicy(ObjectSet& out, const std::string& peer,
                   const std::vector<AttributeGroup>& groups) {
  const std::string rm = RouteMapXpath(PeerRouteMapName(peer));
  out[rm];
  for (const AttributeGroup& g : groups) {
    auto it = g.peers.find(peer);
    if (it == g.peers.end()) continue;
    const RouteAttributes& attrs = it->second;
    const uint32_t seq = g.slot + 1;
    YangObject& o = TagEntry(out, rm, seq, g.tag());
    const std::string entry = absl::StrCat(rm, "/entry[sequence='", seq, "']");
    auto set_bgp = [&](absl::string_view action, absl::string_view leaf, const std::string& v) {
      o.leaves.push_back(
          Set(absl::StrCat(SetActionXpath(entry, absl::StrCat("frr-bgp-route-map:", action)),
                           "frr-bgp-route-map:", leaf),
              v));
    };
    if (attrs.local_pref) {
      set_bgp("set-local-preference", "local-pref", absl::StrCat(*attrs.local_pref));
    }
    if (const std::string s = CommunityText(attrs.communities, false); !s.empty()) {
      set_bgp("set-community", "community-string", s);
    }
    if (const std::string s = CommunityText(attrs.communities, true); !s.empty()) {
      set_bgp("set-large-community", "large-community-string", s);
    }
    if (attrs.link_bandwidth_mbps) {  // `set extcommunity bandwidth N` (transitive)
      set_bgp("set-extcommunity-lb", "extcommunity-lb/lb-type", "explicit-bandwidth");
      set_bgp("set-extcommunity-lb", "extcommunity-lb/bandwidth",
              absl::StrCat(*attrs.link_bandwidth_mbps));
      // Always written, as FRR's own CLI does: bgpd 8.4 reads this leaf unconditionally when it
      // applies the action, and dies on an assertion when it is missing.
      set_bgp("set-extcommunity-lb", "extcommunity-lb/two-octet-as-specific", "false");
    }
  }
}

absl::StatusOr<Json> ParseJson(absl::string_view daemon, absl::string_view text) {
  if (text.empty()) return Json::object();
  Json j = Json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) {
    return absl::DataLossError(absl::StrCat("FRR ", daemon, ": configuration is not JSON"));
  }
  return j;
}

// j[key] as an array, or an empty one.
const Json& Array(const Json& j, const char* key) {
  static const Json kEmpty = Json::array();
  if (!j.is_object()) return kEmpty;
  auto it = j.find(key);
  return it != j.end() && it->is_array() ? *it : kEmpty;
}

std::string Str(const Json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end()) return "";
  return it->is_string() ? it->get<std::string>() : it->dump();
}

}  // namespace

std::string YangObject::Fingerprint() const {
  std::string f;
  for (const YangEdit& e : leaves) absl::StrAppend(&f, e.xpath, "=", e.value, "\n");
  return f;
}

std::string PeerRouteMapName(absl::string_view peer) {
  return absl::StrCat(kNamePrefix, "out-", peer);
}

std::string BfdProfileName(absl::string_view profile) { return absl::StrCat(kNamePrefix, profile); }

std::string StaticRouteXpath(const IpPrefix& prefix) {
  return absl::StrCat(kStaticdRoot, "/frr-staticd:staticd/route-list[prefix='", prefix.ToString(),
                      "'][afi-safi='", Afi(prefix.family()), "']");
}

FrrObjects BuildObjects(const DesiredState& state) {
  FrrObjects out;
  const std::vector<AttributeGroup> groups = GroupAnnouncements(state);
  // staticd: one route per announced prefix, to lo, with ironlb's tag: not what is announced
  // (bgpd is not told to redistribute it) but the node's own route to the VIP (see the header).
  for (const AttributeGroup& g : groups) {
    for (const Announcement* a : g.announcements) {
      const std::string route = StaticRouteXpath(a->prefix);
      const std::string path = route + "/path-list[table-id='0'][distance='1']";
      YangObject& o = out.staticd[route];
      o.leaves.push_back(Set(path + "/tag", absl::StrCat(kRouteTagBase)));
      o.leaves.push_back(Set(
          path +
          "/frr-nexthops/nexthop[nh-type='ifindex'][vrf='default'][gateway=''][interface='lo']"));
    }
  }
  // bgpd: per group a route-map that tags the group's `network` statements
  // (bgp/bgp_networks.h), then per peer a route-map that permits exactly its groups' tags.
  // Nothing per VIP.
  for (const AttributeGroup& g : groups) {
    const std::string rm = RouteMapXpath(GroupRouteMapName(g.slot));
    out.bgpd[rm];
    const std::string entry = rm + "/entry[sequence='1']";
    YangObject& o = out.bgpd[entry];
    o.leaves.push_back(Set(entry + "/action", "permit"));
    o.leaves.push_back(
        Set(SetActionXpath(entry, "frr-route-map:set-tag") + "tag", absl::StrCat(g.tag())));
  }
  for (const PeerSession& peer : state.peers) AddPeerPolicy(out.bgpd, peer.name, groups);
  // bfdd: the profiles the peers use.
  for (const BfdProfileSpec& b : state.bfd_profiles) {
    const std::string p = absl::StrCat(kBfdRoot, "/profile[name='", BfdProfileName(b.name), "']");
    YangObject& o = out.bfdd[p];
    o.leaves.push_back(Set(p + "/detection-multiplier", absl::StrCat(b.detect_multiplier)));
    o.leaves.push_back(
        Set(p + "/desired-transmission-interval", absl::StrCat(b.transmit_interval_ms * 1000)));
    o.leaves.push_back(
        Set(p + "/required-receive-interval", absl::StrCat(b.receive_interval_ms * 1000)));
    o.leaves.push_back(Set(p + "/passive-mode", b.passive_mode ? "true" : "false"));
    o.leaves.push_back(Set(p + "/echo-mode", b.echo_mode ? "true" : "false"));
    if (b.echo_interval_ms) {
      const std::string us = absl::StrCat(*b.echo_interval_ms * 1000);
      o.leaves.push_back(Set(p + "/desired-echo-transmission-interval", us));
      o.leaves.push_back(Set(p + "/required-echo-receive-interval", us));
    }
    if (b.minimum_ttl) o.leaves.push_back(Set(p + "/minimum-ttl", absl::StrCat(*b.minimum_ttl)));
  }
  return out;
}

std::vector<std::string> StaticdConfigRoots() { return {"/frr-routing:routing"}; }
std::vector<std::string> BgpdConfigRoots() { return {kPrefixListRoot, kRouteMapRoot}; }
std::vector<std::string> BfddConfigRoots() { return {"/frr-bfdd:bfdd"}; }

absl::StatusOr<std::set<std::string>> OwnedStaticdObjects(absl::string_view json) {
  auto j = ParseJson("staticd", json);
  if (!j.ok()) return j.status();
  std::set<std::string> out;
  const Json& routing = j->is_object() && j->contains("frr-routing:routing")
                            ? (*j)["frr-routing:routing"]
                            : Json::object();
  const Json& cpp = routing.is_object() && routing.contains("control-plane-protocols")
                        ? routing["control-plane-protocols"]
                        : Json::object();
  for (const Json& proto : Array(cpp, "control-plane-protocol")) {
    if (Str(proto, "type") != "frr-staticd:staticd" || Str(proto, "vrf") != "default") continue;
    auto sd = proto.find("frr-staticd:staticd");
    if (sd == proto.end()) continue;
    for (const Json& route : Array(*sd, "route-list")) {
      const bool ours = std::any_of(
          Array(route, "path-list").begin(), Array(route, "path-list").end(), [](const Json& p) {
            uint64_t tag = 0;
            return absl::SimpleAtoi(Str(p, "tag"), &tag) && IsIronlbRouteTag(tag);
          });
      if (!ours) continue;
      out.insert(absl::StrCat(kStaticdRoot, "/frr-staticd:staticd/route-list[prefix='",
                              Str(route, "prefix"), "'][afi-safi='", Str(route, "afi-safi"), "']"));
    }
  }
  return out;
}

absl::StatusOr<std::set<std::string>> OwnedBgpdObjects(absl::string_view json) {
  auto j = ParseJson("bgpd", json);
  if (!j.ok()) return j.status();
  std::set<std::string> out;
  if (j->contains(kPrefixListRoot + 1)) {
    for (const Json& pl : Array((*j)[kPrefixListRoot + 1], "prefix-list")) {
      const std::string name = Str(pl, "name");
      if (!absl::StartsWith(name, kNamePrefix)) continue;
      // The router role's pool filter (bgp/pool_filter.h) may share this bgpd: not ours here.
      if (absl::StartsWith(name, kPoolPrefixListPrefix)) continue;
      const std::string x =
          PrefixListXpath(Str(pl, "type") == "ipv4" ? IpFamily::kV4 : IpFamily::kV6, name);
      out.insert(x);
      for (const Json& e : Array(pl, "entry")) {
        out.insert(absl::StrCat(x, "/entry[sequence='", Str(e, "sequence"), "']"));
      }
    }
  }
  if (j->contains(kRouteMapRoot + 1)) {
    for (const Json& rm : Array((*j)[kRouteMapRoot + 1], "route-map")) {
      const std::string name = Str(rm, "name");
      if (!absl::StartsWith(name, kNamePrefix)) continue;
      const std::string x = RouteMapXpath(name);
      out.insert(x);
      for (const Json& e : Array(rm, "entry")) {
        out.insert(absl::StrCat(x, "/entry[sequence='", Str(e, "sequence"), "']"));
      }
    }
  }
  return out;
}

absl::StatusOr<std::set<std::string>> OwnedBfddObjects(absl::string_view json) {
  auto j = ParseJson("bfdd", json);
  if (!j.ok()) return j.status();
  std::set<std::string> out;
  if (!j->contains("frr-bfdd:bfdd")) return out;
  const Json& bfdd = (*j)["frr-bfdd:bfdd"];
  if (!bfdd.is_object() || !bfdd.contains("bfd")) return out;
  for (const Json& p : Array(bfdd["bfd"], "profile")) {
    const std::string name = Str(p, "name");
    if (absl::StartsWith(name, kNamePrefix)) {
      out.insert(absl::StrCat(kBfdRoot, "/profile[name='", name, "']"));
    }
  }
  return out;
}

std::vector<YangEdit> DiffObjects(const std::map<std::string, std::string>& have,
                                  const ObjectSet& want) {
  // All deletes first, then all sets: one EditCandidate run of each kind.
  std::vector<YangEdit> deletes;
  std::vector<YangEdit> sets;
  std::vector<std::string> deleted;
  for (const auto& entry : have) {
    const std::string& xpath = entry.first;
    if (want.count(xpath)) continue;
    // Entries under an entry deleted in this same edit go with it.
    const bool under_deleted = std::any_of(deleted.begin(), deleted.end(), [&](const auto& d) {
      return absl::StartsWith(xpath, d + "/");
    });
    if (under_deleted) continue;
    deleted.push_back(xpath);
    deletes.push_back({YangEdit::Op::kDelete, xpath, ""});
  }
  for (const auto& [xpath, obj] : want) {
    auto it = have.find(xpath);
    if (obj.leaves.empty()) {  // a container entry: only created
      if (it == have.end()) sets.push_back(Set(xpath));
      continue;
    }
    if (it != have.end() && !it->second.empty() && it->second == obj.Fingerprint()) continue;
    // Changed or unknown content: replace the entry (FRR diffs the candidate against running,
    // so replacing an identical entry changes nothing).
    if (it != have.end()) deletes.push_back({YangEdit::Op::kDelete, xpath, ""});
    for (const YangEdit& e : obj.leaves) sets.push_back(e);
  }
  deletes.insert(deletes.end(), sets.begin(), sets.end());
  return deletes;
}

}  // namespace ironlb::bgp

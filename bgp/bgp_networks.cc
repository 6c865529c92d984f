#include "bgp/bgp_networks.h"

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "bgp/attribute_groups.h"
#include "bgp/bgp_skeleton.h"
#include "bgp/frr_objects.h"

namespace ironlb::bgp {

std::string GroupRouteMapName(uint32_t slot) { return absl::StrCat(kGroupRouteMapPrefix, slot); }

NetworkStatements DesiredNetworks(const DesiredState& state, const std::string& vrf) {
  NetworkStatements out;
  std::set<std::string> peers;  // of this VRF
  for (const PeerSession& p : state.peers) {
    if (p.vrf == vrf) peers.insert(p.name);
  }
  if (peers.empty()) return out;  // no `router bgp` to put them in
  for (const AttributeGroup& g : GroupAnnouncements(state)) {
    const bool here = std::any_of(g.peers.begin(), g.peers.end(),
                                  [&](const auto& p) { return peers.count(p.first) > 0; });
    if (!here) continue;
    for (const Announcement* a : g.announcements) {
      const std::string af = a->prefix.family() == IpFamily::kV4 ? "ipv4 unicast" : "ipv6 unicast";
      out[af][a->prefix.ToString()] = GroupRouteMapName(g.slot);
    }
  }
  return out;
}

RunningNetworks ParseNetworks(absl::string_view running_config, const std::string& vrf) {
  RunningNetworks out;
  const BgpSkeleton s = ParseRunningConfig(running_config, vrf);
  for (const auto& [af, lines] : s.lines) {
    if (af.empty()) continue;
    for (const std::string& line : lines) {
      std::vector<absl::string_view> w = absl::StrSplit(line, ' ', absl::SkipEmpty());
      if (w.size() < 2 || w[0] != "network") continue;
      if (w.size() == 4 && w[2] == "route-map" && absl::StartsWith(w[3], kNamePrefix)) {
        out.ironlb[af][std::string(w[1])] = std::string(w[3]);
      } else {
        out.operators.insert(std::string(w[1]));
      }
    }
  }
  return out;
}

NetworkStatements WithoutOperators(const NetworkStatements& want,
                                   const std::set<std::string>& operators) {
  NetworkStatements out;
  for (const auto& [af, nets] : want) {
    auto& o = out[af];
    for (const auto& [prefix, rm] : nets) {
      if (!operators.count(prefix)) o[prefix] = rm;
    }
  }
  return out;
}

std::vector<std::string> NetworkCommands(uint32_t asn, const std::string& vrf,
                                         const NetworkStatements& have,
                                         const NetworkStatements& want,
                                         const std::set<std::string>& operators) {
  std::vector<std::string> body;
  std::set<std::string> afs;
  for (const auto& [af, nets] : have) afs.insert(af);
  for (const auto& [af, nets] : want) afs.insert(af);
  static const std::map<std::string, std::string> kNone;
  for (const std::string& af : afs) {
    const auto hit = have.find(af);
    const auto wit = want.find(af);
    const auto& h = hit == have.end() ? kNone : hit->second;
    const auto& w = wit == want.end() ? kNone : wit->second;
    std::vector<std::string> cmds;
    for (const auto& [prefix, rm] : h) {
      if (!w.count(prefix) && !operators.count(prefix)) cmds.push_back("no network " + prefix);
    }
    for (const auto& [prefix, rm] : w) {
      if (operators.count(prefix)) continue;
      auto it = h.find(prefix);
      // Another route-map on the same prefix replaces the old one in place.
      if (it == h.end() || it->second != rm) {
        cmds.push_back(absl::StrCat("network ", prefix, " route-map ", rm));
      }
    }
    if (cmds.empty()) continue;
    body.push_back("address-family " + af);
    body.insert(body.end(), cmds.begin(), cmds.end());
    body.push_back("exit-address-family");
  }
  if (body.empty()) return body;
  body.insert(body.begin(), RouterBgpCommand(asn, vrf));
  return body;
}

}  // namespace ironlb::bgp

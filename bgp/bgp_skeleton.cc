#include "bgp/bgp_skeleton.h"

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "bgp/frr_objects.h"

namespace ironlb::bgp {
namespace {

constexpr char kDescriptionPrefix[] = "description ironlb:";
constexpr char kNoDefaultIpv4[] = "no bgp default ipv4-unicast";
// ironlb's `network` statements are announced without waiting for a route in zebra.
constexpr char kNoImportCheck[] = "no bgp network import-check";
// bgpd holds a new session's first UPDATE for its subgroup coalesce time (1 s + 50 ms per
// peer by default), waiting for other sessions to come up and share the work; a node has a
// handful of peers, and its routes should reach a router that comes back at once.
constexpr char kCoalesceTime[] = "coalesce-time 100";
constexpr char kDefaultShutdown[] = "bgp default shutdown";
// With graceful restart, the F bit: the node forwards to its VIPs whatever its bgpd does, so a
// router helping a restart of this bgpd keeps the stale routes when the session comes back
// (without it, FRR drops them at the new OPEN, before the new bgpd has re-announced them).
// MetalLB's FRR mode writes it too.
constexpr char kPreserveForwarding[] = "bgp graceful-restart preserve-fw-state";

std::string AfOf(const IpAddress& a) { return a.is_v4() ? "ipv4 unicast" : "ipv6 unicast"; }

// "neighbor A ..." -> "A"; "" for other lines.
std::string NeighborOf(absl::string_view line) {
  if (!absl::ConsumePrefix(&line, "neighbor ")) return "";
  return std::string(line.substr(0, line.find(' ')));
}

// Neighbors ironlb configured: those with its description.
std::set<std::string> OwnedNeighbors(const BgpSkeleton& s) {
  std::set<std::string> out;
  auto it = s.lines.find("");
  if (it == s.lines.end()) return out;
  for (const std::string& l : it->second) {
    const std::string n = NeighborOf(l);
    if (!n.empty() && absl::StrContains(l, absl::StrCat(" ", kDescriptionPrefix))) out.insert(n);
  }
  return out;
}

bool Owned(const std::string& line, const std::set<std::string>& owned_neighbors) {
  // Earlier versions announced static and connected routes through these; they go.
  if ((absl::StartsWith(line, "redistribute static ") ||
       absl::StartsWith(line, "redistribute connected ")) &&
      absl::StrContains(line, absl::StrCat(" route-map ", kNamePrefix))) {
    return true;
  }
  const std::string n = NeighborOf(line);
  return !n.empty() && owned_neighbors.count(n);
}

// Order of additions: the instance default first, then neighbors' creation, then the rest.
int Rank(const std::string& line) {
  if (line == kNoDefaultIpv4 || line == kNoImportCheck || line == kCoalesceTime ||
      line == kPreserveForwarding) {
    return 0;
  }
  if (absl::StrContains(line, " remote-as ")) return 1;
  return 2;
}

// A neighbor is created by its `remote-as` line, and bgpd answers a router's connection from
// then on, with the address families activated so far: none yet. BIRD refuses such an OPEN
// ("Required capability missing") and waits its error wait time (60 s by default) before it
// tries again. So new neighbors are created shut down (`bgp default shutdown` around their
// `remote-as` lines: atomic, unlike a `neighbor shutdown` line after them) and enabled last,
// when their families, timers and route-maps are in place. An operator's own `bgp default
// shutdown` is left as it is.
void HoldNewNeighborsUntilConfigured(const BgpSkeleton& have, const std::set<std::string>& wanted,
                                     std::vector<std::string>& body) {
  std::set<std::string> existing;
  bool operators_default = false;
  if (auto it = have.lines.find(""); it != have.lines.end()) {
    for (const std::string& l : it->second) {
      if (absl::StrContains(l, " remote-as ")) existing.insert(NeighborOf(l));
      if (l == kDefaultShutdown) operators_default = true;
    }
  }
  std::vector<std::string> created;
  size_t first = body.size(), last = 0;
  for (size_t i = 0; i < body.size(); ++i) {
    const std::string n = NeighborOf(body[i]);
    if (n.empty() || existing.count(n) || !wanted.count(n)) continue;
    if (!absl::StrContains(body[i], " remote-as ")) continue;
    created.push_back(n);
    first = std::min(first, i);
    last = i;
  }
  if (created.empty()) return;
  if (!operators_default) {
    body.insert(body.begin() + static_cast<std::ptrdiff_t>(last) + 1,
                absl::StrCat("no ", kDefaultShutdown));
    body.insert(body.begin() + static_cast<std::ptrdiff_t>(first), kDefaultShutdown);
  }
  for (const std::string& n : created) body.push_back(absl::StrCat("no neighbor ", n, " shutdown"));
}

}  // namespace

std::string RouterBgpCommand(uint32_t asn, const std::string& vrf) {
  return vrf.empty() ? absl::StrCat("router bgp ", asn)
                     : absl::StrCat("router bgp ", asn, " vrf ", vrf);
}

std::set<std::string> PeerVrfs(const DesiredState& state) {
  std::set<std::string> out;
  for (const PeerSession& p : state.peers) out.insert(p.vrf);
  return out;
}

BgpSkeleton DesiredSkeleton(const DesiredState& state, const std::string& vrf) {
  BgpSkeleton s;
  s.vrf = vrf;
  for (const PeerSession& p : state.peers) {
    if (p.vrf != vrf) continue;
    if (!s.asn) {
      s.asn = p.my_asn;
      s.lines[""].insert(kNoDefaultIpv4);
      s.lines[""].insert(kNoImportCheck);
      s.lines[""].insert(kCoalesceTime);
    }
    auto& global = s.lines[""];
    const std::string n = absl::StrCat("neighbor ", p.NeighborKey(), " ");
    const std::string remote_as = p.peer_as_kind == PeerAsKind::kInternal ? "internal"
                                  : p.peer_as_kind == PeerAsKind::kExternal
                                      ? "external"
                                      : absl::StrCat(p.peer_asn);
    global.insert(
        absl::StrCat(n, p.interface.empty() ? "" : "interface ", "remote-as ", remote_as));
    global.insert(absl::StrCat(n, kDescriptionPrefix, p.name));
    if (p.router_id) global.insert(absl::StrCat("bgp router-id ", p.router_id->ToString()));
    if (p.connect_time_s) global.insert(absl::StrCat(n, "timers connect ", *p.connect_time_s));
    if (p.graceful_restart) {
      global.insert(n + "graceful-restart");
      global.insert(kPreserveForwarding);
    }
    if (!p.bfd_profile.empty()) {
      global.insert(n + "bfd");
      global.insert(absl::StrCat(n, "bfd profile ", BfdProfileName(p.bfd_profile)));
    }
    if (!p.password.empty()) global.insert(absl::StrCat(n, "password ", p.password));
    if (p.port != 179) global.insert(absl::StrCat(n, "port ", p.port));
    if (p.ebgp_multihop) global.insert(n + "ebgp-multihop 255");
    if (p.source_address) {
      global.insert(absl::StrCat(n, "update-source ", p.source_address->ToString()));
    }
    global.insert(absl::StrCat(n, "timers ", p.keepalive_time_s, " ", p.hold_time_s));
    // One family (the peer address's), or both: MetalLB's dualStackAddressFamily, and
    // unnumbered sessions (IPv6 link-local, IPv4 routes with IPv6 next hops).
    std::vector<std::string> afs;
    if (p.dual_stack || !p.interface.empty()) {
      afs = {"ipv4 unicast", "ipv6 unicast"};
    } else {
      afs = {AfOf(p.address)};
    }
    for (const std::string& name : afs) {
      auto& af = s.lines[name];
      af.insert(n + "activate");
      af.insert(absl::StrCat(n, "route-map ", PeerRouteMapName(p.name), " out"));
    }
  }
  return s;
}

BgpSkeleton ParseRunningConfig(absl::string_view running_config, const std::string& vrf) {
  BgpSkeleton s;
  s.vrf = vrf;
  bool in_bgp = false;
  std::string context;
  for (absl::string_view raw : absl::StrSplit(running_config, '\n')) {
    const absl::string_view line = absl::StripAsciiWhitespace(raw);
    if (!in_bgp) {
      absl::string_view rest = line;
      uint32_t asn = 0;
      if (raw != line || !absl::ConsumePrefix(&rest, "router bgp ")) continue;
      const std::vector<absl::string_view> w = absl::StrSplit(rest, ' ', absl::SkipEmpty());
      const bool match =
          vrf.empty() ? w.size() == 1 : w.size() == 3 && w[1] == "vrf" && w[2] == vrf;
      if (match && absl::SimpleAtoi(w[0], &asn)) {
        in_bgp = true;
        s.asn = asn;
        s.lines[""];
      }
      continue;
    }
    if (raw == line && line == "exit") {  // end of the router block (column 0)
      in_bgp = false;
      continue;
    }
    if (line.empty() || line == "!") continue;
    absl::string_view af = line;
    if (absl::ConsumePrefix(&af, "address-family ")) {
      context = std::string(af);
      s.lines[context];
      continue;
    }
    if (line == "exit-address-family") {
      context.clear();
      continue;
    }
    s.lines[context].insert(std::string(line));
  }
  return s;
}

std::vector<std::string> SkeletonCommands(const BgpSkeleton& have_in, const BgpSkeleton& want) {
  std::vector<std::string> cmds;
  BgpSkeleton have = have_in;
  if (have.asn && want.asn && *have.asn != *want.asn) {
    // One BGP instance per VRF: another AS number means a new instance.
    cmds.push_back("no " + RouterBgpCommand(*have.asn, want.vrf));
    have = BgpSkeleton{.vrf = want.vrf};
  }
  const std::optional<uint32_t> asn = want.asn ? want.asn : have.asn;
  if (!asn) return cmds;

  std::set<std::string> owned = OwnedNeighbors(have);
  std::set<std::string> wanted_neighbors;
  if (auto it = want.lines.find(""); it != want.lines.end()) {
    for (const std::string& l : it->second) {
      if (absl::StrContains(l, " remote-as ")) wanted_neighbors.insert(NeighborOf(l));
    }
  }
  for (const std::string& n : wanted_neighbors) owned.insert(n);
  std::set<std::string> dropped;  // owned neighbors that go entirely
  for (const std::string& n : OwnedNeighbors(have)) {
    if (!wanted_neighbors.count(n)) dropped.insert(n);
  }

  std::vector<std::string> body;
  for (const std::string& n : dropped) body.push_back(absl::StrCat("no neighbor ", n));
  std::set<std::string> contexts;
  for (const auto& [ctx, lines] : have.lines) contexts.insert(ctx);
  for (const auto& [ctx, lines] : want.lines) contexts.insert(ctx);
  for (const std::string& ctx : contexts) {
    static const std::set<std::string> kNone;
    const auto hit = have.lines.find(ctx);
    const auto wit = want.lines.find(ctx);
    const std::set<std::string>& h = hit == have.lines.end() ? kNone : hit->second;
    const std::set<std::string>& w = wit == want.lines.end() ? kNone : wit->second;
    std::vector<std::string> removals;
    for (const std::string& l : h) {
      if (w.count(l) || !Owned(l, owned) || dropped.count(NeighborOf(l))) continue;
      // A neighbor whose AS changes is re-pointed by the new remote-as, not deleted.
      if (absl::StrContains(l, " remote-as ") && wanted_neighbors.count(NeighborOf(l))) continue;
      removals.push_back(l);
    }
    std::vector<std::string> additions;
    for (const std::string& l : w) {
      if (!h.count(l)) additions.push_back(l);
    }
    std::stable_sort(additions.begin(), additions.end(),
                     [](const std::string& a, const std::string& b) { return Rank(a) < Rank(b); });
    if (removals.empty() && additions.empty()) continue;
    if (!ctx.empty()) body.push_back(absl::StrCat("address-family ", ctx));
    // "no neighbor A bfd" also removes "neighbor A bfd profile P": skip removals that extend
    // another removal.
    for (const std::string& l : removals) {
      const bool subsumed = std::any_of(removals.begin(), removals.end(), [&](const auto& o) {
        return o != l && absl::StartsWith(l, o + " ");
      });
      if (!subsumed) body.push_back("no " + l);
    }
    for (const std::string& l : additions) body.push_back(l);
    if (!ctx.empty()) body.push_back("exit-address-family");
  }
  if (body.empty() && have.asn) return cmds;
  HoldNewNeighborsUntilConfigured(have, wanted_neighbors, body);
  cmds.push_back(RouterBgpCommand(*asn, want.vrf.empty() ? have.vrf : want.vrf));
  cmds.insert(cmds.end(), body.begin(), body.end());
  return cmds;
}

std::vector<std::string> PolicyFlushCommands(absl::string_view running_config) {
  constexpr absl::string_view kTimer = "bgp route-map delay-timer ";
  std::string restore = "no bgp route-map delay-timer";
  for (absl::string_view line : absl::StrSplit(running_config, '\n')) {
    line = absl::StripTrailingAsciiWhitespace(line);
    uint32_t seconds = 0;
    if (absl::ConsumePrefix(&line, kTimer) && absl::SimpleAtoi(line, &seconds)) {
      restore = absl::StrCat(kTimer, seconds);
    }
  }
  return {absl::StrCat(kTimer, 0), restore};
}

}  // namespace ironlb::bgp

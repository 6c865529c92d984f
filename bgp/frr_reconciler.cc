#include "bgp/frr_reconciler.h"

#include <algorithm>
#include <cstring>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "bgp/attribute_groups.h"

namespace ironlb::bgp {
namespace {

absl::Status Annotate(const absl::Status& st, absl::string_view context) {
  return absl::Status(st.code(), absl::StrCat(st.message(), " [", context, "]"));
}

// Whether removing these bgpd entries changes what routes already sent should carry: a peer's
// route-map entry (sequence slot + 1) of a group whose route-map is still wanted.
bool RemovalsConcernSentRoutes(const std::vector<std::string>& removed, const ObjectSet& want) {
  const std::string peer_maps =
      absl::StrCat("/frr-route-map:lib/route-map[name='", kNamePrefix, "out-");
  for (const std::string& x : removed) {
    if (!absl::StartsWith(x, peer_maps)) continue;
    const size_t at = x.find("/entry[sequence='");
    if (at == std::string::npos) continue;  // a whole peer's map: its session goes too
    uint32_t seq = 0;
    const size_t from = at + std::strlen("/entry[sequence='");
    if (!absl::SimpleAtoi(x.substr(from, x.find('\'', from) - from), &seq) || seq == 0) return true;
    const std::string group =
        absl::StrCat("/frr-route-map:lib/route-map[name='", GroupRouteMapName(seq - 1), "']");
    if (want.count(group)) return true;
  }
  return false;
}

}  // namespace

void FrrReconciler::Invalidate() {
  known_staticd_.reset();
  known_bgpd_.reset();
  known_bfdd_.reset();
  known_skeletons_.clear();
  known_networks_.clear();
  known_operators_.clear();
}

absl::StatusOr<FrrReconciler::Applied> FrrReconciler::ApplyObjects(
    const char* daemon, NorthboundClient* client, const std::vector<std::string>& roots,
    absl::StatusOr<std::set<std::string>> (*owned)(absl::string_view), const ObjectSet& want_in,
    std::optional<std::map<std::string, std::string>>& known, bool audit, bool keep_unwanted) {
  std::map<std::string, std::string> have;
  if (known && !audit) {
    have = *known;
  } else {
    // What FRR holds of ours now; content we applied before is trusted by fingerprint.
    for (const std::string& root : roots) {
      auto json = client->GetJson(root, DataKind::kConfig);
      if (!json.ok()) {
        known.reset();
        return json.status();
      }
      auto keys = owned(*json);
      if (!keys.ok()) {
        known.reset();
        return keys.status();
      }
      for (const std::string& k : *keys) {
        std::string fp;
        if (known) {
          if (auto it = known->find(k); it != known->end()) fp = it->second;
        }
        have[k] = fp;
      }
    }
  }
  ObjectSet kept;
  if (keep_unwanted) {  // an entry with no leaves is only created when missing: kept as it is
    kept = want_in;
    for (const auto& entry : have) kept.try_emplace(entry.first);
  }
  const ObjectSet& want = keep_unwanted ? kept : want_in;
  const std::vector<YangEdit> edits = DiffObjects(have, want);
  Applied applied{.edits = edits.size()};
  for (const YangEdit& e : edits) {
    if (e.op != YangEdit::Op::kDelete) continue;
    if (want.count(e.xpath)) {
      applied.replaced = true;
    } else {
      applied.removed.push_back(e.xpath);
    }
  }
  if (!edits.empty()) {
    auto changed = client->Commit(edits, "ironlb");
    if (!changed.ok()) {
      known.reset();
      return Annotate(changed.status(), absl::StrCat(daemon, " edits: ", EditSummary(edits)));
    }
    applied.changed = *changed;
  }
  known.emplace();
  for (const auto& [xpath, obj] : want) (*known)[xpath] = obj.Fingerprint();
  return applied;
}

absl::StatusOr<std::string> FrrReconciler::Running() {
  if (running_) return *running_;
  auto r = clients_.bgpd_vty->Execute("show running-config");
  if (!r.ok()) return r.status();
  running_ = std::move(*r);
  return *running_;
}

absl::StatusOr<std::vector<std::string>> FrrReconciler::ApplySkeleton(const BgpSkeleton& want,
                                                                      bool audit) {
  auto known = known_skeletons_.find(want.vrf);
  if (!audit && known != known_skeletons_.end() && known->second == want) {
    return std::vector<std::string>{};
  }
  auto running = Running();
  if (!running.ok()) {
    known_skeletons_.erase(want.vrf);
    return running.status();
  }
  const BgpSkeleton have = ParseRunningConfig(*running, want.vrf);
  const std::vector<std::string> cmds = SkeletonCommands(have, want);
  if (!cmds.empty()) {
    running_.reset();  // changed now
    if (absl::Status st = clients_.bgpd_vty->Configure(cmds); !st.ok()) {
      known_skeletons_.erase(want.vrf);
      // Stopped between `bgp default shutdown` and its undoing: the operator's next neighbor
      // must not be created shut down (ironlb's own are enabled by the next pass).
      if (std::find(cmds.begin(), cmds.end(), "bgp default shutdown") != cmds.end()) {
        clients_.bgpd_vty->Configure({cmds[0], "no bgp default shutdown"}).IgnoreError();
      }
      return st;
    }
  }
  known_skeletons_[want.vrf] = want;
  return cmds;
}

absl::StatusOr<size_t> FrrReconciler::ApplyNetworks(const DesiredState& desired,
                                                    const std::string& vrf, bool audit,
                                                    std::vector<std::string>& operators_prefixes) {
  const NetworkStatements want = DesiredNetworks(desired, vrf);
  NetworkStatements have;
  std::set<std::string> operators;
  auto known = known_networks_.find(vrf);
  if (known != known_networks_.end() && !audit) {
    // Trusted from the last pass (the operator's prefixes were left out of it then); the
    // periodic audit re-reads.
    have = known->second;
    operators = known_operators_[vrf];
  } else {
    auto running = Running();
    if (!running.ok()) {
      known_networks_.erase(vrf);
      return running.status();
    }
    RunningNetworks parsed = ParseNetworks(*running, vrf);
    have = std::move(parsed.ironlb);
    operators = std::move(parsed.operators);
  }
  for (const auto& [af, nets] : want) {
    for (const auto& [prefix, rm] : nets) {
      if (operators.count(prefix)) operators_prefixes.push_back(prefix);
    }
  }
  std::vector<std::string> cmds;
  if (!want.empty() || !have.empty()) {
    std::optional<uint32_t> asn;
    for (const PeerSession& p : desired.peers) {
      if (p.vrf == vrf) asn = p.my_asn;
    }
    if (!asn) {  // no session left in this VRF: its instance is the one in bgpd
      auto running = Running();
      if (!running.ok()) {
        known_networks_.erase(vrf);
        return running.status();
      }
      asn = ParseRunningConfig(*running, vrf).asn;
    }
    if (asn) cmds = NetworkCommands(*asn, vrf, have, want, operators);
  }
  if (!cmds.empty()) {
    running_.reset();
    if (absl::Status st = clients_.bgpd_vty->ConfigureAll(cmds); !st.ok()) {
      known_networks_.erase(vrf);
      return st;
    }
  }
  known_networks_[vrf] = WithoutOperators(want, operators);
  known_operators_[vrf] = std::move(operators);
  size_t n = 0;
  for (const std::string& c : cmds) {
    if (absl::StartsWith(c, "network ") || absl::StartsWith(c, "no network ")) ++n;
  }
  return n;
}

absl::StatusOr<ApplyResult> FrrReconciler::Apply(const DesiredState& desired, bool audit) {
  if (absl::Status st = ValidateDesiredState(desired); !st.ok()) return st;
  if (absl::Status st = ValidateAttributeGroups(desired); !st.ok()) return st;
  const FrrObjects objects = BuildObjects(desired);
  last_desired_ = desired;
  running_.reset();
  ApplyResult result;
  std::vector<std::string> errors;
  absl::StatusCode code = absl::StatusCode::kOk;
  auto note = [&](const absl::Status& st) {
    if (code == absl::StatusCode::kOk) code = st.code();
    errors.push_back(std::string(st.message()));
  };
  // Order: BFD profiles and routing policy exist before the sessions and `network` statements
  // refer to them; the sessions before the prefixes.
  if (clients_.bfdd != nullptr) {
    auto n = ApplyObjects("bfdd", clients_.bfdd, BfddConfigRoots(), &OwnedBfddObjects, objects.bfdd,
                          known_bfdd_, audit);
    if (n.ok())
      result.bfdd_edits = n->edits;
    else
      note(n.status());
  }
  // bgpd's new and changed policy objects first (the `network` statements below refer to
  // them); the ones no longer wanted after the statements are gone.
  auto bgp = ApplyObjects("bgpd", clients_.bgpd, BgpdConfigRoots(), &OwnedBgpdObjects, objects.bgpd,
                          known_bgpd_, audit, /*keep_unwanted=*/true);
  if (!bgp.ok()) note(bgp.status());
  // Per VRF instance: the sessions, then the prefixes. VRFs ironlb had sessions in before are
  // visited too, so what it left there goes.
  std::set<std::string> vrfs = PeerVrfs(desired);
  vrfs.insert("");
  vrfs.insert(vrfs_.begin(), vrfs_.end());
  bool all_ok = true;
  for (const std::string& vrf : vrfs) {
    auto vty = ApplySkeleton(DesiredSkeleton(desired, vrf), audit);
    if (!vty.ok()) {
      note(vty.status());
      all_ok = false;
      continue;
    }
    result.vty_commands.insert(result.vty_commands.end(), vty->begin(), vty->end());
    // The `router bgp` and its `no bgp network import-check` are in place.
    auto nets = ApplyNetworks(desired, vrf, audit, result.operators_prefixes);
    if (nets.ok()) {
      result.network_commands += *nets;
    } else {
      note(nets.status());
      all_ok = false;
    }
  }
  if (all_ok) {
    vrfs_ = PeerVrfs(desired);
    vrfs_.erase("");
  }
  // Now the policy objects no route refers to any more.
  absl::StatusOr<Applied> unused = absl::UnavailableError("bgpd not applied");
  if (bgp.ok()) {
    unused = ApplyObjects("bgpd", clients_.bgpd, BgpdConfigRoots(), &OwnedBgpdObjects, objects.bgpd,
                          known_bgpd_, /*audit=*/false);
    if (!unused.ok()) note(unused.status());
  }
  // Routes bgpd already holds are re-run through changed policy only on bgpd's route-map
  // timer (5 s, restarted by every change). New or re-pointed `network` statements need
  // nothing (they meet the policy as it is now), nor do new route-map entries (no route has
  // their tag yet), nor the removal of a group whose statements are gone. But a replaced entry,
  // or a peer's entry removed from a group that is still announced, concerns routes already
  // sent: then have bgpd apply its policy now (no session is reset).
  if (bgp.ok() && bgp->changed && bgp->replaced) policy_flush_pending_ = true;
  if (unused.ok() && unused->changed && RemovalsConcernSentRoutes(unused->removed, objects.bgpd)) {
    policy_flush_pending_ = true;
  }
  if (policy_flush_pending_ && bgp.ok() && unused.ok()) {
    auto running = Running();
    absl::Status st = running.status();
    std::vector<std::string> cmds;
    if (st.ok()) {
      cmds = PolicyFlushCommands(*running);
      st = clients_.bgpd_vty->Configure(cmds);
    }
    if (st.ok()) {
      policy_flush_pending_ = false;
      result.vty_commands.insert(result.vty_commands.end(), cmds.begin(), cmds.end());
    } else {
      note(st);
    }
  }
  result.bgpd_edits = (bgp.ok() ? bgp->edits : 0) + (unused.ok() ? unused->edits : 0);
  // Last: the node's own routes to its VIPs (nothing bgpd waits for).
  if (clients_.staticd != nullptr) {
    auto routes = ApplyObjects("staticd", clients_.staticd, StaticdConfigRoots(),
                               &OwnedStaticdObjects, objects.staticd, known_staticd_, audit);
    if (routes.ok()) {
      result.staticd_edits = routes->edits;
    } else {
      note(routes.status());
    }
  }
  running_.reset();
  if (!errors.empty()) return absl::Status(code, absl::StrJoin(errors, "; "));
  return result;
}

absl::Status FrrReconciler::WithdrawAll() {
  DesiredState none = last_desired_.value_or(DesiredState{});
  none.announcements.clear();
  return Apply(none).status();
}

absl::StatusOr<FrrStatus> FrrReconciler::ReadStatus() {
  FrrStatus status;
  // Every VRF's sessions (a speaker whose peers are all in VRFs has no default instance, and
  // bgpd refuses `show bgp summary` then).
  auto summary = clients_.bgpd_vty->Execute("show bgp vrf all summary json");
  if (!summary.ok()) return summary.status();
  auto peers = ParseBgpSummary(*summary);
  if (!peers.ok()) return peers.status();
  status.peers = std::move(*peers);
  auto running = clients_.bgpd_vty->Execute("show running-config");
  if (!running.ok()) return running.status();
  for (const auto& [af, nets] : ParseNetworks(*running).ironlb) {
    status.originated_prefixes += nets.size();
  }
  if (clients_.bfdd != nullptr) {
    auto bfd = clients_.bfdd->GetJson("/frr-bfdd:bfdd/bfd/sessions", DataKind::kState);
    if (!bfd.ok()) return bfd.status();
    auto counts = ParseBfdSessions(*bfd);
    if (!counts.ok()) return counts.status();
    status.bfd_sessions_up = counts->first;
    status.bfd_sessions = counts->second;
  }
  return status;
}

}  // namespace ironlb::bgp

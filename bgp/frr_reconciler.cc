#include "bgp/frr_reconciler.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "bgp/attribute_groups.h"

namespace ironlb::bgp {
namespace {

absl::Status Annotate(const absl::Status& st, absl::string_view context) {
  return absl::Status(st.code(), absl::StrCat(st.message(), " [", context, "]"));
}

}  // namespace

void FrrReconciler::Invalidate() {
  known_staticd_.reset();
  known_bgpd_.reset();
  known_bfdd_.reset();
  known_skeleton_.reset();
}

absl::StatusOr<FrrReconciler::Applied> FrrReconciler::ApplyObjects(
    const char* daemon, NorthboundClient* client, const std::vector<std::string>& roots,
    absl::StatusOr<std::set<std::string>> (*owned)(absl::string_view), const ObjectSet& want,
    std::optional<std::map<std::string, std::string>>& known, bool audit) {
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
  const std::vector<YangEdit> edits = DiffObjects(have, want);
  Applied applied{.edits = edits.size()};
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

absl::StatusOr<std::vector<std::string>> FrrReconciler::ApplySkeleton(const BgpSkeleton& want,
                                                                      bool audit) {
  if (!audit && known_skeleton_ && *known_skeleton_ == want) return std::vector<std::string>{};
  auto running = clients_.bgpd_vty->Execute("show running-config");
  if (!running.ok()) {
    known_skeleton_.reset();
    return running.status();
  }
  const BgpSkeleton have = ParseRunningConfig(*running);
  const std::vector<std::string> cmds = SkeletonCommands(have, want);
  if (!cmds.empty()) {
    if (absl::Status st = clients_.bgpd_vty->Configure(cmds); !st.ok()) {
      known_skeleton_.reset();
      return st;
    }
  }
  known_skeleton_ = want;
  return cmds;
}

absl::StatusOr<ApplyResult> FrrReconciler::Apply(const DesiredState& desired, bool audit) {
  if (absl::Status st = ValidateDesiredState(desired); !st.ok()) return st;
  if (absl::Status st = ValidateAttributeGroups(desired); !st.ok()) return st;
  const FrrObjects objects = BuildObjects(desired);
  last_desired_ = desired;
  ApplyResult result;
  std::vector<std::string> errors;
  absl::StatusCode code = absl::StatusCode::kOk;
  auto note = [&](const absl::Status& st) {
    if (code == absl::StatusCode::kOk) code = st.code();
    errors.push_back(std::string(st.message()));
  };
  // Order: BFD profiles and routing policy exist before the sessions refer to them; routes
  // last, so nothing is redistributed before its route-map says where it may go.
  if (clients_.bfdd != nullptr) {
    auto n = ApplyObjects("bfdd", clients_.bfdd, BfddConfigRoots(), &OwnedBfddObjects, objects.bfdd,
                          known_bfdd_, audit);
    if (n.ok())
      result.bfdd_edits = n->edits;
    else
      note(n.status());
  }
  auto bgp = ApplyObjects("bgpd", clients_.bgpd, BgpdConfigRoots(), &OwnedBgpdObjects, objects.bgpd,
                          known_bgpd_, audit);
  if (bgp.ok())
    result.bgpd_edits = bgp->edits;
  else
    note(bgp.status());
  auto vty = ApplySkeleton(DesiredSkeleton(desired), audit);
  if (vty.ok())
    result.vty_commands = *vty;
  else
    note(vty.status());
  auto routes = ApplyObjects("staticd", clients_.staticd, StaticdConfigRoots(),
                             &OwnedStaticdObjects, objects.staticd, known_staticd_, audit);
  if (routes.ok()) {
    result.staticd_edits = routes->edits;
  } else {
    note(routes.status());
  }
  // Routes bgpd already holds are re-run through changed policy only on bgpd's route-map
  // timer (5 s, restarted by every change). Static routes need nothing: a new or re-tagged route
  // reaches bgpd from zebra and meets the new policy. But a connected VIP that is added,
  // removed or moved to another group changes only prefix-lists, and a group that goes changes
  // only route-maps: have bgpd apply its policy now (withdrawals and new announcements go out
  // at once, no session is reset).
  if (bgp.ok() && bgp->changed) policy_flush_pending_ = true;
  if (policy_flush_pending_ && bgp.ok()) {
    auto running = clients_.bgpd_vty->Execute("show running-config");
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
  auto summary = clients_.bgpd_vty->Execute("show bgp summary json");
  if (!summary.ok()) return summary.status();
  auto peers = ParseBgpSummary(*summary);
  if (!peers.ok()) return peers.status();
  status.peers = std::move(*peers);
  auto routes = clients_.staticd->GetJson(StaticdConfigRoots().front(), DataKind::kConfig);
  if (!routes.ok()) return routes.status();
  auto owned = OwnedStaticdObjects(*routes);
  if (!owned.ok()) return owned.status();
  status.static_routes = owned->size();
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

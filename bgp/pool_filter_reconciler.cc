#include "bgp/pool_filter_reconciler.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace ironlb::bgp {
namespace {

absl::Status Annotate(const absl::Status& st, absl::string_view context) {
  return absl::Status(st.code(), absl::StrCat("pool filter: ", context, ": ", st.message()));
}

}  // namespace

absl::StatusOr<PoolFilterResult> PoolFilterReconciler::Apply(const config::Config& config) {
  PoolFilterResult result;
  const PoolPrefixLists want = DesiredPoolPrefixLists(config);
  result.prefixes_v4 = want.at(IpFamily::kV4).size() - 1;  // without the final deny
  result.prefixes_v6 = want.at(IpFamily::kV6).size() - 1;

  auto json = bgpd_->GetJson(kPrefixListsRoot, DataKind::kConfig);
  if (!json.ok()) return Annotate(json.status(), absl::StrCat("bgpd: read ", kPrefixListsRoot));
  auto have = ParsePoolPrefixLists(*json);
  if (!have.ok()) return Annotate(have.status(), "bgpd");
  const std::vector<YangEdit> edits = PoolPrefixListEdits(*have, want);
  if (!edits.empty()) {
    if (auto st = bgpd_->Commit(edits, "ironlb pool filter"); !st.ok()) {
      return Annotate(st.status(), absl::StrCat("bgpd: commit of ", kPoolPrefixListV4, "/",
                                                kPoolPrefixListV6, " [", EditSummary(edits), "]"));
    }
  }
  result.edits = edits.size();

  auto running = vty_->Execute("show running-config");
  if (!running.ok()) return Annotate(running.status(), "bgpd vty: show running-config");
  const bool weighted =
      std::any_of(config.bgp_advertisements.begin(), config.bgp_advertisements.end(),
                  [](const config::BGPAdvertisement& a) { return a.weight_by_endpoints; });
  if (weighted) result.weighting_blocked = WeightedEcmpBlocker(*running);
  auto cmds = PoolFilterBindingCommands(*running, group_);
  if (!cmds.ok()) return Annotate(cmds.status(), "bgpd");
  if (!cmds->empty()) {
    if (absl::Status st = vty_->Configure(*cmds); !st.ok()) {
      return Annotate(st, absl::StrCat("bgpd vty: ", absl::StrJoin(*cmds, " / ")));
    }
  }
  result.vty_commands = std::move(*cmds);
  return result;
}

}  // namespace ironlb::bgp

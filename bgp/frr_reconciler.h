// Keeps one node's FRR equal to a DesiredState: bfdd profiles and bgpd route-maps through the
// gRPC northbound (one commit per daemon per pass), bgpd's session skeleton and its `network`
// statements (the announced prefixes, all in one round trip) through the vty; last, staticd's
// routes to lo for the node's own traffic to its VIPs (not what bgpd announces). Remembers what it
// applied, so a pass sends only the difference; an audit pass re-reads what FRR holds (after an FRR
// restart, an error, or periodically) and re-applies whatever is missing. Not thread-safe: one
// caller.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "bgp/bgp_networks.h"
#include "bgp/bgp_skeleton.h"
#include "bgp/desired_state.h"
#include "bgp/frr_objects.h"
#include "bgp/frr_status.h"
#include "bgp/northbound_client.h"
#include "bgp/vty_session.h"

namespace ironlb::bgp {

struct FrrClients {
  NorthboundClient* staticd = nullptr;  // may be null: no routes to lo for the node's traffic
  NorthboundClient* bgpd = nullptr;
  NorthboundClient* bfdd = nullptr;  // may be null when no BFD is wanted
  VtySession* bgpd_vty = nullptr;
};

struct ApplyResult {
  size_t staticd_edits = 0;
  size_t bgpd_edits = 0;
  size_t bfdd_edits = 0;
  std::vector<std::string> vty_commands;        // as sent, for logs (without `network` statements)
  size_t network_commands = 0;                  // `network` statements added, changed or removed
  std::vector<std::string> operators_prefixes;  // wanted, but the operator has a `network` of it
  bool Changed() const {
    return staticd_edits + bgpd_edits + bfdd_edits + vty_commands.size() + network_commands > 0;
  }
};

class FrrReconciler {
 public:
  explicit FrrReconciler(FrrClients clients) : clients_(clients) {}

  // Converges FRR to `desired`. With `audit`, what FRR holds is read back first instead of
  // trusted from the last pass. Every daemon is tried even when another fails; the error
  // names the daemon, the xpath or vty command, and FRR's message. A failed daemon is
  // audited on the next pass.
  absl::StatusOr<ApplyResult> Apply(const DesiredState& desired, bool audit = false);

  // Graceful stop: the last applied state without announcements — routes deleted, every
  // peer's route-map empty, so bgpd withdraws everything; sessions stay up.
  absl::Status WithdrawAll();

  // Sessions and prefixes sent per ironlb peer (bgpd's JSON), routes in staticd, BFD sessions.
  absl::StatusOr<FrrStatus> ReadStatus();

  // Forget what was applied: the next pass audits everything (FRR restarted).
  void Invalidate();

 private:
  // One daemon's northbound objects: diff against what is known (re-read when unknown), one
  // commit, then remember.
  struct Applied {
    size_t edits = 0;
    bool changed = false;              // FRR's configuration changed (edits may only re-state it)
    bool replaced = false;             // some entry was replaced (deleted, then set again)
    std::vector<std::string> removed;  // entries deleted for good
  };
  // `keep_unwanted`: entries FRR holds that `want` lacks stay for now (created and changed
  // entries only): bgpd's are removed in a second pass after the `network` statements that use
  // them, so a withdrawal does not wait for a commit first.
  absl::StatusOr<Applied> ApplyObjects(
      const char* daemon, NorthboundClient* client, const std::vector<std::string>& roots,
      absl::StatusOr<std::set<std::string>> (*owned)(absl::string_view), const ObjectSet& want,
      std::optional<std::map<std::string, std::string>>& known, bool audit,
      bool keep_unwanted = false);
  // bgpd's running configuration, read at most once per pass.
  absl::StatusOr<std::string> Running();
  absl::StatusOr<std::vector<std::string>> ApplySkeleton(const BgpSkeleton& want, bool audit);
  absl::StatusOr<size_t> ApplyNetworks(const DesiredState& desired, const std::string& vrf,
                                       bool audit, std::vector<std::string>& operators_prefixes);

  FrrClients clients_;
  std::optional<std::map<std::string, std::string>> known_staticd_;
  std::optional<std::map<std::string, std::string>> known_bgpd_;
  std::optional<std::map<std::string, std::string>> known_bfdd_;
  // Per VRF ("" = default); absent = unknown (read bgpd's running configuration).
  std::map<std::string, BgpSkeleton> known_skeletons_;
  std::map<std::string, NetworkStatements> known_networks_;
  std::map<std::string, std::set<std::string>> known_operators_;  // operator's `network`s
  std::set<std::string> vrfs_;          // VRFs ironlb had sessions in (to empty when they go)
  std::optional<std::string> running_;  // this pass's read of bgpd's running configuration
  std::optional<DesiredState> last_desired_;
  // bgpd's policy changed and bgpd has not yet been made to apply it (PolicyFlushCommands).
  bool policy_flush_pending_ = false;
};

}  // namespace ironlb::bgp

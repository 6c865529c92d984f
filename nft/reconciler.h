// Keeps the kernel's `inet ironlb` table equal to a DesiredState: reads what the kernel holds,
// diffs, and applies the difference as one atomic batch. Unchanged structure means only set
// elements change; a table someone deleted or edited is rebuilt inside the same batch. Other
// tables are never read into or touched.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "nft/desired_state.h"
#include "nft/kernel_state.h"
#include "nft/netlink_transport.h"
#include "nft/ruleset_spec.h"

namespace ironlb::nft {

class Batch;
struct ElementChanges;

struct ReconcileResult {
  size_t operations = 0;  // netlink operations in the batch; 0 = kernel already matched
  bool rebuilt = false;   // the table was (re)created from scratch
  size_t elements_added = 0;
  size_t elements_removed = 0;
  // Time spent in the kernel transaction (send batch, read every ACK), as opposed to reading
  // state and computing the difference.
  absl::Duration commit_time;
};

struct BackendCounter {
  IpAddress address;
  uint16_t port = 0;
  uint64_t packets = 0;  // every packet to and from it, of every forward using it
  uint64_t bytes = 0;
  uint64_t connections = 0;
};

struct ForwardCounter {
  std::vector<BackendCounter> backends;  // balanced forwards, in PortForwardEntry order
  std::string name;                      // PortForwardEntry::name
  uint64_t packets = 0;                  // every packet of its connections, both directions
  uint64_t bytes = 0;
  uint64_t connections = 0;  // connections forwarded (the DNAT lookup's first packets)
};

class Reconciler {
 public:
  // `transport` must outlive the reconciler.
  explicit Reconciler(NetlinkTransport* transport);

  // Validates `desired` (nothing reaches the kernel when it is bad), then converges.
  absl::StatusOr<ReconcileResult> Reconcile(const DesiredState& desired);
  // Removes ironlb's table completely (no-op when absent).
  absl::Status Cleanup();
  // Per-forward counters of the forwards in `desired`: traffic both ways, and connections.
  absl::StatusOr<std::vector<ForwardCounter>> ReadForwardCounters(const DesiredState& desired);

 private:
  // The kernel's current table: from the cache when nobody committed since our last batch
  // (`generation` unchanged), else read back in full.
  absl::StatusOr<const KernelState*> CurrentKernelState(uint32_t generation);
  // Fast path: only the elements of the few entries that changed since our last commit.
  absl::StatusOr<ReconcileResult> ApplySmallChanges(const ElementChanges& changes,
                                                    const DesiredState& desired);
  // Full path for a validated `desired`: build everything, diff all elements (or rebuild).
  absl::StatusOr<ReconcileResult> ReconcileAll(const DesiredState& desired, uint32_t generation);
  // Sends `batch`; on success records what the kernel now holds (`applied`) for the next call.
  absl::Status CommitAndRemember(Batch& batch, ReconcileResult& result, KernelState applied,
                                 const DesiredState& desired);
  bool StructureMatches(const RulesetSpec& want, const KernelState& have) const;

  NetlinkTransport* transport_;
  uint32_t seq_;
  // What the kernel held after our last commit, valid while the ruleset generation is
  // cache_generation_, and the desired state it was built from.
  std::optional<KernelState> cache_;
  uint32_t cache_generation_ = 0;
  std::optional<DesiredState> last_desired_;
  // Canonical rule text of the fixed structure, computed once.
  std::map<std::string, std::vector<std::vector<std::string>>> canonical_rules_;
};

}  // namespace ironlb::nft

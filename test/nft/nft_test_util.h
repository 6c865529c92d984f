// Test helpers for nft/: network namespaces created (and removed) by the test itself, shell
// commands with bounded run time, the equivalent `nft -f` text of a DesiredState, and
// normalised `nft -j list ruleset` output for comparisons.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "nft/desired_state.h"
#include "nlohmann/json.hpp"

namespace ironlb::nft::testing {

// Runs `command` through /bin/sh (wrapped in `timeout`), returns stdout; error on non-zero exit.
absl::StatusOr<std::string> Run(const std::string& command, int timeout_seconds = 30);

// A network namespace named "<prefix>-<pid>-<n>", deleted on destruction. Enter() moves the
// calling thread into it (and its destructor moves it back).
class ScopedNetns {
 public:
  explicit ScopedNetns(const std::string& prefix);
  ~ScopedNetns();
  ScopedNetns(const ScopedNetns&) = delete;
  ScopedNetns& operator=(const ScopedNetns&) = delete;

  bool ok() const { return ok_; }
  const std::string& name() const { return name_; }
  // "ip netns exec <name> "
  std::string Exec() const { return "ip netns exec " + name_ + " "; }
  absl::Status Enter();

 private:
  std::string name_;
  bool ok_ = false;
  int saved_fd_ = -1;
};

// The table ironlb builds for `state`, written as `nft -f` input.
std::string NftText(const DesiredState& state);
// The rules of chain fwd_stats as `nft -j list ruleset` shows them (NftText leaves the chain
// empty: nft cannot parse them from text).
nlohmann::json ForwardStatsRulesJson();

// The objects of balanced forwards (backend slot maps, all-down maps, per-backend counters, the
// lb_down chain and its rules) as `nft -j list ruleset` shows them, each with its position in
// the listing: [[index, object], ...], from test/nft/balanced_objects.json (written from
// `nft -j` output and read by eye: numgen random mod 1024, jhash of the source address with
// the fixed seed, ct state new + drop/reject). nft 1.0.6 cannot parse them from text.
nlohmann::json BalancedObjectsJson();

// `nft -j list ruleset` in `netns` with handles removed and set elements sorted, so two
// rulesets built independently compare equal when they mean the same.
absl::StatusOr<nlohmann::json> ListRuleset(const ScopedNetns& netns);
// Only the objects of one table ("inet", "ironlb").
nlohmann::json TableObjects(const nlohmann::json& ruleset, const std::string& family,
                            const std::string& table);

// A sample state with every kind of entry, `forwards` forwards and `vips` clamped VIPs.
DesiredState SampleState(int forwards, int vips);

}  // namespace ironlb::nft::testing

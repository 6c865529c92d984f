// What a restarting speaker hands its successor process: the VIPs it answered for, per
// interface, and until when the other speakers keep them its own (the grace period). Written
// to a small file (under /run: gone after a reboot) as the old process exits, taken (read and
// removed) by the new one as it starts, so it answers for exactly those VIPs at once instead
// of waiting out its hold-off.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/ip.h"

namespace ironlb::speaker {

struct RestartState {
  std::string node;
  // Which boot of which network namespace wrote it (ThisHostId()): a file left by a speaker of
  // another namespace (a lab, a container with its own network) is never adopted.
  std::string host_id;
  absl::Time deadline;  // the end of the grace period the peers were told
  std::map<std::string, std::vector<IpAddress>> claims;  // interface -> VIPs

  friend bool operator==(const RestartState&, const RestartState&) = default;
};

// Writes `state` to `path` atomically (a temporary file renamed over it), creating the
// directory when missing.
absl::Status WriteRestartState(const std::string& path, const RestartState& state);

// Reads and removes `path`. Nothing (nullopt) when there is no file, when it was written for
// another node name or host id, or when its grace period has ended by `now`; an error names
// the file and what is wrong with it (the file is removed all the same: never used twice).
absl::StatusOr<std::optional<RestartState>> TakeRestartState(const std::string& path,
                                                             const std::string& node,
                                                             const std::string& host_id,
                                                             absl::Time now);

// This boot (the kernel's boot_id) and this network namespace (its inode).
std::string ThisHostId();

}  // namespace ironlb::speaker

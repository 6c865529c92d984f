// `ironlbctl status`: asks the speaker on this host (its local unix socket) what it is doing:
// VIPs owned and why, the other speakers heard and when, recent takeovers, nftables, problems.
#pragma once

#include <ostream>
#include <string>

#include "absl/status/statusor.h"
#include "ctl/command.h"
#include "proto/ironlb_status.pb.h"

namespace ironlb::ctl {

CommandSpec StatusCommand();
inline constexpr char kDefaultStatusSocket[] = "/run/ironlb/speaker.sock";

struct StatusOptions {
  std::string socket = kDefaultStatusSocket;
  std::string output = "table";  // table | json
};

// Returns the exit code: 0 answered, 1 the speaker could not be reached, 2 bad usage.
int RunStatus(const StatusOptions& options, std::ostream& out, std::ostream& err);

// Asks the speaker listening on `socket` for its state (3 s deadline).
absl::StatusOr<status::v1::SpeakerState> ReadSpeakerState(const std::string& socket);

// The human table for `state`; exposed for tests.
void PrintStatus(const status::v1::SpeakerState& state, std::ostream& out);

}  // namespace ironlb::ctl

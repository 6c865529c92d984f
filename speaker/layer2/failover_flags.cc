#include "speaker/layer2/failover_flags.h"

#include <string>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"

ABSL_FLAG(std::string, on_sigterm, "restart",
          "restart: SIGTERM keeps this node's VIPs for --restart-grace while the next process "
          "starts; leave: SIGTERM hands them over (SIGUSR2 and SIGINT always do).");
ABSL_FLAG(absl::Duration, restart_grace, absl::Seconds(30),
          "How long the other speakers keep a restarting speaker's VIPs with it (0s..30s).");
ABSL_FLAG(std::string, restart_state_file, "/run/ironlb/layer2-restart.json",
          "Where a restarting speaker leaves the VIPs it answers for to the next process.");
ABSL_FLAG(bool, layer2_rebalance, false,
          "A returning node takes back the VIPs it wins by the hash (default: sticky).");

ABSL_FLAG(absl::Duration, layer2_advert_interval, absl::Milliseconds(40),
          "How often each speaker sends its advert on every layer-2 segment (10ms..1s).");
ABSL_FLAG(absl::Duration, layer2_dead_after, absl::Milliseconds(160),
          "A speaker silent this long is taken for dead: its VIPs move (at least 3 intervals).");

namespace ironlb::speaker {

absl::Status ApplyFailoverFlags(Layer2SpeakerOptions& options) {
  const absl::Duration grace = absl::GetFlag(FLAGS_restart_grace);
  if (grace < absl::ZeroDuration() || grace > absl::Seconds(30)) {
    return absl::InvalidArgumentError(
        absl::StrCat("--restart-grace: ", absl::FormatDuration(grace), " is outside 0s..30s"));
  }
  const std::string on = absl::GetFlag(FLAGS_on_sigterm);
  if (on != "restart" && on != "leave") {
    return absl::InvalidArgumentError(
        absl::StrCat("--on-sigterm: \"", on, "\" is neither restart nor leave"));
  }
  const absl::Duration interval = absl::GetFlag(FLAGS_layer2_advert_interval);
  const absl::Duration dead = absl::GetFlag(FLAGS_layer2_dead_after);
  if (interval < absl::Milliseconds(10) || interval > absl::Seconds(1)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--layer2-advert-interval: ", absl::FormatDuration(interval), " is outside 10ms..1s"));
  }
  if (dead < 3 * interval || dead > absl::Seconds(10)) {
    return absl::InvalidArgumentError(
        absl::StrCat("--layer2-dead-after: ", absl::FormatDuration(dead),
                     " must be at least three advert intervals (",
                     absl::FormatDuration(3 * interval), ") and at most 10s"));
  }
  options.interval = absl::ToChronoMilliseconds(interval);
  options.dead_after = absl::ToChronoMilliseconds(dead);
  options.restart_grace = absl::ToChronoMilliseconds(grace);
  options.restart_state_file = absl::GetFlag(FLAGS_restart_state_file);
  options.sticky = !absl::GetFlag(FLAGS_layer2_rebalance);
  return absl::OkStatus();
}

bool SigtermMeansRestart() { return absl::GetFlag(FLAGS_on_sigterm) == "restart"; }

}  // namespace ironlb::speaker

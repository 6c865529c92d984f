// The speaker's flags for stopping and restarting (defined here, next to what they drive, so
// the speaker's main only asks): what SIGTERM means, the restart grace, where the restart
// state goes, sticky ownership or rebalancing.
#pragma once

#include "absl/status/status.h"
#include "speaker/layer2/layer2_speaker.h"

namespace ironlb::speaker {

// Fills interval, dead_after, restart_grace, restart_state_file and sticky from the flags; an
// error names the flag.
absl::Status ApplyFailoverFlags(Layer2SpeakerOptions& options);

// --on-sigterm: true when SIGTERM means "restarting" (the default), false for "leaving".
bool SigtermMeansRestart();

}  // namespace ironlb::speaker

// ironlb-speaker's command line: every flag is defined in speaker_flags.cc and read here into
// the agent's options, so the speaker's main() only starts things.
#pragma once

#include <memory>

#include "absl/status/statusor.h"
#include "kube/client.h"
#include "speaker/speaker_agent.h"

namespace ironlb::speaker {

// Every flag, checked: a bad value is InvalidArgument naming its flag (exit status 2). The run
// mode is decided here, once.
absl::StatusOr<SpeakerAgentOptions> SpeakerOptionsFromFlags();

// The cluster the mode needs (--kubeconfig, $KUBECONFIG or the pod's service account); null in
// standalone mode. An error says what to give.
absl::StatusOr<std::unique_ptr<kube::Client>> ClusterFromFlags(RunMode mode);

}  // namespace ironlb::speaker

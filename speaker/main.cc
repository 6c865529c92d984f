// ironlb-speaker: announces LoadBalancer IPs from this node and, on router hosts, forwards
// ports to them. Only starting and signals here: the flags are speaker/speaker_flags.cc, the
// speaker is speaker/speaker_agent.h.
#include <signal.h>

#include <cstdio>
#include <string>

#include "common/daemon.h"
#include "common/event_loop.h"
#include "common/log.h"
#include "speaker/run_mode.h"
#include "speaker/speaker_agent.h"
#include "speaker/speaker_flags.h"

namespace {

int UsageError(const absl::Status& status) {
  std::fprintf(stderr, "ironlb-speaker: %s\n", std::string(status.message()).c_str());
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  ironlb::InitProgram(argc, argv, "ironlb-speaker", ironlb::speaker::kSpeakerUsage, true);
  auto options = ironlb::speaker::SpeakerOptionsFromFlags();
  if (!options.ok()) return UsageError(options.status());
  auto cluster = ironlb::speaker::ClusterFromFlags(options->mode);
  if (!cluster.ok()) return UsageError(cluster.status());
  auto signals = ironlb::SignalSet::Create({SIGTERM, SIGINT, SIGHUP, SIGUSR2});
  auto loop = ironlb::EventLoop::Create();
  if (!signals.ok() || !loop.ok()) {
    IRONLB_LOG(kError, "cannot start the event loop")
        .With("error", signals.ok() ? loop.status() : signals.status());
    return 1;
  }
  ironlb::EventLoop* l = loop->get();
  auto agent = ironlb::speaker::SpeakerAgent::Create(l, *std::move(options), *std::move(cluster));
  if (!agent.ok()) {
    if (absl::IsInvalidArgument(agent.status())) return UsageError(agent.status());
    IRONLB_LOG(kError, "cannot start").With("error", agent.status());
    return 1;
  }
  int exit_status = 0;
  absl::Status watched = ironlb::WatchSignals(
      *l, **signals,
      {.on_reload = [&] { (*agent)->Reload(); },
       .on_stop_signal = [&](int sig) { (*agent)->OnStopSignal(sig, [l] { l->Stop(); }); },
       .on_error = [&](const absl::Status&) {  // no SIGTERM can reach us now: stop cleanly
         exit_status = 1;
         (*agent)->Stop([l] { l->Stop(); });
       }});
  if (!watched.ok()) {
    IRONLB_LOG(kError, "cannot watch signals").With("error", watched);
    return 1;
  }
  if (absl::Status st = l->Run(); !st.ok()) {
    IRONLB_LOG(kError, "event loop failed").With("error", st);
    exit_status = 1;
  }
  agent->reset();
  IRONLB_LOG(kInfo, "ironlb-speaker stopped");
  return exit_status;
}

// The shared skeleton of ironlb's daemons: build-info metric and a signal-driven main loop
// (SIGHUP reloads, SIGTERM/SIGINT stop gracefully).
#pragma once

#include <functional>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/event_loop.h"
#include "common/metrics.h"
#include "common/signals.h"

namespace ironlb {

inline constexpr absl::string_view kVersion = IRONLB_VERSION;

// Handles --help/-h (prints `usage`, then with `list_flags` every flag of the program from its
// own help string, and exits 0), parses Abseil flags and applies --log-level and --log-format;
// a bad flag value prints "NAME: message" and exits 2.
void InitProgram(int argc, char** argv, absl::string_view name, const char* usage,
                 bool list_flags = false);

// "Flags:" and one entry per flag linked into the program (Abseil's own excluded), sorted, in
// the command-line spelling (--config-dir), each with its help string and default.
std::string FlagsHelp();

// ironlb_build_info{component="speaker",version="0.1.0"} 1
void RegisterBuildInfo(metrics::Registry& registry, absl::string_view component);

struct LoopHooks {
  std::function<void()> on_reload;  // SIGHUP
  std::function<void()> on_tick;    // every `tick`, for periodic reconciles
  absl::Duration tick = absl::Seconds(1);
};

// Turns until SIGTERM or SIGINT; returns the signal that stopped it.
int RunUntilStopped(SignalSet& signals, const LoopHooks& hooks);

struct SignalHandlers {
  std::function<void()> on_reload;  // SIGHUP
  std::function<void()> on_stop;    // the first SIGTERM or SIGINT (later ones are ignored)
  // Instead of on_stop when set: told which signal (SIGTERM, SIGINT, or SIGUSR2 when the
  // SignalSet has it).
  std::function<void(int signal)> on_stop_signal;
  // Reading the signals failed: no SIGTERM can reach the daemon any more, so it should stop.
  // The descriptor is no longer watched (a broken one would wake the loop forever).
  std::function<void(const absl::Status&)> on_error;
};

// Dispatches `signals` on `loop`'s thread, each logged. `signals` outlives the watch.
absl::Status WatchSignals(EventLoop& loop, SignalSet& signals, SignalHandlers handlers);

}  // namespace ironlb

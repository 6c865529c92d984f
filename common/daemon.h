// The shared skeleton of ironlb's daemons: build-info metric and a signal-driven main loop
// (SIGHUP reloads, SIGTERM/SIGINT stop gracefully).
#pragma once

#include <functional>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/metrics.h"
#include "common/signals.h"

namespace ironlb {

inline constexpr absl::string_view kVersion = IRONLB_VERSION;

// Handles --help/-h (prints `usage`, exits 0), parses Abseil flags and applies --log-level and
// --log-format; a bad flag value prints "NAME: message" and exits 2.
void InitProgram(int argc, char** argv, absl::string_view name, const char* usage);

// ironlb_build_info{component="speaker",version="0.1.0"} 1
void RegisterBuildInfo(metrics::Registry& registry, absl::string_view component);

struct LoopHooks {
  std::function<void()> on_reload;  // SIGHUP
  std::function<void()> on_tick;    // every `tick`, for periodic reconciles
  absl::Duration tick = absl::Seconds(1);
};

// Turns until SIGTERM or SIGINT; returns the signal that stopped it.
int RunUntilStopped(SignalSet& signals, const LoopHooks& hooks);

}  // namespace ironlb

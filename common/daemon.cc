#include "common/daemon.h"

#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/flags/usage.h"
#include "absl/strings/string_view.h"
#include "common/flags.h"
#include "common/log.h"

namespace ironlb {

void InitProgram(int argc, char** argv, absl::string_view name, const char* usage) {
  absl::SetProgramUsageMessage(usage);
  for (int i = 1; i < argc; ++i) {
    const absl::string_view arg = argv[i];
    if (arg == "--help" || arg == "-h" || arg == "-help") {
      std::fputs(usage, stdout);
      std::exit(0);
    }
  }
  ParseFlags(std::vector<std::string>(argv, argv + argc));
  if (absl::Status st = log::ConfigureFromFlags(); !st.ok()) {
    std::fprintf(stderr, "%.*s: %.*s\n", static_cast<int>(name.size()), name.data(),
                 static_cast<int>(st.message().size()), st.message().data());
    std::exit(2);
  }
}

void RegisterBuildInfo(metrics::Registry& registry, absl::string_view component) {
  registry
      .AddGauge("ironlb_build_info", "Always 1; the labels say which ironlb build this is.",
                {"component", "version"})
      .WithLabels({std::string(component), std::string(kVersion)})
      .Set(1);
}

int RunUntilStopped(SignalSet& signals, const LoopHooks& hooks) {
  absl::Time next_tick = absl::Now() + hooks.tick;
  while (true) {
    const absl::Duration wait = std::max(absl::ZeroDuration(), next_tick - absl::Now());
    auto sig = signals.Wait(wait);
    if (!sig.ok()) {
      IRONLB_LOG(kError, "waiting for signals failed").With("error", sig.status());
      return SIGTERM;
    }
    if (*sig == SIGTERM || *sig == SIGINT) {
      IRONLB_LOG(kInfo, "stopping").With("signal", *sig == SIGTERM ? "SIGTERM" : "SIGINT");
      return *sig;
    }
    if (*sig == SIGHUP) {
      IRONLB_LOG(kInfo, "reloading").With("signal", "SIGHUP");
      if (hooks.on_reload) hooks.on_reload();
    }
    if (absl::Now() >= next_tick) {
      if (hooks.on_tick) hooks.on_tick();
      next_tick = absl::Now() + hooks.tick;
    }
  }
}

}  // namespace ironlb

#include "common/daemon.h"

#include <signal.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "absl/flags/reflection.h"
#include "absl/flags/usage.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "common/flags.h"
#include "common/log.h"

namespace ironlb {

std::string FlagsHelp() {
  std::vector<const absl::CommandLineFlag*> flags;
  for (const auto& [name, flag] : absl::GetAllFlags()) {
    if (absl::StrContains(flag->Filename(), "absl/")) continue;  // --flagfile, --fromenv, ...
    flags.push_back(flag);
  }
  std::sort(flags.begin(), flags.end(),
            [](const auto* a, const auto* b) { return a->Name() < b->Name(); });
  std::string out = "Flags:\n";
  for (const absl::CommandLineFlag* flag : flags) {
    std::string name = absl::StrReplaceAll(flag->Name(), {{"_", "-"}});
    std::string help = flag->Help();
    const std::string def = flag->DefaultValue();
    if (!def.empty() && !flag->IsOfType<bool>()) absl::StrAppend(&help, " (default: ", def, ")");
    absl::StrAppend(&out, "  --", name, "\n");
    // Wrapped at 100 columns, indented under the name.
    std::string line = "     ";
    for (absl::string_view word : absl::StrSplit(help, ' ', absl::SkipEmpty())) {
      if (line.size() + 1 + word.size() > 100 && line.size() > 5) {
        absl::StrAppend(&out, line, "\n");
        line = "     ";
      }
      absl::StrAppend(&line, " ", word);
    }
    absl::StrAppend(&out, line, "\n");
  }
  return out;
}

void InitProgram(int argc, char** argv, absl::string_view name, const char* usage,
                 bool list_flags) {
  absl::SetProgramUsageMessage(usage);
  for (int i = 1; i < argc; ++i) {
    const absl::string_view arg = argv[i];
    if (arg == "--help" || arg == "-h" || arg == "-help") {
      std::fputs(usage, stdout);
      if (list_flags) std::printf("\n%s", FlagsHelp().c_str());
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

absl::Status WatchSignals(EventLoop& loop, SignalSet& signals, SignalHandlers handlers) {
  auto stopping = std::make_shared<bool>(false);
  return loop.Watch(signals.fd(), [&loop, &signals, handlers = std::move(handlers), stopping] {
    auto sig = signals.Wait(absl::ZeroDuration());
    if (!sig.ok()) {
      IRONLB_LOG(kError, "cannot read signals; stopping")
          .With("error", sig.status())
          .With("action", "report this: the signal descriptor broke");
      loop.Unwatch(signals.fd());
      if (handlers.on_error) handlers.on_error(sig.status());
      return;
    }
    if (*sig == 0) return;
    if (*sig == SIGHUP) {
      IRONLB_LOG(kInfo, "reloading").With("signal", "SIGHUP");
      if (handlers.on_reload) handlers.on_reload();
      return;
    }
    if (*stopping) return;
    *stopping = true;
    if (handlers.on_stop_signal) {
      handlers.on_stop_signal(*sig);
      return;
    }
    IRONLB_LOG(kInfo, "stopping: handing VIPs over")
        .With("signal", *sig == SIGTERM ? "SIGTERM" : "SIGINT");
    if (handlers.on_stop) handlers.on_stop();
  });
}

}  // namespace ironlb

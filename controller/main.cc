// ironlb-controller: assigns LoadBalancer IPs from pools. Only flag parsing and wiring here.
#include <cstdio>
#include <string>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "common/daemon.h"
#include "common/http_server.h"
#include "common/log.h"
#include "config/config_reloader.h"

ABSL_FLAG(std::string, config_dir, "", "Directory of ironlb YAML configuration (*.yaml, *.yml).");
ABSL_FLAG(std::string, metrics_address, "127.0.0.1:7472",
          "Where /metrics, /healthz and /readyz are served. Loopback by default; use "
          "0.0.0.0:7472 (or [::]:7472) to let Prometheus scrape from other hosts.");

namespace {

constexpr char kUsage[] = R"(ironlb-controller assigns LoadBalancer IPs from ironlb's address pools.

Usage:
  ironlb-controller --config-dir DIR [--metrics-address HOST:PORT] [--log-level LEVEL]

It reads the configuration in DIR, keeps the last good configuration when a reload (SIGHUP)
finds errors, and serves /healthz, /readyz and /metrics. SIGTERM or SIGINT stops it.

Flags:
  --config-dir DIR              ironlb YAML configuration (AddressPool, L2Advertisement, ...)
  --metrics-address HOST:PORT   default 127.0.0.1:7472
  --log-level debug|info|warn|error   default info
  --log-format logfmt|json            default logfmt
)";

}  // namespace

int main(int argc, char** argv) {
  ironlb::InitProgram(argc, argv, "ironlb-controller", kUsage);
  const std::string dir = absl::GetFlag(FLAGS_config_dir);
  if (dir.empty()) {
    std::fprintf(stderr, "ironlb-controller: --config-dir is required (see --help)\n");
    return 2;
  }
  auto signals = ironlb::SignalSet::Create();
  if (!signals.ok()) {
    IRONLB_LOG(kError, "cannot set up signal handling").With("error", signals.status());
    return 1;
  }

  ironlb::metrics::Registry registry;
  ironlb::RegisterBuildInfo(registry, "controller");
  ironlb::config::ConfigReloader config(dir, registry);
  config.Reload();

  auto http = ironlb::HttpServer::Start(
      absl::GetFlag(FLAGS_metrics_address),
      {.registry = &registry, .healthy = nullptr, .ready = [&config]() -> absl::Status {
         if (config.store().current()) return absl::OkStatus();
         return absl::UnavailableError(
             absl::StrCat("no valid configuration loaded from ", config.dir()));
       }});
  if (!http.ok()) {
    IRONLB_LOG(kError, "cannot serve metrics").With("error", http.status());
    return 1;
  }
  IRONLB_LOG(kInfo, "ironlb-controller started")
      .With("version", ironlb::kVersion)
      .With("metrics_port", (*http)->port());
  ironlb::RunUntilStopped(**signals, {.on_reload = [&config] { config.Reload(); }});
  (*http)->Stop();
  IRONLB_LOG(kInfo, "ironlb-controller stopped");
  return 0;
}

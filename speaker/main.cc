// ironlb-speaker: announces LoadBalancer IPs from every node (or router host). Only flag
// parsing and wiring here.
#include <unistd.h>

#include <cstdio>
#include <string>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "common/daemon.h"
#include "common/http_server.h"
#include "common/log.h"
#include "config/config_reloader.h"

ABSL_FLAG(std::string, config_dir, "", "Directory of ironlb YAML configuration (*.yaml, *.yml).");
ABSL_FLAG(std::string, node_name, "", "This node's name (default: the host name).");
ABSL_FLAG(std::string, metrics_address, "127.0.0.1:7473",
          "Where /metrics, /healthz and /readyz are served. Loopback by default.");

namespace {

constexpr char kUsage[] = R"(ironlb-speaker announces LoadBalancer IPs from this node.

Usage:
  ironlb-speaker --config-dir DIR [--node-name NAME] [--metrics-address HOST:PORT]

It reads the configuration in DIR, keeps the last good configuration when a reload (SIGHUP)
finds errors, and serves /healthz, /readyz and /metrics. SIGTERM or SIGINT stops it.

Flags:
  --config-dir DIR              ironlb YAML configuration (AddressPool, L2Advertisement, ...)
  --node-name NAME              default: the host name
  --metrics-address HOST:PORT   default 127.0.0.1:7473
  --log-level debug|info|warn|error   default info
  --log-format logfmt|json            default logfmt
)";

std::string HostName() {
  char buf[256] = {};
  if (gethostname(buf, sizeof(buf) - 1) != 0) return "";
  return buf;
}

}  // namespace

int main(int argc, char** argv) {
  ironlb::InitProgram(argc, argv, "ironlb-speaker", kUsage);
  const std::string dir = absl::GetFlag(FLAGS_config_dir);
  if (dir.empty()) {
    std::fprintf(stderr, "ironlb-speaker: --config-dir is required (see --help)\n");
    return 2;
  }
  std::string node = absl::GetFlag(FLAGS_node_name);
  if (node.empty()) node = HostName();
  auto signals = ironlb::SignalSet::Create();
  if (!signals.ok()) {
    IRONLB_LOG(kError, "cannot set up signal handling").With("error", signals.status());
    return 1;
  }

  ironlb::metrics::Registry registry;
  ironlb::RegisterBuildInfo(registry, "speaker");
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
  IRONLB_LOG(kInfo, "ironlb-speaker started")
      .With("version", ironlb::kVersion)
      .With("node", node)
      .With("metrics_port", (*http)->port());
  ironlb::RunUntilStopped(**signals, {.on_reload = [&config] { config.Reload(); }});
  (*http)->Stop();
  IRONLB_LOG(kInfo, "ironlb-speaker stopped");
  return 0;
}

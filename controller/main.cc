// ironlb-controller: assigns LoadBalancer IPs from ironlb's pools. Only flag parsing and
// wiring here; the controller is controller/controller_daemon.h.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "common/daemon.h"
#include "common/http_server.h"
#include "common/log.h"
#include "controller/controller_daemon.h"
#include "kube/client.h"
#include "kube/client_flags.h"

ABSL_FLAG(std::string, namespace, "",
          "Namespace of ironlb's configuration objects (AddressPool, ...) and of the leader "
          "Lease (default: the kubeconfig context's namespace, or the pod's).");
ABSL_FLAG(std::string, metallb_namespace, "metallb-system",
          "Namespace where MetalLB's objects (metallb.io IPAddressPool, L2Advertisement, ...) are "
          "read as they are, when their CRDs are installed; empty: none.");
ABSL_FLAG(std::string, metallb_config_map, "",
          "Name of MetalLB <= 0.12's ConfigMap (usually \"config\") to read in the MetalLB "
          "namespace; empty: none.");
ABSL_FLAG(std::string, load_balancer_class, "",
          "The spec.loadBalancerClass ironlb serves (default: Services without a class).");
ABSL_FLAG(bool, leader_elect, false,
          "Run as one of several replicas: only the holder of the Lease assigns addresses.");
ABSL_FLAG(std::string, lease_name, "ironlb-controller", "Name of the leader-election Lease.");
ABSL_FLAG(absl::Duration, lease_duration, absl::Seconds(10),
          "How long a standby waits for a silent leader before taking over.");
ABSL_FLAG(absl::Duration, renew_deadline, absl::Seconds(7),
          "How long a leader keeps trying to renew before it stops leading.");
ABSL_FLAG(absl::Duration, retry_period, absl::Seconds(2), "Lease renew/retry interval.");
ABSL_FLAG(std::string, identity, "",
          "This replica's name in the Lease and Events (default: $POD_NAME, else host_pid).");
ABSL_FLAG(int, write_concurrency, 4, "Services whose status is written at the same time.");
ABSL_FLAG(std::string, metrics_address, "127.0.0.1:7472",
          "Where /metrics, /healthz and /readyz are served. Loopback by default; use "
          "0.0.0.0:7472 (or [::]:7472) to let Prometheus scrape from other hosts.");

namespace {

constexpr char kUsage[] = R"(ironlb-controller assigns LoadBalancer IPs from ironlb's address pools.

Usage:
  ironlb-controller [--kubeconfig FILE] [--namespace NS] [--leader-elect]
                    [--load-balancer-class CLASS] [--metrics-address HOST:PORT]

It watches Services, Namespaces and ironlb's configuration objects (AddressPool, ...) in NS,
and MetalLB's objects (metallb.io, when installed) in the MetalLB namespace, read as they are;
writes each LoadBalancer Service's status.loadBalancer.ingress and the annotation
ironlb.io/allocated-from-pool, and records Events on the Service (IPAllocated,
AllocationFailed with the reason, IPReleased; StatusWriteForbidden naming the permission its
RBAC lacks). A configuration object with an error gets a
Warning Event naming the field and an Accepted=False condition; the last valid version stays
in force. Addresses already assigned never move on a restart or a leader change.

Flags:
  --kubeconfig FILE             default: $KUBECONFIG, else the pod's service account
  --context NAME                kubeconfig context
  --namespace NS                default: the context's or the pod's namespace
  --metallb-namespace NS        MetalLB's objects are read here (default metallb-system;
                                "" for none)
  --metallb-config-map NAME     also read MetalLB <= 0.12's ConfigMap NAME there (usually
                                config; default: none)
  --load-balancer-class CLASS   default: serve Services without a class
  --leader-elect                one active replica through a Lease (for 2+ replicas)
  --lease-name NAME             default ironlb-controller
  --lease-duration D            default 10s (a standby takes over within about D + 2s)
  --renew-deadline D            default 7s
  --retry-period D              default 2s
  --identity NAME               default $POD_NAME
  --write-concurrency N         default 4
  --metrics-address HOST:PORT   default 127.0.0.1:7472
  --log-level debug|info|warn|error   default info
  --log-format logfmt|json            default logfmt
)";

std::string DefaultIdentity() {
  if (const char* pod = std::getenv("POD_NAME"); pod != nullptr && *pod != '\0') return pod;
  char host[256] = {};
  if (gethostname(host, sizeof(host) - 1) != 0) host[0] = '\0';
  return absl::StrCat(host[0] != '\0' ? host : "ironlb-controller", "_", getpid());
}

int Fail(absl::string_view what, const absl::Status& status) {
  IRONLB_LOG(kError, what).With("error", status);
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  ironlb::InitProgram(argc, argv, "ironlb-controller", kUsage);
  auto signals = ironlb::SignalSet::Create();
  if (!signals.ok()) return Fail("cannot set up signal handling", signals.status());
  auto kube_config = ironlb::kube::ClientConfigFromFlags();
  if (!kube_config.ok()) return Fail("cannot reach Kubernetes", kube_config.status());
  auto client = ironlb::kube::Client::Create(*kube_config, {});
  if (!client.ok()) return Fail("cannot make a Kubernetes client", client.status());

  ironlb::controller::ControllerDaemonOptions options;
  options.ns = absl::GetFlag(FLAGS_namespace);
  if (options.ns.empty()) options.ns = kube_config->default_namespace;
  options.metallb_namespace = absl::GetFlag(FLAGS_metallb_namespace);
  options.metallb_config_map = absl::GetFlag(FLAGS_metallb_config_map);
  options.identity = absl::GetFlag(FLAGS_identity);
  if (options.identity.empty()) options.identity = DefaultIdentity();
  if (const std::string c = absl::GetFlag(FLAGS_load_balancer_class); !c.empty()) {
    options.load_balancer_class = c;
  }
  options.leader_elect = absl::GetFlag(FLAGS_leader_elect);
  options.lease_name = absl::GetFlag(FLAGS_lease_name);
  options.lease_duration = absl::GetFlag(FLAGS_lease_duration);
  options.renew_deadline = absl::GetFlag(FLAGS_renew_deadline);
  options.retry_period = absl::GetFlag(FLAGS_retry_period);
  options.writer_threads = absl::GetFlag(FLAGS_write_concurrency);

  ironlb::metrics::Registry registry;
  ironlb::RegisterBuildInfo(registry, "controller");
  auto daemon = ironlb::controller::ControllerDaemon::Create(client->get(), registry, options);
  if (!daemon.ok()) return Fail("bad controller settings", daemon.status());
  ironlb::controller::ControllerDaemon& controller = **daemon;

  auto http =
      ironlb::HttpServer::Start(absl::GetFlag(FLAGS_metrics_address),
                                {.registry = &registry, .healthy = nullptr, .ready = [&controller] {
                                   return controller.Ready();
                                 }});
  if (!http.ok()) return Fail("cannot serve metrics", http.status());
  controller.Start();
  IRONLB_LOG(kInfo, "ironlb-controller started")
      .With("version", ironlb::kVersion)
      .With("api", kube_config->server)
      .With("namespace", options.ns)
      .With("identity", options.identity)
      .With("leader_elect", options.leader_elect)
      .With("metrics_port", (*http)->port());
  ironlb::RunUntilStopped(**signals, {});
  controller.Stop();
  (*http)->Stop();
  IRONLB_LOG(kInfo, "ironlb-controller stopped");
  return 0;
}

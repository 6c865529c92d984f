// ironlb-speaker: announces LoadBalancer IPs from this node and, on router hosts, forwards
// ports to them. Only flag parsing and signals here; the speaker is speaker/speaker_agent.h.
#include <signal.h>

#include <cstdio>
#include <string>

#include "absl/flags/flag.h"
#include "common/daemon.h"
#include "common/event_loop.h"
#include "common/log.h"
#include "kube/client_flags.h"
#include "speaker/layer2/failover_flags.h"
#include "speaker/run_mode.h"
#include "speaker/speaker_agent.h"

ABSL_FLAG(std::string, config_dir, "",
          "Directory of ironlb YAML configuration (*.yaml, *.yml), and in standalone mode the "
          "v1 Service manifests to announce.");
ABSL_FLAG(std::string, namespace, "ironlb-system",
          "Kubernetes mode: the namespace of ironlb's configuration objects (AddressPool, ...).");
ABSL_FLAG(
    std::string, metallb_namespace, "metallb-system",
    "Kubernetes mode: MetalLB's objects (metallb.io) are read here as they are; empty: none.");
ABSL_FLAG(std::string, metallb_config_map, "",
          "Kubernetes mode: MetalLB <= 0.12's ConfigMap (\"config\") read there; empty: none.");
ABSL_FLAG(std::string, load_balancer_class, "",
          "Kubernetes mode: the spec.loadBalancerClass ironlb serves (default: no class).");
ABSL_FLAG(std::string, node_name, "", "This node's name (default: the host name).");
ABSL_FLAG(std::string, node_labels, "",
          "This node's labels for nodeSelectors, as key=value,key=value.");
ABSL_FLAG(std::string, layer2_key_file, "",
          "File holding the key shared by all speakers (any secret text of 16+ characters); "
          "signs layer-2 adverts. Only needed with an L2Advertisement.");
ABSL_FLAG(int, liveness_port, 7946,
          "TCP port, on each layer-2 interface's own address, for the speakers' liveness links.");
ABSL_FLAG(std::string, metrics_address, "127.0.0.1:7473",
          "Where /metrics, /healthz and /readyz are served. Loopback by default.");
ABSL_FLAG(std::string, status_socket, "/run/ironlb/speaker.sock",
          "Unix socket serving the live state to `ironlbctl status`; empty: none.");
ABSL_FLAG(std::string, frr_vty_dir, "/var/run/frr",
          "BGP: directory of FRR's vty sockets (bgpd.vty); with FRR's -N NAME, /var/run/frr/NAME.");
ABSL_FLAG(
    std::string, frr_grpc_ports, "50051,50052,50053",
    "BGP: loopback gRPC ports of FRR's staticd,bgpd,bfdd (their -M grpc:PORT); bfdd 0 = none.");
ABSL_FLAG(std::string, local_services, "",
          "BGP, standalone: Services (namespace/name[=N],...) with externalTrafficPolicy Local "
          "that this host serves, N its ready endpoints here (default 1; the weight with "
          "weightByEndpoints); only those of them are announced from here.");
ABSL_FLAG(std::string, bgp_speakers_peer_group, "",
          "Router role, BGP: the peer group of the speakers in this router's FRR; its sessions "
          "may announce only addresses of the pools (empty: no filter).");

int main(int argc, char** argv) {
  ironlb::InitProgram(argc, argv, "ironlb-speaker", ironlb::speaker::kSpeakerUsage, true);
  using ironlb::speaker::RunMode;
  const RunMode mode = ironlb::speaker::DecideRunMode(!absl::GetFlag(FLAGS_config_dir).empty(),
                                                      !absl::GetFlag(FLAGS_kubeconfig).empty());
  std::unique_ptr<ironlb::kube::Client> cluster;
  if (ironlb::speaker::UsesCluster(mode)) {
    auto config = ironlb::kube::ClientConfigFromFlags();
    auto client = config.ok()
                      ? ironlb::kube::Client::Create(*config, {})
                      : absl::StatusOr<std::unique_ptr<ironlb::kube::Client>>(config.status());
    if (!client.ok()) {
      std::fprintf(stderr, "ironlb-speaker: give --config-dir DIR, or a cluster: %s\n",
                   std::string(client.status().message()).c_str());
      return 2;
    }
    cluster = std::move(*client);
  }
  ironlb::speaker::Layer2SpeakerOptions layer2;
  if (absl::Status st = ironlb::speaker::ApplyFailoverFlags(layer2); !st.ok()) {
    std::fprintf(stderr, "ironlb-speaker: %s\n", std::string(st.message()).c_str());
    return 2;
  }
  auto signals = ironlb::SignalSet::Create({SIGTERM, SIGINT, SIGHUP, SIGUSR2});
  auto loop = ironlb::EventLoop::Create();
  if (!signals.ok() || !loop.ok()) {
    IRONLB_LOG(kError, "cannot start the event loop")
        .With("error", signals.ok() ? loop.status() : signals.status());
    return 1;
  }
  ironlb::EventLoop* l = loop->get();
  auto agent = ironlb::speaker::SpeakerAgent::Create(
      l,
      {.mode = mode,
       .config_dir = absl::GetFlag(FLAGS_config_dir),
       .config_namespace = absl::GetFlag(FLAGS_namespace),
       .metallb_namespace = absl::GetFlag(FLAGS_metallb_namespace),
       .metallb_config_map = absl::GetFlag(FLAGS_metallb_config_map),
       .load_balancer_class = absl::GetFlag(FLAGS_load_balancer_class),
       .node_name = absl::GetFlag(FLAGS_node_name),
       .node_labels = absl::GetFlag(FLAGS_node_labels),
       .layer2_key_file = absl::GetFlag(FLAGS_layer2_key_file),
       .liveness_port = absl::GetFlag(FLAGS_liveness_port),
       .metrics_address = absl::GetFlag(FLAGS_metrics_address),
       .status_socket = absl::GetFlag(FLAGS_status_socket),
       .frr_vty_dir = absl::GetFlag(FLAGS_frr_vty_dir),
       .frr_grpc_ports = absl::GetFlag(FLAGS_frr_grpc_ports),
       .local_services = absl::GetFlag(FLAGS_local_services),
       .bgp_speakers_peer_group = absl::GetFlag(FLAGS_bgp_speakers_peer_group),
       .layer2 = std::move(layer2)},
      std::move(cluster));
  if (!agent.ok()) {
    if (absl::IsInvalidArgument(agent.status())) {
      std::fprintf(stderr, "ironlb-speaker: %s\n", std::string(agent.status().message()).c_str());
      return 2;
    }
    IRONLB_LOG(kError, "cannot start").With("error", agent.status());
    return 1;
  }
  int exit_status = 0;
  absl::Status watched = ironlb::WatchSignals(
      *l, **signals,
      {.on_reload = [&] { (*agent)->Reload(); },
       // SIGTERM: restarting (the default; --on-sigterm) or leaving; SIGUSR2/SIGINT: leaving.
       .on_stop_signal =
           [&](int sig) {
             if (sig == SIGTERM && ironlb::speaker::SigtermMeansRestart()) {
               IRONLB_LOG(kInfo, "restarting: VIPs, routes and nftables stay for the next process")
                   .With("signal", "SIGTERM");
               (*agent)->Restart([l] { l->Stop(); });
               return;
             }
             IRONLB_LOG(kInfo, "stopping for good: handing VIPs over")
                 .With("signal",
                       sig == SIGTERM ? "SIGTERM" : (sig == SIGUSR2 ? "SIGUSR2" : "SIGINT"));
             (*agent)->Stop([l] { l->Stop(); });
           },
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

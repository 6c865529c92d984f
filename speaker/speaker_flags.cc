// The speaker's flags and how they become the agent's options.
#include "speaker/speaker_flags.h"

#include <string>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "kube/client_flags.h"

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
ABSL_FLAG(std::string, bgp_secrets_dir, "/etc/ironlb/secrets",
          "BGP, standalone: where BGPPeer passwordSecret is read from: the Secret's key is the "
          "file DIR/<name>/<key> (as a Kubernetes Secret mounted as a volume). Kubernetes mode "
          "reads the Secret from the API.");
ABSL_FLAG(std::string, bgp_speakers_peer_group, "",
          "Router role, BGP: the peer group of the speakers in this router's FRR; its sessions "
          "may announce only addresses of the pools (empty: no filter).");
ABSL_FLAG(std::string, conntrackd_config, "",
          "Router role, HA pair: conntrackd's configuration file. conntrackd (run as its own "
          "service) replicates forwarded connections between the routers; at every change of "
          "layer-2 ownership the speaker makes it primary (commit, the keepalived way) or backup. "
          "Empty: off.");
ABSL_FLAG(std::string, conntrackd, "/usr/sbin/conntrackd",
          "Router role: the conntrackd program run with --conntrackd-config.");

ABSL_FLAG(std::string, on_sigterm, "restart",
          "restart: SIGTERM keeps this node's VIPs for --restart-grace while the next process "
          "starts; leave: SIGTERM hands them over (SIGUSR2 and SIGINT always do).");
ABSL_FLAG(absl::Duration, restart_grace, absl::Seconds(30),
          "How long the other speakers keep a restarting speaker's VIPs with it (0s..30s).");
ABSL_FLAG(std::string, restart_state_file, "/run/ironlb/layer2-restart.json",
          "Where a restarting speaker leaves the VIPs it answers for to the next process.");
ABSL_FLAG(bool, layer2_rebalance, false,
          "A returning node takes back the VIPs it wins by the hash (default: sticky).");

ABSL_FLAG(absl::Duration, layer2_advert_interval, absl::Milliseconds(20),
          "How often each speaker sends its advert on every layer-2 segment (10ms..1s).");
ABSL_FLAG(absl::Duration, layer2_frozen_hold, absl::Seconds(2),
          "A speaker silent while its host still answers (starved of CPU, the host up) keeps "
          "its VIPs this long before they move (0s: moved after --layer2-dead-after; at most "
          "30s).");
ABSL_FLAG(absl::Duration, layer2_dead_after, absl::Milliseconds(80),
          "A speaker silent this long is taken for dead: its VIPs move (at least 3 intervals).");

namespace ironlb::speaker {
namespace {

// Layer-2 timing, restart and stickiness.
absl::Status ApplyFailoverFlags(Layer2SpeakerOptions& options) {
  const absl::Duration grace = absl::GetFlag(FLAGS_restart_grace);
  if (grace < absl::ZeroDuration() || grace > absl::Seconds(30)) {
    return absl::InvalidArgumentError(
        absl::StrCat("--restart-grace: ", absl::FormatDuration(grace), " is outside 0s..30s"));
  }
  const std::string on = absl::GetFlag(FLAGS_on_sigterm);
  if (on != "restart" && on != "leave") {
    return absl::InvalidArgumentError(
        absl::StrCat("--on-sigterm: \"", on, "\" is neither restart nor leave"));
  }
  const absl::Duration interval = absl::GetFlag(FLAGS_layer2_advert_interval);
  const absl::Duration dead = absl::GetFlag(FLAGS_layer2_dead_after);
  if (interval < absl::Milliseconds(10) || interval > absl::Seconds(1)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--layer2-advert-interval: ", absl::FormatDuration(interval), " is outside 10ms..1s"));
  }
  if (dead < 3 * interval || dead > absl::Seconds(10)) {
    return absl::InvalidArgumentError(
        absl::StrCat("--layer2-dead-after: ", absl::FormatDuration(dead),
                     " must be at least three advert intervals (",
                     absl::FormatDuration(3 * interval), ") and at most 10s"));
  }
  const absl::Duration frozen = absl::GetFlag(FLAGS_layer2_frozen_hold);
  if (frozen != absl::ZeroDuration() && (frozen < dead || frozen > absl::Seconds(30))) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--layer2-frozen-hold: ", absl::FormatDuration(frozen),
        " must be 0s, or between --layer2-dead-after (", absl::FormatDuration(dead), ") and 30s"));
  }
  options.interval = absl::ToChronoMilliseconds(interval);
  options.dead_after = absl::ToChronoMilliseconds(dead);
  options.frozen_hold = absl::ToChronoMilliseconds(frozen);
  options.restart_grace = absl::ToChronoMilliseconds(grace);
  options.restart_state_file = absl::GetFlag(FLAGS_restart_state_file);
  options.sticky = !absl::GetFlag(FLAGS_layer2_rebalance);
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<SpeakerAgentOptions> SpeakerOptionsFromFlags() {
  SpeakerAgentOptions o{.mode = DecideRunMode(!absl::GetFlag(FLAGS_config_dir).empty(),
                                              !absl::GetFlag(FLAGS_kubeconfig).empty()),
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
                        .bgp_secrets_dir = absl::GetFlag(FLAGS_bgp_secrets_dir),
                        .bgp_speakers_peer_group = absl::GetFlag(FLAGS_bgp_speakers_peer_group),
                        .sigterm_restarts = absl::GetFlag(FLAGS_on_sigterm) == "restart",
                        .conntrack = {.config = absl::GetFlag(FLAGS_conntrackd_config),
                                      .binary = absl::GetFlag(FLAGS_conntrackd)}};
  if (absl::Status st = ApplyFailoverFlags(o.layer2); !st.ok()) return st;
  return o;
}

absl::StatusOr<std::unique_ptr<kube::Client>> ClusterFromFlags(RunMode mode) {
  if (!UsesCluster(mode)) return std::unique_ptr<kube::Client>();
  auto config = kube::ClientConfigFromFlags();
  auto client = config.ok() ? kube::Client::Create(*config, {})
                            : absl::StatusOr<std::unique_ptr<kube::Client>>(config.status());
  if (!client.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("give --config-dir DIR, or a cluster: ", client.status().message()));
  }
  return client;
}

}  // namespace ironlb::speaker

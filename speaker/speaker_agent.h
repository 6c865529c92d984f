// The whole speaker as one object: it reads its inputs (a --config-dir, a cluster, or both, as
// the RunMode says), hands them to its parts (layer 2, BGP, the router role, MSS clamps in
// nftables) after every change, publishes what this node announces (Kubernetes), and serves
// /metrics and `ironlbctl status`. It owns every part and decides when each is built and in
// which order they stop. main() only parses flags and turns signals into Reload()/Stop().
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "arp/raw_packet_socket.h"
#include "common/event_loop.h"
#include "common/http_server.h"
#include "common/metrics.h"
#include "config/config_reloader.h"
#include "kube/client.h"
#include "speaker/bgp/bgp_part.h"
#include "speaker/kube/cluster_link.h"
#include "speaker/layer2/layer2_part.h"
#include "speaker/nft_programmer.h"
#include "speaker/router/router_part.h"
#include "speaker/run_mode.h"
#include "speaker/status/status_server.h"

namespace ironlb::speaker {

// The operator's settings, as given on the command line (each named after its flag).
struct SpeakerAgentOptions {
  RunMode mode = RunMode::kStandalone;
  std::string config_dir;
  std::string config_namespace = "ironlb-system";    // --namespace
  std::string metallb_namespace = "metallb-system";  // MetalLB's objects; "" = none
  std::string metallb_config_map;                    // MetalLB <= 0.12's ConfigMap; "" = none
  std::string load_balancer_class;                   // "" = Services without a class
  std::string node_name;                             // "" = the host name
  std::string node_labels;                           // "key=value,key=value"
  std::string layer2_key_file;                       // "" = no layer 2
  int liveness_port = 7946;
  std::string metrics_address = "127.0.0.1:7473";
  std::string status_socket;  // "" = none
  std::string frr_vty_dir = "/var/run/frr";
  std::string frr_grpc_ports = "50051,50052,50053";
  std::string local_services;  // "namespace/name[=ready endpoints],..."
  // Standalone mode: BGPPeer passwordSecret {name, key} is the file DIR/name/key.
  std::string bgp_secrets_dir = "/etc/ironlb/secrets";
  std::string bgp_speakers_peer_group;
  // --on-sigterm: SIGTERM restarts (true, the default) or leaves for good.
  bool sigterm_restarts = true;
  // Router role: conntrackd driven on ownership changes (config "" = off).
  ConntrackSyncOptions conntrack;
  // Layer-2 timing, restart and stickiness (speaker_flags.h fills them from the flags); the
  // agent adds node, labels, key and liveness port.
  Layer2SpeakerOptions layer2;
  // Tests: the nftables kernel side (a fake, which outlives the agent); null: the kernel's.
  nft::NetlinkTransport* nft_transport = nullptr;
  // Tests: how long one FRR call may take (FRR absent: every call waits this long).
  absl::Duration frr_call_deadline = absl::Seconds(30);
};

class SpeakerAgent {
 public:
  // On `loop`'s thread, before the loop turns. `cluster` is required unless the mode is
  // standalone. A bad setting is InvalidArgument naming its flag (exit status 2); a part that
  // must run and cannot (the metrics address taken) is another error (exit status 1).
  // Standalone and router modes apply the directory's configuration at once; with a cluster,
  // once the informers have synced.
  static absl::StatusOr<std::unique_ptr<SpeakerAgent>> Create(
      EventLoop* loop, SpeakerAgentOptions options, std::unique_ptr<kube::Client> cluster);
  // After the loop stopped: stops every part (the cluster's ServiceAnnouncements deleted
  // first, when Stop() ran), in the reverse order of their use.
  ~SpeakerAgent();
  SpeakerAgent(const SpeakerAgent&) = delete;
  SpeakerAgent& operator=(const SpeakerAgent&) = delete;

  // SIGHUP: reads the directory again (a cluster's objects are watched) and re-applies.
  void Reload();
  // SIGTERM: layer 2 hands over and BGP withdraws at the same time; `done` runs on the loop's
  // thread when every part has let go.
  void Stop(std::function<void()> done);
  // SIGTERM by default (--on-sigterm=restart): nothing is handed over or withdrawn; layer 2
  // tells its peers it restarts and leaves its VIPs to the next process; BGP leaves FRR's
  // routes; the cluster's ServiceAnnouncements stay. `done` runs at once.
  void Restart(std::function<void()> done);
  // A stop signal: SIGTERM restarts or leaves as --on-sigterm says; SIGUSR2 and SIGINT leave.
  void OnStopSignal(int signal, std::function<void()> done);

  int metrics_port() const { return http_->port(); }
  const metrics::Registry& registry() const { return registry_; }
  const std::string& node() const { return node_; }
  // Why something is not announced or forwarded (shown by `ironlbctl status`).
  const std::vector<std::string>& problems() const { return problems_; }

 private:
  SpeakerAgent(EventLoop* loop, SpeakerAgentOptions options);
  absl::Status Init(std::unique_ptr<kube::Client> cluster);
  // Recomputes everything from the inputs in force and hands it to the parts.
  void Apply();
  // FRR's gRPC ports listen on every address without TLS: once anything drives FRR, nftables
  // lets only loopback reach them.
  void GuardFrrPorts();
  const config::ConfigStore& config_store() const;
  status::v1::SpeakerState Status() const;

  EventLoop* loop_;
  SpeakerAgentOptions options_;
  std::string node_;
  config::Labels labels_;
  const absl::Time started_;
  metrics::Registry registry_;
  arp::RawPacketSocketFactory sockets_;
  std::unique_ptr<config::ConfigReloader> directory_;  // modes with --config-dir
  std::unique_ptr<NftProgrammer> nft_;                 // null: nftables unavailable
  std::unique_ptr<ClusterLink> cluster_;               // modes with a cluster
  std::unique_ptr<BgpPart> bgp_;
  std::unique_ptr<RouterPart> router_;
  std::unique_ptr<Layer2Part> layer2_;
  std::vector<SpeakerPart*> parts_;    // in the order they are applied
  BgpSpeakerOptions frr_bgp_options_;  // for the ports to guard
  bool frr_guarded_ = false;
  bool restarting_ = false;
  bool stopping_ = false;
  std::vector<std::string> problems_;
  std::unique_ptr<HttpServer> http_;
  std::unique_ptr<StatusServer> status_;
};

}  // namespace ironlb::speaker

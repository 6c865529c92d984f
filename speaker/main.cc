// ironlb-speaker: announces LoadBalancer IPs from this node (layer 2 for now) and, on router
// hosts, forwards ports to them (RouterRole). Only flag parsing and wiring here.
#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "arp/counters.h"
#include "arp/raw_packet_socket.h"
#include "bgp/pool_filter.h"
#include "common/daemon.h"
#include "common/event_loop.h"
#include "common/http_server.h"
#include "common/log.h"
#include "config/config_reloader.h"
#include "kube/client_flags.h"
#include "speaker/bgp/bgp_plan.h"
#include "speaker/bgp/bgp_speaker.h"
#include "speaker/kube/kube_announcer.h"
#include "speaker/kube/kube_event_sink.h"
#include "speaker/kube/kube_inputs.h"
#include "speaker/layer2/layer2_speaker.h"
#include "speaker/mss_plan.h"
#include "speaker/nft_programmer.h"
#include "speaker/router/router_pool_filter.h"
#include "speaker/router/router_role.h"
#include "speaker/standalone_services.h"
#include "speaker/status_server.h"
#include "speaker/status_snapshot.h"

ABSL_FLAG(std::string, config_dir, "",
          "Directory of ironlb YAML configuration (*.yaml, *.yml), and in standalone mode the "
          "v1 Service manifests to announce.");
ABSL_FLAG(std::string, namespace, "ironlb-system",
          "Kubernetes mode: the namespace of ironlb's configuration objects (AddressPool, ...).");
ABSL_FLAG(std::string, load_balancer_class, "",
          "Kubernetes mode: the spec.loadBalancerClass ironlb serves (default: no class).");
ABSL_FLAG(std::string, node_name, "", "This node's name (default: the host name).");
ABSL_FLAG(std::string, node_labels, "",
          "This node's labels for nodeSelectors, as key=value,key=value.");
ABSL_FLAG(std::string, layer2_key_file, "",
          "File holding the key shared by all speakers; signs layer-2 adverts.");
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
          "BGP, standalone: Services (namespace/name,...) with externalTrafficPolicy Local that "
          "this host serves; only those of them are announced from here.");

ABSL_FLAG(std::string, bgp_speakers_peer_group, "",
          "Router role, BGP: the peer group of the speakers in this router's FRR; its sessions "
          "may announce only addresses of the pools (empty: no filter).");

namespace {

constexpr char kUsage[] = R"(ironlb-speaker announces LoadBalancer IPs from this node; on a
router host it forwards the router's outside ports to them.

Usage:
  ironlb-speaker --config-dir DIR [--layer2-key-file FILE] [--node-name NAME]
                 [--node-labels k=v,...] [--metrics-address HOST:PORT]
  ironlb-speaker [--kubeconfig FILE] [--namespace NS] [--node-name NAME] ...

Kubernetes mode (--kubeconfig, $KUBECONFIG, or in a pod when --config-dir is not given): the
configuration comes from ironlb's objects in --namespace, the Services' addresses from the
status the controller wrote, and Nodes and EndpointSlices decide eligibility: a node with the
label node.kubernetes.io/exclude-from-external-load-balancers or NetworkUnavailable=True
announces nothing, and a Service with externalTrafficPolicy: Local is announced only from
nodes with a ready endpoint. If the API server becomes unreachable, announcements continue as
they are. --node-name must be the Node's name (the DaemonSet passes spec.nodeName).

Both --config-dir DIR and --kubeconfig FILE (a router host publishing a cluster's Services):
the configuration comes from DIR, the Services with their addresses (from the status the
controller wrote), Nodes and EndpointSlices from the cluster; a contested outside port is
reported as a Warning Event on the Service that did not get it.

Standalone mode: DIR holds ironlb's configuration (AddressPool, L2Advertisement, PortForward,
...) and the v1 Service manifests (type LoadBalancer) to announce; their addresses come from
the ironlb.io/addresses annotation, their status, or the allocation engine. Every speaker of
the LAN reads the same DIR (copy it to each host) and shares the same key.

Layer 2 (when DIR has an L2Advertisement; needs --layer2-key-file): on every interface an
L2Advertisement selects, the speakers exchange signed adverts (EtherType 0x88B5) and keep a
TCP liveness link to each other (--liveness-port), so exactly one healthy node answers
ARP/NDP for each VIP, and a dead one is replaced in well under a second.

Router role (when DIR has a PortForward): each Service whose ironlb.io/forward-from
annotation names a PortForward group, or that the group's serviceSelectors match, has each
of its ports DNATed from the group's outside interfaces/addresses to its VIPs (TCP and UDP,
IPv4 and IPv6) in the nftables table `inet ironlb`; explicit targets too. Source NAT is added
where replies would not pass this router (sourceNAT: Auto), or always/never. Two Services
wanting one outside port: the older (metadata.creationTimestamp, then namespace/name) keeps
it, the newer is logged and counted. The table stays when the daemon stops (a restart drops
no connection); `nft delete table inet ironlb` removes it.

Router role, BGP (with --bgp-speakers-peer-group NAME): this router's FRR keeps the
prefix-lists ironlb-pools-v4/-v6 of the pools' CIDRs (through bgpd's gRPC port of
--frr-grpc-ports) and binds them inbound on peer group NAME in each address family of its
`router bgp` (through bgpd.vty in --frr-vty-dir), so the speakers can announce nothing but
pool addresses. Nothing else in FRR is touched; re-checked every 10 s.

TCP MSS (every mode): connections to a VIP whose pool has tcpMSS, or whose Service has
ironlb.io/tcp-mss (a number or pmtu), get the MSS of their SYN and SYN-ACK clamped, whether
the VIP is served here, routed through here, or a port forward's target.

Signals: SIGHUP reloads DIR (a configuration with errors is refused, naming file, line, object
and field; the previous one stays in force). SIGTERM hands this node's VIPs over, then stops.

HTTP on --metrics-address: /healthz, /readyz (a valid configuration is loaded), /metrics
(ironlb_config_*, ironlb_l2_*, ironlb_nft_*, ironlb_router_forwards,
ironlb_router_port_conflicts, ironlb_forward_{packets,bytes,connections}_total per forward).
`ironlbctl status` reads the live state from --status-socket.

Needs CAP_NET_ADMIN (nftables, routes) and CAP_NET_RAW (ARP/NDP); the packaged
ironlb-router.service grants only those. Check DIR first with `ironlbctl validate`.

Flags:
  --config-dir DIR              configuration, and in standalone mode the Service manifests
  --kubeconfig FILE             Kubernetes mode (see above); with --config-dir, only the
                                Services come from the cluster; --context picks a context
  --namespace NS                Kubernetes mode: where ironlb's objects are (ironlb-system)
  --load-balancer-class NAME    Kubernetes mode: serve this class (default: no class)
  --layer2-key-file FILE        shared key (any secret text of 16+ characters; same on every
                                speaker); only needed with an L2Advertisement; a file
                                that does not exist means no key (said in the log)
  --node-name NAME              default: the host name
  --node-labels k=v,...         labels for nodeSelectors
  --liveness-port PORT          default 7946
  --metrics-address HOST:PORT   default 127.0.0.1:7473
  --status-socket PATH          live state for `ironlbctl status`; default
                                /run/ironlb/speaker.sock ("" for none)
  --frr-vty-dir DIR             BGP: FRR's vty sockets, default /var/run/frr
  --frr-grpc-ports S,B,F        BGP: gRPC ports of staticd,bgpd,bfdd, default 50051,50052,50053
  --local-services ns/name,...  BGP: Local-policy Services served on this host
  --bgp-speakers-peer-group NAME  router role: filter the speakers' announcements to the pools
  --log-level debug|info|warn|error   default info
  --log-format logfmt|json            default logfmt

Exit status: 0 after a clean stop, 1 when it cannot start, 2 for bad usage.
)";

std::string HostName() {
  char buf[256] = {};
  if (gethostname(buf, sizeof(buf) - 1) != 0) return "";
  return buf;
}

absl::StatusOr<ironlb::config::Labels> ParseLabels(const std::string& text) {
  ironlb::config::Labels out;
  for (absl::string_view kv : absl::StrSplit(text, ',', absl::SkipEmpty())) {
    const size_t eq = kv.find('=');
    if (eq == absl::string_view::npos || eq == 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("--node-labels: \"", kv, "\" is not key=value"));
    }
    out[std::string(kv.substr(0, eq))] = std::string(kv.substr(eq + 1));
  }
  return out;
}

absl::StatusOr<std::string> ReadKey(const std::string& path) {
  if (path.empty()) return std::string();
  std::ifstream in(path);
  if (!in && errno == ENOENT) {
    // The DaemonSet mounts the key Secret as optional: BGP-only clusters need none. Layer 2
    // then refuses to start, saying so, when an L2Advertisement asks for it.
    IRONLB_LOG(kWarn, "layer-2 key file does not exist: layer 2 stays off until it does")
        .With("file", path)
        .With("action",
              "create the Secret ironlb-layer2-key (key: key) and restart the speakers; "
              "BGP needs no key");
    return std::string();
  }
  if (!in) return absl::NotFoundError(absl::StrCat("--layer2-key-file: cannot read ", path));
  std::stringstream ss;
  ss << in.rdbuf();
  std::string key = ss.str();
  while (!key.empty() && (key.back() == '\n' || key.back() == '\r')) key.pop_back();
  if (key.size() < 16) {
    return absl::InvalidArgumentError(
        absl::StrCat("--layer2-key-file: the key in ", path, " is shorter than 16 characters"));
  }
  return key;
}

}  // namespace

int main(int argc, char** argv) {
  ironlb::InitProgram(argc, argv, "ironlb-speaker", kUsage);
  const std::string dir = absl::GetFlag(FLAGS_config_dir);
  std::unique_ptr<ironlb::kube::Client> kube_client;  // Kubernetes mode
  if (!absl::GetFlag(FLAGS_kubeconfig).empty() || dir.empty()) {
    auto cluster = ironlb::kube::ClientConfigFromFlags();
    auto client = cluster.ok()
                      ? ironlb::kube::Client::Create(*cluster, {})
                      : absl::StatusOr<std::unique_ptr<ironlb::kube::Client>>(cluster.status());
    if (!client.ok()) {
      std::fprintf(stderr, "ironlb-speaker: give --config-dir DIR, or a cluster: %s\n",
                   std::string(client.status().message()).c_str());
      return 2;
    }
    kube_client = std::move(*client);
  }
  std::string node = absl::GetFlag(FLAGS_node_name);
  if (node.empty()) node = HostName();
  auto labels = ParseLabels(absl::GetFlag(FLAGS_node_labels));
  auto key = ReadKey(absl::GetFlag(FLAGS_layer2_key_file));
  const int liveness_port = absl::GetFlag(FLAGS_liveness_port);
  for (const absl::Status& st : {labels.status(), key.status()}) {
    if (!st.ok()) {
      std::fprintf(stderr, "ironlb-speaker: %s\n", std::string(st.message()).c_str());
      return 2;
    }
  }
  if (liveness_port < 1 || liveness_port > 65535) {
    std::fprintf(stderr, "ironlb-speaker: --liveness-port must be 1..65535\n");
    return 2;
  }
  auto signals = ironlb::SignalSet::Create();
  auto loop = ironlb::EventLoop::Create();
  if (!signals.ok() || !loop.ok()) {
    IRONLB_LOG(kError, "cannot start the event loop")
        .With("error", signals.ok() ? loop.status() : signals.status());
    return 1;
  }

  ironlb::metrics::Registry registry;
  ironlb::RegisterBuildInfo(registry, "speaker");
  ironlb::config::ConfigReloader config(dir, registry);
  // --config-dir with a cluster (a router host publishing a cluster's Services): configuration
  // from the directory, Services, nodes and endpoints from the cluster.
  const bool config_from_dir = !dir.empty();
  if (config_from_dir) config.Reload();
  std::unique_ptr<ironlb::speaker::KubeInputs> kube;          // Kubernetes mode's inputs
  std::unique_ptr<ironlb::speaker::KubeAnnouncer> announcer;  // and ServiceAnnouncements

  auto bgp_options = ironlb::speaker::ParseBgpFlags(absl::GetFlag(FLAGS_frr_vty_dir),
                                                    absl::GetFlag(FLAGS_frr_grpc_ports));
  if (!bgp_options.ok()) {
    std::fprintf(stderr, "ironlb-speaker: %s\n",
                 std::string(bgp_options.status().message()).c_str());
    return 2;
  }
  ironlb::speaker::BgpNode bgp_node{.name = node, .labels = *labels};
  for (absl::string_view s :
       absl::StrSplit(absl::GetFlag(FLAGS_local_services), ',', absl::SkipEmpty())) {
    bgp_node.local_endpoints.insert(std::string(s));
  }
  ironlb::arp::RawPacketSocketFactory sockets;
  std::unique_ptr<ironlb::speaker::Layer2Speaker> layer2;
  std::vector<std::string> problems;  // shown by `ironlbctl status`
  // nftables (MSS clamps): without it the speaker still announces, and says why it cannot clamp.
  auto nft = ironlb::speaker::NftProgrammer::Create(loop->get(), &registry);
  if (!nft.ok()) {
    IRONLB_LOG(kError, "nftables unavailable: TCP MSS clamping is off")
        .With("error", nft.status())
        .With("action", "load the nf_tables module and give the speaker CAP_NET_ADMIN");
  }
  std::unique_ptr<ironlb::speaker::BgpSpeaker> bgp;
  std::unique_ptr<ironlb::speaker::RouterPoolFilter> pool_filter;  // router role, BGP
  const std::string speakers_group = absl::GetFlag(FLAGS_bgp_speakers_peer_group);
  if (auto st = ironlb::bgp::ValidatePeerGroupName(speakers_group, "--bgp-speakers-peer-group");
      !st.ok()) {
    std::fprintf(stderr, "ironlb-speaker: %s\n", std::string(st.message()).c_str());
    return 2;
  }
  if (!speakers_group.empty()) {
    pool_filter = std::make_unique<ironlb::speaker::RouterPoolFilter>(
        ironlb::speaker::RouterPoolFilterOptions{
            .peer_group = speakers_group,
            .vty_dir = bgp_options->vty_dir,
            .bgpd_grpc_target =
                absl::StrCat(bgp_options->grpc_host, ":", bgp_options->bgpd_grpc_port)},
        &registry);
    if (nft.ok())
      (*nft)->SetGuardedTcpPorts("frr-grpc", ironlb::speaker::FrrGrpcPorts(*bgp_options));
  }
  std::unique_ptr<ironlb::speaker::RouterRole> router;  // with PortForwards: port forwarding
  // With a cluster: contested outside ports become Warning Events on the Service.
  std::unique_ptr<ironlb::speaker::KubeEventSink> events;
  if (kube_client)
    events = std::make_unique<ironlb::speaker::KubeEventSink>(kube_client.get(), node);
  ironlb::speaker::RouterRole::Options router_options;
  if (events) {
    router_options.on_new_conflict = [&events](const ironlb::speaker::ForwardConflict& c) {
      events->ServiceWarning(c.service, "PortForwardContested", c.message);
    };
  }
  bool key_event_sent = false;  // the Layer2KeyMissing Event, once per start
  auto apply = [&] {
    auto current = kube && !config_from_dir ? kube->config() : config.store().current();
    if (!current) return;
    problems.clear();
    ironlb::speaker::KubeSnapshot snapshot;  // Kubernetes mode
    if (kube) snapshot = config_from_dir ? kube->SnapshotWith(current->config) : kube->Snapshot();
    const auto services =
        kube ? ironlb::speaker::StandaloneServices{snapshot.services, snapshot.plan}
             : ironlb::speaker::ReadStandaloneServices(*current, dir);
    if (snapshot.facts) ironlb::speaker::ApplyClusterFacts(*snapshot.facts, &bgp_node);
    problems = std::move(snapshot.problems);  // Kubernetes mode: Services left out and why
    // Standalone: this speaker's allocation left them without an address (in Kubernetes mode
    // that is the controller's to report).
    for (std::string& pending :
         kube ? std::vector<std::string>() : ironlb::speaker::PendingServices(services)) {
      IRONLB_LOG(kWarn, "service has no address").With("problem", pending);
      problems.push_back(std::move(pending));
    }
    if (nft.ok()) {
      ironlb::speaker::MssPlan mss =
          ironlb::speaker::MssClamps(current->config, services.services, services.plan);
      for (const std::string& p : mss.problems) {
        IRONLB_LOG(kWarn, "TCP MSS clamp problem").With("problem", p);
      }
      (*nft)->SetClampedVips(std::move(mss.clamps));
    }
    if (!current->config.bgp_peers.empty() && !bgp) {
      bgp = std::make_unique<ironlb::speaker::BgpSpeaker>(*bgp_options, &registry);
      // FRR's gRPC listens on every address without TLS: only loopback may reach it.
      if (nft.ok())
        (*nft)->SetGuardedTcpPorts("frr-grpc", ironlb::speaker::FrrGrpcPorts(*bgp_options));
    }
    std::optional<ironlb::bgp::DesiredState> bgp_desired;
    if (bgp) {
      bgp_desired =
          ironlb::speaker::PlanBgp(current->config, services.services, services.plan, bgp_node);
      bgp->SetDesired(*bgp_desired);
    }
    if (pool_filter) pool_filter->SetPools(current->config);
    if (!current->config.port_forwards.empty() && !router) {
      auto r = nft.ok()
                   ? ironlb::speaker::RouterRole::Create(loop->get(), nft->get(), &registry,
                                                         router_options)
                   : absl::StatusOr<std::unique_ptr<ironlb::speaker::RouterRole>>(nft.status());
      if (r.ok()) {
        router = std::move(*r);
      } else {
        IRONLB_LOG(kError, "PortForward configured but the router role cannot start")
            .With("error", r.status())
            .With("action", "give the speaker CAP_NET_ADMIN (ironlb-router.service does)");
        problems.push_back(absl::StrCat("nothing is forwarded: ", r.status().message()));
      }
    }
    if (router) router->SetDesired(current->config, services.services, services.plan);
    const bool wants_l2 = !current->config.l2_advertisements.empty();
    if (wants_l2 && !layer2) {
      if (key->empty()) {
        IRONLB_LOG(kError, "layer 2 is configured but no key was given; nothing is announced")
            .With("action",
                  "pass --layer2-key-file with the key shared by all speakers (in Kubernetes: "
                  "create the Secret ironlb-layer2-key, then restart the speakers)");
        problems.push_back(
            "layer 2 is configured but no --layer2-key-file was given; nothing is announced");
        // Kubernetes: once per start, on each L2Advertisement, where `kubectl describe` shows it.
        if (events && !key_event_sent) {
          key_event_sent = true;
          for (const auto& ad : current->config.l2_advertisements) {
            events->Warning(
                {{"apiVersion", "ironlb.io/v1alpha1"},
                 {"kind", "L2Advertisement"},
                 {"metadata",
                  {{"namespace", ad.meta.namespace_.empty() ? absl::GetFlag(FLAGS_namespace)
                                                            : ad.meta.namespace_},
                   {"name", ad.meta.name}}}},
                "Layer2KeyMissing",
                absl::StrCat("node ", node, ": no layer-2 key (",
                             absl::GetFlag(FLAGS_layer2_key_file),
                             " missing: create the Secret ironlb-layer2-key, then restart the "
                             "speakers); nothing is announced by layer 2 from this node"));
          }
        }
        return;
      }
      auto l2 = ironlb::speaker::Layer2Speaker::Create(
          loop->get(), &sockets,
          {.node = node,
           .labels = *labels,
           .key = *key,
           .liveness_port = static_cast<uint16_t>(liveness_port)},
          &registry);
      if (!l2.ok()) {
        IRONLB_LOG(kError, "layer 2 cannot start").With("error", l2.status());
        problems.push_back(absl::StrCat("layer 2 cannot start: ", l2.status().message()));
        return;
      }
      layer2 = std::move(*l2);
      ironlb::arp::RegisterLayer2Metrics(registry, layer2->counters());
    }
    if (layer2) layer2->SetDesired(current, services.plan, snapshot.facts);
    if (announcer) announcer->Update(services.plan, snapshot.service_uids, bgp_desired);
  };
  apply();
  if (kube_client) {
    announcer =
        std::make_unique<ironlb::speaker::KubeAnnouncer>(kube_client.get(), loop->get(), node, [&] {
          return layer2 ? layer2->Owned() : std::map<std::string, std::vector<ironlb::IpAddress>>();
        });
    kube = std::make_unique<ironlb::speaker::KubeInputs>(
        kube_client.get(), loop->get(),
        ironlb::speaker::KubeInputsOptions{
            .config_namespace = absl::GetFlag(FLAGS_namespace),
            .lb_class = absl::GetFlag(FLAGS_load_balancer_class).empty()
                            ? std::nullopt
                            : std::optional<std::string>(absl::GetFlag(FLAGS_load_balancer_class)),
            .read_config = !config_from_dir},
        [&] { apply(); });
    kube->Start();
  }

  auto http = ironlb::HttpServer::Start(
      absl::GetFlag(FLAGS_metrics_address),
      {.registry = &registry, .healthy = nullptr, .ready = [&]() -> absl::Status {
         if (kube && !config_from_dir ? kube->config_store().current() : config.store().current()) {
           return absl::OkStatus();
         }
         return absl::UnavailableError(
             absl::StrCat("no valid configuration loaded from ", config.dir()));
       }});
  if (!http.ok()) {
    IRONLB_LOG(kError, "cannot serve metrics").With("error", http.status());
    return 1;
  }
  const absl::Time started = absl::Now();
  std::unique_ptr<ironlb::speaker::StatusServer> status;
  if (const std::string path = absl::GetFlag(FLAGS_status_socket); !path.empty()) {
    auto server = ironlb::speaker::StatusServer::Start(path, loop->get(), [&] {
      return ironlb::speaker::BuildStatus(
          {.node = node,
           .labels = *labels,
           .started = started,
           .config_dir = dir,
           .config = kube && !config_from_dir ? &kube->config_store() : &config.store(),
           .layer2 = layer2.get(),
           .nft = nft.ok() ? nft->get() : nullptr,
           .bgp = bgp.get(),
           .router = router.get(),
           .problems = problems});
    });
    if (server.ok()) {
      status = std::move(*server);
    } else {  // announcing matters more than the status page
      IRONLB_LOG(kError, "no status socket; `ironlbctl status` will not reach this speaker")
          .With("error", server.status());
    }
  }
  IRONLB_LOG(kInfo, "ironlb-speaker started")
      .With("version", ironlb::kVersion)
      .With("node", node)
      .With("metrics_port", (*http)->port());

  ironlb::EventLoop* l = loop->get();
  bool stopping = false;
  absl::Status watched = l->Watch((*signals)->fd(), [&] {
    auto sig = (*signals)->Wait(absl::ZeroDuration());
    if (!sig.ok() || *sig == 0) return;
    if (*sig == SIGHUP) {
      IRONLB_LOG(kInfo, "reloading").With("signal", "SIGHUP");
      if (config_from_dir) config.Reload();
      apply();
      return;
    }
    if (stopping) return;
    stopping = true;
    IRONLB_LOG(kInfo, "stopping: handing VIPs over")
        .With("signal", *sig == SIGTERM ? "SIGTERM" : "SIGINT");
    // Layer 2 hands over and BGP withdraws at the same time; stop when both are done.
    auto pending = std::make_shared<int>((layer2 ? 1 : 0) + (bgp ? 1 : 0));
    auto one_done = [l, pending] {
      if (--*pending == 0) l->Stop();
    };
    if (layer2) layer2->Shutdown(one_done);
    if (bgp) bgp->Shutdown([l, one_done] { l->Post(one_done); });
    if (*pending == 0) l->Stop();
  });
  if (!watched.ok()) {
    IRONLB_LOG(kError, "cannot watch signals").With("error", watched);
    return 1;
  }
  if (absl::Status st = l->Run(); !st.ok()) {
    IRONLB_LOG(kError, "event loop failed").With("error", st);
  }
  status.reset();
  kube.reset();
  if (announcer) announcer->WithdrawAll(absl::Seconds(3));  // no longer true once we stop
  announcer.reset();
  layer2.reset();
  bgp.reset();
  pool_filter.reset();
  router.reset();
  events.reset();
  if (nft.ok()) nft->reset();
  (*http)->Stop();
  IRONLB_LOG(kInfo, "ironlb-speaker stopped");
  return 0;
}

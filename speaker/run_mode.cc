#include "speaker/run_mode.h"

namespace ironlb::speaker {

RunMode DecideRunMode(bool config_dir, bool kubeconfig) {
  if (!config_dir) return RunMode::kKubernetes;
  return kubeconfig ? RunMode::kRouterWithCluster : RunMode::kStandalone;
}

absl::string_view RunModeName(RunMode mode) {
  switch (mode) {
    case RunMode::kStandalone:
      return "standalone";
    case RunMode::kKubernetes:
      return "kubernetes";
    case RunMode::kRouterWithCluster:
      return "router-with-cluster";
  }
  return "unknown";
}

const char kSpeakerUsage[] = R"(ironlb-speaker announces LoadBalancer IPs from this node; on a
router host it forwards the router's outside ports to them.

Usage:
  ironlb-speaker --config-dir DIR [--layer2-key-file FILE] [--node-name NAME] ...
  ironlb-speaker [--kubeconfig FILE] [--namespace NS] [--node-name NAME] ...
  ironlb-speaker --config-dir DIR --kubeconfig FILE ...

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
and field; the previous one stays in force). SIGTERM means "restarting" (--on-sigterm): the
other speakers keep this node's VIPs with it for --restart-grace, FRR keeps its routes, and
the next process takes them over without a gap; if it does not come back in time, or the host
goes down, the others take over as after a crash. SIGUSR2 (or SIGINT, or --on-sigterm=leave)
means leaving for good: VIPs are handed over (one ARP/NDP answerer at any instant), routes
withdrawn, then the speaker stops.

HTTP on --metrics-address: /healthz, /readyz (a valid configuration is loaded), /metrics
(ironlb_config_*, ironlb_l2_*, ironlb_nft_*, ironlb_router_forwards,
ironlb_router_port_conflicts, ironlb_forward_{packets,bytes,connections}_total per forward).
`ironlbctl status` reads the live state from --status-socket.

Needs CAP_NET_ADMIN (nftables, routes) and CAP_NET_RAW (ARP/NDP); the packaged
ironlb-router.service grants only those. Check DIR first with `ironlbctl validate`.

Exit status: 0 after a clean stop, 1 when it cannot start, 2 for bad usage.
)";

}  // namespace ironlb::speaker

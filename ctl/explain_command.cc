#include "ctl/explain_command.h"

#include <cstdlib>
#include <memory>

#include "CLI/CLI.hpp"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"
#include "config/loader.h"
#include "controller/manifest_reader.h"
#include "ctl/explain_forward.h"
#include "ctl/explain_kube.h"
#include "ctl/status_command.h"
#include "ctl/table.h"
#include "kube/client.h"
#include "kube/client_config.h"
#include "kube/client_flags.h"
#include "nlohmann/json.hpp"

namespace ironlb::ctl {

namespace {

constexpr char kExplainHelp[] =
    R"(Explains one Service, decided by the same code the controller and the speakers run:
  - its address and pool, and why that pool: a requested address (ironlb.io/addresses), the
    pool annotation (ironlb.io/pool), or autoAssign with serviceAllocation priority, namespace
    and selector matches; every other pool with the reason it was not used;
  - sharing: with whom (ironlb.io/sharing-key), or why not with the others of its key;
  - why it is pending, when it is;
  - layer 2: for each VIP and segment, the L2Advertisements that apply, the eligible nodes in
    rendezvous-hash order (the owner first, then who takes over if it goes) and why each other
    node is not eligible (nodeSelectors, interfaces, not ready, excluded, no Local endpoint,
    an L2Advertisement's localCheck not passing on it);
  - BGP: what each node announces for it, to which peers, with which communities and
    local preference, or why it announces nothing.

PortForward/NAME (a router's --config-dir): each balanced target's backends with their health
as the router's speaker checks them (--status-socket), whether each takes new connections and
why (down, draining), and its share of new connections now (the router's slot table).

Kubernetes (--kubeconfig FILE, or $KUBECONFIG): reads the cluster once (Services, Namespaces,
EndpointSlices, Nodes and the ironlb.io objects of every namespace) and decides as
ironlb-controller does: the lowest free address, and the addresses in status.loadBalancer.ingress
kept. A note says when the status differs from that decision (the controller has not written it
yet). Nodes are the API's, with their labels, the exclude-from-external-load-balancers label,
NetworkUnavailable and, for externalTrafficPolicy Local, the EndpointSlices' ready endpoints. Run
on a node, the local speaker (--status-socket) also tells which nodes it hears on its segments
and on which interface; elsewhere every Node is taken as alive and interfaces are not checked.

Standalone (--config-dir DIR: the configuration and the Service manifests, as ironlb-speaker
--config-dir reads them): decides as the speakers do. Nodes: by default, from the speaker on
this host (its --status-socket): every speaker it hears on each segment, with the labels and
interface their adverts carry. Elsewhere, name them:
  --nodes "node-a@eth0:zone=a;rack=1,node-b@eth0:zone=b,node-c"
(name, optional @INTERFACE, optional :LABELS separated by ';'). Without @INTERFACE, interfaces
are not checked.

Exit status: 0 explained (pending Services included), 1 invalid configuration or manifests, the
API unreachable, or no such Service, 2 bad usage.
)";

std::string IpsText(const std::vector<IpAddress>& ips) {
  if (ips.empty()) return "-";
  return absl::StrJoin(ips, ",",
                       [](std::string* o, const IpAddress& ip) { o->append(ip.ToString()); });
}

}  // namespace

std::vector<NodeGroup> NodeGroupsFromStatus(const status::v1::SpeakerState& state) {
  config::Labels self_labels(state.node_labels().begin(), state.node_labels().end());
  std::set<std::string> self_passing;
  for (const auto& c : state.local_checks()) {
    if (c.passing()) self_passing.insert(c.advertisement());
  }
  std::vector<NodeGroup> out;
  for (const auto& seg : state.segments()) {
    NodeGroup g{.segment = seg.interface()};
    g.nodes.push_back({state.node(), self_labels, seg.interface(), seg.ready(), "", self_passing});
    for (const auto& p : seg.peers()) {
      g.nodes.push_back(
          {p.node(), config::Labels(p.labels().begin(), p.labels().end()), p.interface(), p.ready(),
           "", std::set<std::string>(p.passing_checks().begin(), p.passing_checks().end())});
    }
    out.push_back(std::move(g));
  }
  if (out.empty()) {
    out.push_back({.nodes = {{state.node(), self_labels, "", true, "", self_passing}}});
  }
  return out;
}

void PrintExplanation(const Explanation& e, std::ostream& out) {
  out << "Service:    " << e.service << "\n";
  out << "Status:     " << e.status << "   " << IpsText(e.addresses) << "\n";
  if (!e.reason.empty()) out << "Reason:     " << e.reason << "\n";
  if (!e.pool.empty() || !e.pool_reason.empty()) {
    out << "Pool:       " << (e.pool.empty() ? "-" : e.pool);
    if (!e.pool_reason.empty()) out << " (" << e.pool_reason << ")";
    out << "\n";
  }
  if (!e.sharing.empty()) out << "Sharing:    " << e.sharing << "\n";
  for (const std::string& n : e.notes) out << "Note:       " << n << "\n";
  if (!e.pools.empty()) {
    out << "\nPools:\n";
    Table t({"POOL", "USED", "WHY"});
    for (const PoolVerdict& p : e.pools) t.AddRow({p.pool, p.chosen ? "yes" : "no", p.why});
    t.Print(out);
  }
  if (!e.layer2_none.empty()) out << "\nLayer 2: " << e.layer2_none << "\n";
  for (const Layer2Answer& l : e.layer2) {
    out << "\nLayer 2: " << l.vip.ToString()
        << (l.segment.empty() ? "" : absl::StrCat(" on segment ", l.segment))
        << " (L2Advertisements: " << absl::StrJoin(l.advertisements, ", ") << ")\n";
    out << "  owner: " << (l.owner.empty() ? "none: no node is eligible" : l.owner) << "\n";
    Table t({"RANK", "NODE", "ELIGIBLE", "WHY NOT"});
    for (size_t i = 0; i < l.eligible.size(); ++i) {
      t.AddRow({std::to_string(i + 1), l.eligible[i], i == 0 ? "yes (owner)" : "yes", "-"});
    }
    for (const NodeVerdict& n : l.not_eligible) t.AddRow({"-", n.node, "no", n.why_not});
    if (!t.empty()) t.Print(out);
  }
  if (!e.bgp_none.empty()) out << "\nBGP: " << e.bgp_none << "\n";
  if (!e.bgp.empty()) {
    out << "\nBGP:\n";
    Table t({"NODE", "PREFIX", "PEER", "COMMUNITIES", "LOCAL-PREF", "LINK-BANDWIDTH", "WHY NOT"});
    for (const BgpNodeAnswer& n : e.bgp) {
      if (n.routes.empty()) t.AddRow({n.node, "-", "-", "-", "-", "-", n.why_not});
      for (const BgpRoute& r : n.routes) {
        t.AddRow({n.node, r.prefix, r.peer,
                  r.communities.empty() ? "-" : absl::StrJoin(r.communities, " "),
                  r.local_pref ? std::to_string(*r.local_pref) : "-",
                  r.link_bandwidth_mbps ? absl::StrCat(*r.link_bandwidth_mbps, " Mbps") : "-",
                  "-"});
      }
    }
    t.Print(out);
  }
}

void PrintExplanationJson(const Explanation& e, std::ostream& out) {
  nlohmann::ordered_json j;
  j["service"] = e.service;
  j["status"] = e.status;
  std::vector<std::string> addrs;
  for (const IpAddress& ip : e.addresses) addrs.push_back(ip.ToString());
  j["addresses"] = addrs;
  j["pool"] = e.pool;
  j["pool_reason"] = e.pool_reason;
  j["reason"] = e.reason;
  j["sharing"] = e.sharing;
  j["shared_with"] = e.shared_with;
  j["notes"] = e.notes;
  j["pools"] = nlohmann::json::array();
  for (const PoolVerdict& p : e.pools) {
    j["pools"].push_back({{"pool", p.pool}, {"chosen", p.chosen}, {"why", p.why}});
  }
  j["layer2"] = nlohmann::json::array();
  for (const Layer2Answer& l : e.layer2) {
    nlohmann::ordered_json a;
    a["vip"] = l.vip.ToString();
    a["segment"] = l.segment;
    a["advertisements"] = l.advertisements;
    a["owner"] = l.owner;
    a["eligible"] = l.eligible;
    a["not_eligible"] = nlohmann::json::array();
    for (const NodeVerdict& n : l.not_eligible) {
      a["not_eligible"].push_back({{"node", n.node}, {"why", n.why_not}});
    }
    j["layer2"].push_back(std::move(a));
  }
  j["layer2_none"] = e.layer2_none;
  j["bgp"] = nlohmann::json::array();
  for (const BgpNodeAnswer& n : e.bgp) {
    nlohmann::ordered_json a;
    a["node"] = n.node;
    a["routes"] = nlohmann::json::array();
    for (const BgpRoute& r : n.routes) {
      nlohmann::ordered_json route;
      route["prefix"] = r.prefix;
      route["peer"] = r.peer;
      route["communities"] = r.communities;
      route["local_pref"] = r.local_pref ? nlohmann::json(*r.local_pref) : nlohmann::json();
      route["link_bandwidth_mbps"] =
          r.link_bandwidth_mbps ? nlohmann::json(*r.link_bandwidth_mbps) : nlohmann::json();
      a["routes"].push_back(std::move(route));
    }
    a["why_not"] = n.why_not;
    j["bgp"].push_back(std::move(a));
  }
  j["bgp_none"] = e.bgp_none;
  out << j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
}

namespace {

// An explanation printed as --output says, or its error; the exit status.
template <typename T>
int Report(const absl::StatusOr<T>& e, const ExplainOptions& options,
           void (*json)(const T&, std::ostream&), void (*text)(const T&, std::ostream&),
           std::ostream& out, std::ostream& err) {
  if (!e.ok()) {
    err << "ironlbctl explain: " << e.status().message() << "\n";
    return 1;
  }
  (options.output == "json" ? json : text)(*e, out);
  return 0;
}

int RunExplainKube(const ExplainOptions& options, const std::string& kubeconfig, std::ostream& out,
                   std::ostream& err) {
  if (!options.nodes.empty()) {
    err << "ironlbctl explain: --nodes is for a standalone ironlb; with --kubeconfig the nodes "
           "come from the API\n";
    return 2;
  }
  absl::StatusOr<kube::ClientConfig> config = kube::LoadKubeconfig(kubeconfig, options.context);
  if (!config.ok()) {
    err << "ironlbctl explain: " << config.status().message() << "\n";
    return 1;
  }
  absl::StatusOr<std::unique_ptr<kube::Client>> client =
      kube::Client::Create(*config, {.request_timeout = absl::Seconds(30)});
  if (!client.ok()) {
    err << "ironlbctl explain: " << client.status().message() << "\n";
    return 1;
  }
  absl::StatusOr<ClusterObjects> cluster = ListCluster(**client);
  if (!cluster.ok()) {
    err << "ironlbctl explain: reading the cluster (" << config->origin
        << "): " << cluster.status().message() << "\n";
    return 1;
  }
  const std::string socket =
      options.status_socket.empty() ? kDefaultStatusSocket : options.status_socket;
  absl::StatusOr<status::v1::SpeakerState> state = ReadSpeakerState(socket);
  return Report(
      ExplainCluster(*cluster, options.service, options.lb_class, state.ok() ? &*state : nullptr),
      options, PrintExplanationJson, PrintExplanation, out, err);
}

// A balanced forward, on the router: its configuration and the speaker's health.
int RunExplainForward(const ExplainOptions& options, const std::string& name, std::ostream& out,
                      std::ostream& err) {
  const config::LoadResult cfg = config::LoadDirectory(options.config_dir);
  if (!cfg.ok()) {
    for (const auto& d : cfg.diagnostics) err << d.ToString() << "\n";
    err << "ironlbctl explain: the configuration in " << options.config_dir
        << " is invalid; fix it first (ironlbctl validate)\n";
    return 1;
  }
  const std::string socket =
      options.status_socket.empty() ? kDefaultStatusSocket : options.status_socket;
  absl::StatusOr<status::v1::SpeakerState> state = ReadSpeakerState(socket);
  return Report(ExplainForward(cfg.config, name, state.ok() ? &*state : nullptr), options,
                PrintForwardExplanationJson, PrintForwardExplanation, out, err);
}

}  // namespace

int RunExplain(const ExplainOptions& options, std::ostream& out, std::ostream& err) {
  std::string kubeconfig = options.kubeconfig;
  if (kubeconfig.empty() && options.config_dir.empty()) {
    if (const char* env = std::getenv("KUBECONFIG"); env != nullptr) {
      kubeconfig = kube::FirstKubeconfigPath(env);
    }
  }
  if (options.config_dir.empty() == kubeconfig.empty()) {
    err << (kubeconfig.empty()
                ? "ironlbctl explain: say where ironlb's state is: --kubeconfig FILE (or "
                  "$KUBECONFIG) for a cluster, --config-dir DIR for a standalone ironlb\n"
                : "ironlbctl explain: --kubeconfig and --config-dir exclude each other: one "
                  "explains a cluster, the other a standalone ironlb\n");
    return 2;
  }
  if (options.service.empty() || options.service.find('/') == std::string::npos) {
    err << "ironlbctl explain: name the Service as NAMESPACE/NAME (e.g. default/web), or a "
           "balanced forward as PortForward/NAME\n";
    return 2;
  }
  if (options.output != "table" && options.output != "json") {
    err << "ironlbctl explain: -o must be table or json, not \"" << options.output << "\"\n";
    return 2;
  }
  if (absl::string_view name = options.service;
      absl::ConsumePrefix(&name, "PortForward/") || absl::ConsumePrefix(&name, "portforward/")) {
    if (options.config_dir.empty()) {
      err << "ironlbctl explain: PortForward/NAME is explained from the router's --config-dir\n";
      return 2;
    }
    return RunExplainForward(options, std::string(name), out, err);
  }
  if (!kubeconfig.empty()) return RunExplainKube(options, kubeconfig, out, err);
  ExplainInput input;
  if (!options.nodes.empty()) {
    absl::StatusOr<std::vector<NodeFacts>> nodes = ParseNodesFlag(options.nodes);
    if (!nodes.ok()) {
      err << "ironlbctl explain: " << nodes.status().message() << "\n";
      return 2;
    }
    input.nodes.push_back({.nodes = std::move(*nodes)});
  }
  const config::LoadResult cfg = config::LoadDirectory(options.config_dir);
  if (!cfg.ok()) {
    for (const auto& d : cfg.diagnostics) err << d.ToString() << "\n";
    err << "ironlbctl explain: the configuration in " << options.config_dir
        << " is invalid; fix it first (ironlbctl validate)\n";
    return 1;
  }
  controller::ManifestReader reader;
  reader.AddPath(options.config_dir);
  const controller::ServiceManifests manifests = std::move(reader).Finish();
  // As the speaker does: a broken manifest is left out, the rest still counts.
  for (const auto& d : manifests.diagnostics) err << d.ToString() << "\n";
  std::string node_note;
  if (options.nodes.empty()) {
    const std::string socket =
        options.status_socket.empty() ? kDefaultStatusSocket : options.status_socket;
    absl::StatusOr<status::v1::SpeakerState> state = ReadSpeakerState(socket);
    if (state.ok()) {
      input.nodes = NodeGroupsFromStatus(*state);
      node_note =
          absl::StrCat("nodes as the speaker on ", state->node(), " hears them (", socket, ")");
    } else {
      node_note =
          absl::StrCat("no node facts: ", state.status().message(), "; pass --nodes to see owners");
    }
  }
  input.config = &cfg.config;
  input.namespaces = &manifests.namespaces;
  input.services = &manifests.services;
  absl::StatusOr<Explanation> e = Explain(input, options.service);
  if (!e.ok()) {
    err << "ironlbctl explain: " << e.status().message() << "\n";
    return 1;
  }
  if (!node_note.empty()) e->notes.push_back(node_note);
  if (options.output == "json") {
    PrintExplanationJson(*e, out);
  } else {
    PrintExplanation(*e, out);
  }
  return 0;
}

CommandSpec ExplainCommand() {
  return {
      .name = "explain",
      .summary = "why a Service has its address (or none), and which nodes answer for it and why",
      .usage =
          "ironlbctl explain NAMESPACE/NAME --kubeconfig FILE [--context NAME] [-o table|json]\n"
          "ironlbctl explain NAMESPACE/NAME --config-dir DIR [--nodes LIST] [-o table|json]\n"
          "ironlbctl explain PortForward/NAME --config-dir DIR [-o table|json]",
      .help = kExplainHelp,
      .define = [](CLI::App& cmd) -> CommandRun {
        struct Flags {
          ExplainOptions explain;
          std::string lb_class;
        };
        auto f = std::make_shared<Flags>();
        ExplainOptions& o = f->explain;
        cmd.add_option("service", o.service, "the Service, as its namespace/name")
            ->type_name("NAMESPACE/NAME");
        cmd.add_option("--kubeconfig", o.kubeconfig, "explain a Service of a Kubernetes cluster")
            ->type_name("FILE");
        cmd.add_option("--context", o.context,
                       "the kubeconfig context (default: its current-context)")
            ->type_name("NAME");
        AddLoadBalancerClassFlag(
            cmd, &f->lb_class,
            "Kubernetes: the spec.loadBalancerClass ironlb serves (default: none)");
        AddConfigDirFlag(cmd, &o.config_dir, "explain a Service of a standalone ironlb");
        cmd.add_option("--nodes", o.nodes,
                       "standalone: the nodes to consider, instead of asking the speaker")
            ->type_name("LIST");
        AddStatusSocketFlag(cmd, &o.status_socket);
        AddOutputFlag(cmd, &o.output, "table (default) or json (one object)");
        return [f](std::ostream& out, std::ostream& err) {
          ExplainOptions explain = f->explain;
          if (!f->lb_class.empty()) explain.lb_class = f->lb_class;
          return RunExplain(explain, out, err);
        };
      }};
}

}  // namespace ironlb::ctl

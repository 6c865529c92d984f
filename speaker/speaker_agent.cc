#include "speaker/speaker_agent.h"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <sstream>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "bgp/pool_filter.h"
#include "common/daemon.h"
#include "common/log.h"
#include "speaker/kube/kube_secret_reader.h"
#include "speaker/mss_plan.h"
#include "speaker/standalone_services.h"
#include "speaker/status/status_snapshot.h"

namespace ironlb::speaker {
namespace {

std::string HostName() {
  char buf[256] = {};
  if (gethostname(buf, sizeof(buf) - 1) != 0) return "";
  return buf;
}

absl::StatusOr<config::Labels> ParseLabels(const std::string& text) {
  config::Labels out;
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
    // then says, when an L2Advertisement asks for it, that it cannot start.
    IRONLB_LOG(kWarn, "layer-2 key file does not exist: layer 2 stays off until it does")
        .With("file", path)
        .With("action",
              "create the Secret ironlb-layer2-key (key: key) and restart the speakers; "
              "BGP needs no key");
    return std::string();
  }
  if (!in) return absl::InvalidArgumentError(absl::StrCat("--layer2-key-file: cannot read ", path));
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

absl::StatusOr<std::unique_ptr<SpeakerAgent>> SpeakerAgent::Create(
    EventLoop* loop, SpeakerAgentOptions options, std::unique_ptr<kube::Client> cluster) {
  if (UsesCluster(options.mode) && cluster == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("the ", RunModeName(options.mode), " mode needs a cluster (--kubeconfig)"));
  }
  if (ConfigFromDirectory(options.mode) && options.config_dir.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("the ", RunModeName(options.mode), " mode needs --config-dir"));
  }
  std::unique_ptr<SpeakerAgent> agent(new SpeakerAgent(loop, std::move(options)));
  if (absl::Status st = agent->Init(std::move(cluster)); !st.ok()) return st;
  return agent;
}

SpeakerAgent::SpeakerAgent(EventLoop* loop, SpeakerAgentOptions options)
    : loop_(loop), options_(std::move(options)), started_(absl::Now()) {}

absl::Status SpeakerAgent::Init(std::unique_ptr<kube::Client> cluster) {
  // Every setting first: a bad one stops the start before anything runs.
  node_ = options_.node_name.empty() ? HostName() : options_.node_name;
  auto labels = ParseLabels(options_.node_labels);
  if (!labels.ok()) return labels.status();
  labels_ = std::move(*labels);
  auto key = ReadKey(options_.layer2_key_file);
  if (!key.ok()) return key.status();
  if (options_.liveness_port < 1 || options_.liveness_port > 65535) {
    return absl::InvalidArgumentError("--liveness-port must be 1..65535");
  }
  auto bgp_options = ParseBgpFlags(options_.frr_vty_dir, options_.frr_grpc_ports);
  if (!bgp_options.ok()) return bgp_options.status();
  bgp_options->call_deadline = options_.frr_call_deadline;
  auto local_services = ParseLocalServices(options_.local_services);
  if (!local_services.ok()) return local_services.status();
  const std::string& speakers_group = options_.bgp_speakers_peer_group;
  if (absl::Status st = bgp::ValidatePeerGroupName(speakers_group, "--bgp-speakers-peer-group");
      !st.ok()) {
    return absl::InvalidArgumentError(st.message());
  }

  RegisterBuildInfo(registry_, "speaker");
  if (ConfigFromDirectory(options_.mode)) {
    directory_ = std::make_unique<config::ConfigReloader>(options_.config_dir, registry_);
    directory_->Reload();
  }
  // nftables (MSS clamps): without it the speaker still announces, and says why it cannot clamp.
  auto nft = options_.nft_transport != nullptr
                 ? absl::StatusOr<std::unique_ptr<NftProgrammer>>(
                       std::make_unique<NftProgrammer>(loop_, options_.nft_transport, &registry_))
                 : NftProgrammer::Create(loop_, &registry_);
  if (nft.ok()) {
    nft_ = std::move(*nft);
  } else {
    IRONLB_LOG(kError, "nftables unavailable: TCP MSS clamping is off")
        .With("error", nft.status())
        .With("action", "load the nf_tables module and give the speaker CAP_NET_ADMIN");
  }
  if (cluster) {
    cluster_ = std::make_unique<ClusterLink>(
        std::move(cluster), loop_, node_,
        KubeInputsOptions{.config_namespace = options_.config_namespace,
                          .metallb_namespace = options_.metallb_namespace,
                          .metallb_config_map = options_.metallb_config_map,
                          .lb_class = options_.load_balancer_class.empty()
                                          ? std::nullopt
                                          : std::optional(options_.load_balancer_class),
                          .read_config = !ConfigFromDirectory(options_.mode),
                          .registry = &registry_},
        [this] {
          return layer2_ ? layer2_->Owned() : std::map<std::string, std::vector<IpAddress>>();
        });
  }

  // BGPPeer passwordSecret: from the API in Kubernetes mode, from files otherwise; a Secret that
  // cannot be read is an error log and, in Kubernetes, a Warning Event on the BGPPeer.
  if (cluster_) {
    // An unreachable API server keeps the passwords last read (it changes nothing, as for
    // every other input).
    bgp_options->secrets = std::make_shared<LastGoodSecretReader>(
        std::make_shared<KubeSecretReader>(cluster_->client()));
  } else {
    bgp_options->secrets = std::make_shared<DirectorySecretReader>(options_.bgp_secrets_dir);
  }
  bgp_options->on_secret_problem = [cluster = cluster_.get(),
                                    ns = options_.config_namespace](const PeerSecretProblem& p) {
    if (cluster == nullptr) return;
    cluster->Warning(PeerSecretEventObject(p, ns), "PasswordSecretUnreadable", p.message);
  };
  BgpNode bgp_node{.name = node_, .labels = labels_, .local_endpoints = std::move(*local_services)};
  bgp_ = std::make_unique<BgpPart>(loop_, *bgp_options, std::move(bgp_node), &registry_);
  RouterRole::Options role;
  if (cluster_) {  // contested outside ports become Warning Events on the Service
    role.on_new_conflict = [cluster = cluster_.get()](const ForwardConflict& c) {
      cluster->ServiceWarning(c.service, "PortForwardContested", c.message);
    };
  }
  router_ = std::make_unique<RouterPart>(
      loop_, nft_.get(), nft.status(),
      RouterPoolFilterOptions{.peer_group = speakers_group,
                              .vty_dir = bgp_options->vty_dir,
                              .bgpd_grpc_target = absl::StrCat(bgp_options->grpc_host, ":",
                                                               bgp_options->bgpd_grpc_port)},
      std::move(role), &registry_, options_.conntrack);
  layer2_ = std::make_unique<Layer2Part>(
      loop_, &sockets_,
      [&] {
        Layer2SpeakerOptions l2 = options_.layer2;
        l2.node = node_;
        l2.labels = labels_;
        l2.key = std::move(*key);
        l2.liveness_port = static_cast<uint16_t>(options_.liveness_port);
        l2.on_ownership_changing = [router = router_.get()](const std::set<IpAddress>& owned) {
          router->OwnershipChanging(owned);
        };
        return l2;
      }(),
      &registry_);
  if (cluster_) {  // Kubernetes: the missing key shows in `kubectl describe l2advertisement`
    layer2_->OnMissingKey([cluster = cluster_.get(), node = node_, file = options_.layer2_key_file,
                           ns = options_.config_namespace](const config::L2Advertisement& ad) {
      cluster->Warning(
          {{"apiVersion", "ironlb.io/v1alpha1"},
           {"kind", "L2Advertisement"},
           {"metadata",
            {{"namespace", ad.meta.namespace_.empty() ? ns : ad.meta.namespace_},
             {"name", ad.meta.name}}}},
          "Layer2KeyMissing",
          absl::StrCat("node ", node, ": no layer-2 key (", file,
                       " missing: create the Secret ironlb-layer2-key, then restart the "
                       "speakers); nothing is announced by layer 2 from this node"));
    });
  }
  parts_ = {bgp_.get(), router_.get(), layer2_.get()};
  frr_bgp_options_ = *bgp_options;

  Apply();  // a directory's configuration at once; a cluster's once synced
  if (cluster_) cluster_->Start([this] { Apply(); });

  auto http = HttpServer::Start(
      options_.metrics_address,
      {.registry = &registry_, .healthy = nullptr, .ready = [this]() -> absl::Status {
         if (config_store().current()) return absl::OkStatus();
         return absl::UnavailableError(
             ConfigFromDirectory(options_.mode)
                 ? absl::StrCat("no valid configuration loaded from ", options_.config_dir)
                 : std::string("no valid configuration read from the cluster yet"));
       }});
  if (!http.ok()) {
    return absl::UnavailableError(absl::StrCat("cannot serve metrics: ", http.status().message()));
  }
  http_ = std::move(*http);
  if (!options_.status_socket.empty()) {
    auto server = StatusServer::Start(options_.status_socket, loop_, [this] { return Status(); });
    if (server.ok()) {
      status_ = std::move(*server);
    } else {  // announcing matters more than the status page
      IRONLB_LOG(kError, "no status socket; `ironlbctl status` will not reach this speaker")
          .With("error", server.status());
    }
  }
  IRONLB_LOG(kInfo, "ironlb-speaker started")
      .With("version", kVersion)
      .With("node", node_)
      .With("mode", RunModeName(options_.mode))
      .With("metrics_port", http_->port());
  return absl::OkStatus();
}

SpeakerAgent::~SpeakerAgent() {
  status_.reset();
  // Our announcements are no longer true, unless the next process carries on.
  if (cluster_) cluster_->Stop(restarting_ ? absl::ZeroDuration() : absl::Seconds(3));
  parts_.clear();
  layer2_.reset();
  bgp_.reset();
  router_.reset();
  cluster_.reset();
  nft_.reset();
  if (http_) http_->Stop();
}

const config::ConfigStore& SpeakerAgent::config_store() const {
  return directory_ ? directory_->store() : cluster_->config_store();
}

void SpeakerAgent::Reload() {
  if (directory_) directory_->Reload();
  Apply();
}

void SpeakerAgent::Apply() {
  if (stopping_) return;
  if (cluster_ && !cluster_->synced()) return;  // not before the cluster's first full view
  const std::shared_ptr<const config::LoadResult> current =
      directory_ ? directory_->store().current() : cluster_->Config();
  if (!current) return;
  std::vector<std::string> problems;
  KubeSnapshot snapshot;
  AssignedServices services;
  if (cluster_) {
    snapshot = cluster_->Snapshot(current->config);
    services = std::move(snapshot.services);
    problems = std::move(snapshot.problems);  // Services left out and why
  } else {
    services = ReadStandaloneServices(*current, options_.config_dir);
    // This speaker's allocation left them without an address (with a cluster, that is the
    // controller's to report).
    for (std::string& pending : PendingServices(services)) {
      IRONLB_LOG(kWarn, "service has no address").With("problem", pending);
      problems.push_back(std::move(pending));
    }
  }
  if (nft_) {
    MssPlan mss = MssClamps(current->config, services);
    for (const std::string& p : mss.problems) {
      IRONLB_LOG(kWarn, "TCP MSS clamp problem").With("problem", p);
    }
    nft_->SetClampedVips(std::move(mss.clamps));
  }
  const SpeakerInputs inputs{.config = current, .services = services, .facts = snapshot.facts};
  for (SpeakerPart* part : parts_) part->Apply(inputs, problems);
  GuardFrrPorts();
  if (cluster_) cluster_->Publish(services, std::move(snapshot.service_uids), bgp_->desired());
  problems_ = std::move(problems);
}

void SpeakerAgent::GuardFrrPorts() {
  if (frr_guarded_ || nft_ == nullptr) return;
  if (bgp_->speaker() == nullptr && !router_->filters_pools()) return;
  nft_->SetGuardedTcpPorts("frr-grpc", FrrGrpcPorts(frr_bgp_options_));
  frr_guarded_ = true;
}

void SpeakerAgent::Stop(std::function<void()> done) {
  if (stopping_) return;
  stopping_ = true;
  // Every part at once; `done` when the last has let go.
  auto pending = std::make_shared<size_t>(parts_.size() + 1);
  auto one_done = [pending, done = std::move(done)] {
    if (--*pending == 0) done();
  };
  for (SpeakerPart* part : parts_) part->Shutdown(one_done);
  one_done();
}

void SpeakerAgent::Restart(std::function<void()> done) {
  if (stopping_) return;
  stopping_ = true;
  restarting_ = true;
  layer2_->Restart();
  if (done) done();
}

void SpeakerAgent::OnStopSignal(int signal, std::function<void()> done) {
  if (signal == SIGTERM && options_.sigterm_restarts) {
    IRONLB_LOG(kInfo, "restarting: VIPs, routes and nftables stay for the next process")
        .With("signal", "SIGTERM");
    Restart(std::move(done));
    return;
  }
  IRONLB_LOG(kInfo, "stopping for good: handing VIPs over")
      .With("signal", signal == SIGTERM ? "SIGTERM" : (signal == SIGUSR2 ? "SIGUSR2" : "SIGINT"));
  Stop(std::move(done));
}

status::v1::SpeakerState SpeakerAgent::Status() const {
  return BuildStatus({.node = node_,
                      .labels = labels_,
                      .started = started_,
                      .config_dir = options_.config_dir,
                      .config = &config_store(),
                      .layer2 = layer2_->speaker(),
                      .nft = nft_.get(),
                      .bgp = bgp_->speaker(),
                      .router = router_->role(),
                      .problems = problems_});
}

}  // namespace ironlb::speaker

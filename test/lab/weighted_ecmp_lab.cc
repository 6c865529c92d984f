#include "test/lab/weighted_ecmp_lab.h"

#include <fstream>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "nlohmann/json.hpp"
#include "test/lab/api_server_in_netns.h"
#include "test/lab/prober.h"
#include "test/speaker/kube_objects.h"

namespace ironlb::lab {
namespace {

using Json = nlohmann::json;
using namespace ::ironlb::speaker::testing;  // NOLINT

constexpr char kNs[] = "ironlb-system";
constexpr char kPools[] = "ironlb.io/v1alpha1/addresspools";
constexpr char kPeers[] = "ironlb.io/v1alpha1/bgppeers";
constexpr char kBgpAds[] = "ironlb.io/v1alpha1/bgpadvertisements";
constexpr char kServices[] = "v1/services";
constexpr char kSlices[] = "discovery.k8s.io/v1/endpointslices";
constexpr char kNodes[] = "v1/nodes";

Json Advertisement(bool weighted) {
  return {{"apiVersion", "ironlb.io/v1alpha1"},
          {"kind", "BGPAdvertisement"},
          {"metadata", {{"namespace", kNs}, {"name", "upstream"}}},
          {"spec", {{"ipAddressPools", {"vips"}}, {"weightByEndpoints", weighted}}}};
}

}  // namespace

absl::StatusOr<std::unique_ptr<WeightedEcmpLab>> WeightedEcmpLab::Start(
    const std::string& speaker_binary, Options options) {
  std::unique_ptr<WeightedEcmpLab> l(new WeightedEcmpLab());
  IRONLB_RETURN_IF_ERROR(l->Build(speaker_binary, options));
  return l;
}

WeightedEcmpLab::~WeightedEcmpLab() {
  speakers_.clear();
  speaker_frr_.clear();
  router_frr_.reset();
  api_.reset();
  lab_.reset();
}

absl::Status WeightedEcmpLab::Build(const std::string& speaker_binary, const Options& options) {
  ipv6_ = options.ipv6;
  vip_ = ipv6_ ? kVip6 : kVip;
  IRONLB_ASSIGN_OR_RETURN(lab_, Lab::Create({.speakers = 2, .router = true}));
  // IPv6 next hops on the LAN are the speakers' link-local addresses.
  for (const Host& s : lab_->speakers()) {
    IRONLB_ASSIGN_OR_RETURN(CommandResult r, lab_->Run(s, {"ip", "-j", "-6", "addr", "show", "dev",
                                                           s.lan_if, "scope", "link"}));
    const Json j = Json::parse(r.output, nullptr, false);
    if (j.is_discarded()) continue;
    for (const Json& link : j) {
      for (const Json& a : link.value("addr_info", Json::array())) {
        link_local_hosts_[a.value("local", "")] = s.name;
      }
    }
  }
  IRONLB_ASSIGN_OR_RETURN(api_, StartApiServerIn(lab_->client()));
  const std::string dir = lab_->work_dir();
  std::ofstream(dir + "/kubeconfig")
      << "apiVersion: v1\nkind: Config\n"
      << "clusters: [{name: lab, cluster: {server: " << api_->url() << "}}]\n"
      << "users: [{name: speaker, user: {token: lab-token}}]\n"
      << "contexts: [{name: lab, context: {cluster: lab, user: "
         "speaker, namespace: ironlb-system}}]\n"
      << "current-context: lab\n";
  std::ofstream(dir + "/key") << "lab-speakers-shared-key-0123456789\n";

  api_->Put(kPools,
            PoolObject(kNs, "vips",
                       ipv6_ ? "fd00:90:100::10-fd00:90:100::20" : "10.90.100.10-10.90.100.20"));
  Json peer = {{"apiVersion", "ironlb.io/v1alpha1"},
               {"kind", "BGPPeer"},
               {"metadata", {{"namespace", kNs}, {"name", "router"}}},
               {"spec",
                {{"myASN", kSpeakerAsn},
                 {"peerASN", kRouterAsn},
                 {"peerAddress", ipv6_ ? lab_->router()->ipv6 : lab_->router()->ipv4},
                 {"holdTime", "9s"},
                 {"keepaliveTime", "3s"},
                 {"connectTime", "1s"}}}};
  if (!options.password.empty()) {
    peer["spec"]["passwordSecret"] = {{"name", "bgp-password"}};
    api_->Put("v1/secrets", {{"apiVersion", "v1"},
                             {"kind", "Secret"},
                             {"type", "kubernetes.io/basic-auth"},
                             {"metadata", {{"namespace", kNs}, {"name", "bgp-password"}}},
                             {"data", {{"password", absl::Base64Escape(options.password)}}}});
    Json v6 = peer;
    v6["metadata"]["name"] = "router-v6";
    v6["spec"]["peerAddress"] = lab_->router()->ipv6;
    v6["spec"]["passwordSecret"] = {{"name", "missing"}};
    api_->Put(kPeers, v6);
  }
  api_->Put(kPeers, peer);
  int more = 0;
  for (const auto& [address, asn] : options.more_peers) {
    Json p = peer;
    p["metadata"]["name"] = absl::StrCat("router-", ++more);
    p["spec"]["peerAddress"] = address;
    p["spec"]["peerASN"] = asn;
    api_->Put(kPeers, p);
  }
  api_->Put(kBgpAds, Advertisement(options.weighted));
  for (const Host& h : lab_->speakers()) api_->Put(kNodes, NodeObject(h.name));
  Json service = ServiceObject("lab", "web", vip_, "Local", "vips");
  if (ipv6_) {
    service["spec"]["ipFamilies"] = {"IPv6"};
    service["spec"]["clusterIP"] = "fd00:96::1234";
    service["spec"]["clusterIPs"] = {"fd00:96::1234"};
  }
  api_->Put(kServices, service);

  // The router: eBGP from the speakers' AS (MetalLB's usual set-up), multipath, and the L4 hash
  // so that connections (not only source addresses) spread over the next hops.
  const Host& router = *lab_->router();
  IRONLB_RETURN_IF_ERROR(RunChecked({"sysctl", "-qw", "net.ipv4.fib_multipath_hash_policy=1",
                                     "net.ipv6.fib_multipath_hash_policy=1"},
                                    router.netns));
  if (options.router_frr) IRONLB_RETURN_IF_ERROR(StartRouterFrr(options));
  return StartSpeakers(speaker_binary);
}

absl::Status WeightedEcmpLab::StartRouterFrr(const Options& options) {
  const Host& router = *lab_->router();
  router_frr_ = std::make_unique<FrrHost>(lab_.get(), router);
  IRONLB_RETURN_IF_ERROR(router_frr_->Start({"zebra", "bgpd"}));
  std::vector<std::string> cfg = {"configure terminal",
                                  absl::StrCat("router bgp ", kRouterAsn),
                                  "bgp router-id 10.90.0.1",
                                  "no bgp ebgp-requires-policy",
                                  "no bgp default ipv4-unicast",
                                  "neighbor speakers peer-group",
                                  absl::StrCat("neighbor speakers remote-as ", kSpeakerAsn),
                                  "neighbor speakers timers 3 9",
                                  "neighbor speakers timers connect 1"};
  if (!options.password.empty()) {
    cfg.push_back(absl::StrCat("neighbor speakers password ", options.password));
  }
  for (const Host& s : lab_->speakers()) {
    cfg.push_back(absl::StrCat("neighbor ", ipv6_ ? s.ipv6 : s.ipv4, " peer-group speakers"));
  }
  for (const char* line :
       {ipv6_ ? "address-family ipv6 unicast" : "address-family ipv4 unicast",
        "neighbor speakers activate", "maximum-paths 8", "exit-address-family"}) {
    cfg.push_back(line);
  }
  return router_frr_->Vtysh(cfg).status();
}

absl::Status WeightedEcmpLab::StartSpeakers(const std::string& speaker_binary) {
  const std::string dir = lab_->work_dir();
  for (const Host& h : lab_->speakers()) {
    IRONLB_RETURN_IF_ERROR(lab_->AddVip(h, vip_));
    auto frr = std::make_unique<FrrHost>(lab_.get(), h);
    IRONLB_RETURN_IF_ERROR(frr->Start({"zebra", "staticd", "bgpd"}));
    IRONLB_ASSIGN_OR_RETURN(
        auto daemon,
        lab_->Spawn(
            h,
            {speaker_binary, "--kubeconfig", dir + "/kubeconfig", "--layer2-key-file", dir + "/key",
             "--node-name", h.name, "--status-socket", dir + "/status-" + h.name + ".sock",
             "--frr-vty-dir", frr->vty_dir(), "--frr-grpc-ports",
             absl::StrCat(FrrHost::kStaticdGrpc, ",", FrrHost::kBgpdGrpc, ",0")},
            "ironlb-speaker-" + h.name));
    speaker_frr_.push_back(std::move(frr));
    speakers_.push_back(std::move(daemon));
  }
  return absl::OkStatus();
}

void WeightedEcmpLab::SetEndpoints(const std::map<std::string, int>& per_node) {
  std::vector<Endpoint> eps;
  for (const auto& [node, n] : per_node) {
    for (int i = 0; i < n; ++i) eps.push_back({.node = node});
  }
  api_->Put(kSlices, EndpointSliceObject("lab", "web", "web-1", eps));
}

void WeightedEcmpLab::SetWeighted(bool weighted) { api_->Put(kBgpAds, Advertisement(weighted)); }

std::string WeightedEcmpLab::HostOfGateway(const std::string& gateway) const {
  for (const Host& s : lab_->speakers()) {
    if (s.ipv4 == gateway || s.ipv6 == gateway) return s.name;
  }
  auto ll = link_local_hosts_.find(gateway);
  return ll != link_local_hosts_.end() ? ll->second : gateway;
}

absl::StatusOr<std::map<std::string, int>> WeightedEcmpLab::KernelWeights() const {
  const Host& router = *lab_->router();
  auto run = [&](const std::vector<std::string>& argv) -> absl::StatusOr<Json> {
    IRONLB_ASSIGN_OR_RETURN(CommandResult r, lab_->Run(router, argv, absl::Seconds(10)));
    Json j = Json::parse(r.output, nullptr, false);
    if (r.exit_code != 0 || j.is_discarded()) {
      return absl::InternalError(absl::StrCat(argv[0], " ", argv[1], ": ", r.output));
    }
    return j;
  };
  IRONLB_ASSIGN_OR_RETURN(Json routes,
                          run({"ip", "-j", ipv6_ ? "-6" : "-4", "route", "show", vip_}));
  std::map<std::string, int> out;
  for (const Json& route : routes) {
    if (route.contains("nexthops")) {  // a multipath route, its next hops inline
      for (const Json& nh : route["nexthops"]) {
        out[HostOfGateway(nh.value("gateway", ""))] = nh.value("weight", 1);
      }
    } else if (route.contains("gateway")) {
      out[HostOfGateway(route.value("gateway", ""))] = 1;
    } else if (route.contains("nhid")) {  // through a nexthop group object
      const std::string id = absl::StrCat(route["nhid"].get<int64_t>());
      IRONLB_ASSIGN_OR_RETURN(Json group, run({"ip", "-j", "nexthop", "show", "id", id}));
      for (const Json& g : group) {
        if (g.contains("gateway")) out[HostOfGateway(g.value("gateway", ""))] = 1;
        if (!g.contains("group")) continue;
        for (const Json& member : g["group"]) {
          const std::string mid = absl::StrCat(member.value("id", int64_t{0}));
          IRONLB_ASSIGN_OR_RETURN(Json nh, run({"ip", "-j", "nexthop", "show", "id", mid}));
          if (!nh.empty())
            out[HostOfGateway(nh[0].value("gateway", ""))] = member.value("weight", 1);
        }
      }
    }
  }
  return out;
}

absl::StatusOr<absl::Duration> WeightedEcmpLab::WaitForWeights(
    const std::map<std::string, int>& want, absl::Duration limit) const {
  const absl::Time start = absl::Now();
  std::string seen;
  while (absl::Now() - start < limit) {
    auto w = KernelWeights();
    if (w.ok() && *w == want) return absl::Now() - start;
    seen.clear();
    if (w.ok()) {
      for (const auto& [host, weight] : *w) absl::StrAppend(&seen, host, "=", weight, " ");
    } else {
      seen = std::string(w.status().message());
    }
    absl::SleepFor(absl::Milliseconds(10));
  }
  return absl::DeadlineExceededError(absl::StrCat("the router's kernel route to ", vip_, ": ", seen,
                                                  "after ", absl::FormatDuration(limit)));
}

std::string WeightedEcmpLab::Diagnostics() const {
  std::string out;
  auto show = [&](const std::string& who, const FrrHost& frr) {
    const std::vector<std::string> cmds =
        ipv6_ ? std::vector<std::string>{"show bgp ipv6 unicast summary", "show bgp ipv6 unicast",
                                         "show ipv6 route"}
              : std::vector<std::string>{"show bgp ipv4 unicast summary", "show bgp ipv4 unicast",
                                         "show ip route"};
    for (const std::string& cmd : cmds) {
      auto r = frr.Vtysh({cmd});
      absl::StrAppend(&out, "--- ", who, ": ", cmd, "\n", r.ok() ? *r : r.status().ToString());
    }
  };
  if (router_frr_ != nullptr) show("router", *router_frr_);
  for (size_t i = 0; i < speaker_frr_.size(); ++i) {
    show(lab_->speaker(static_cast<int>(i)).name, *speaker_frr_[i]);
    const std::string log = absl::StrCat(lab_->work_dir(), "/ironlb-speaker-",
                                         lab_->speaker(static_cast<int>(i)).name, ".log");
    auto tail = RunCommand({"tail", "-n", "30", log});
    if (tail.ok()) absl::StrAppend(&out, "--- ", log, "\n", tail->output);
  }
  return out;
}

std::map<std::string, int> WeightedEcmpLab::Connections(int count) const {
  std::map<std::string, int> out;
  for (int i = 0; i < count; ++i) {
    auto who =
        ProbeOnce(lab_->outside_client()->netns, vip_, 8080, Protocol::kTcp, absl::Seconds(2));
    ++out[who.ok() ? *who : ""];
  }
  return out;
}

}  // namespace ironlb::lab

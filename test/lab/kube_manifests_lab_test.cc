// What the shipped manifests run, on the lab's LAN: `kubectl kustomize packaging/kubernetes`
// stored in the fake API server (in the client's namespace, on its LAN address; namespaces
// must exist, only built-in and CRD-defined types are served), the controller Deployment's two
// replicas (leader election; one in the client's namespace, one in the router's, as two pods)
// and the speaker DaemonSet's pod on each of three nodes, each started with exactly the
// container's args and env read from the kustomized YAML (manifest_pods.h fills in only what
// the kubelet would: downward API, volumes, API server), each as its service account under the
// manifests' RBAC (the fake API server authorizes every request as the real one would).
//
// Layer 2: a Service is created -> the leader writes its address -> the owner node answers ARP
// -> the client's traffic reaches the owner; the owner drained (excluded from load balancers),
// NetworkUnavailable, or its Node deleted -> the address moves. The leader killed mid-way:
// nothing moves, the standby takes over and serves new Services.
#include <signal.h>

#include <fstream>
#include <set>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status_macros.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "test/kube/fake_api_server.h"
#include "test/lab/api_server_in_netns.h"
#include "test/lab/failover_trial.h"
#include "test/lab/frr_host.h"
#include "test/lab/lab.h"
#include "test/lab/manifest_pods.h"
#include "test/lab/prober.h"
#include "test/speaker/kube_objects.h"
#include "test/support/status_matchers.h"

namespace ironlb::lab {
namespace {

using ::ironlb::testing::IsOk;
using kube::testing::FakeApiServer;
using nlohmann::json;
using namespace ::ironlb::speaker::testing;  // NOLINT

constexpr char kServices[] = "v1/services";
constexpr char kNodes[] = "v1/nodes";
constexpr char kLeases[] = "coordination.k8s.io/v1/leases";
constexpr char kPools[] = "ironlb.io/v1alpha1/addresspools";
constexpr char kL2[] = "ironlb.io/v1alpha1/l2advertisements";
const std::vector<std::string> kVips = {"10.90.0.200", "10.90.0.201", "10.90.0.202"};

class KubeManifestsLabTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto objects = KustomizedObjects(IRONLB_DEBIAN_KUBECTL,
                                     std::string(IRONLB_SOURCE_DIR) + "/packaging/kubernetes");
    ASSERT_THAT(objects, IsOk());
    objects_ = std::move(*objects);
    const json ds = FindObject(objects_, "DaemonSet", "ironlb-speaker");
    ASSERT_FALSE(ds.is_null());
    ns_ = ds["metadata"]["namespace"];

    auto l = Lab::Create({.speakers = 3, .router = true});
    ASSERT_THAT(l, IsOk());
    lab_ = std::move(*l);
    FakeApiServer::Options options;
    options.require_namespaces = true;
    options.strict_types = true;
    // Each daemon as its service account, under the manifests' RBAC.
    options.service_account_tokens = {{"controller-token", ns_ + "/ironlb-controller"},
                                      {"speaker-token", ns_ + "/ironlb-speaker"}};
    auto api = StartApiServerIn(lab_->client(), options);
    ASSERT_THAT(api, IsOk());
    api_ = std::move(*api);
    for (const json& o : objects_) ASSERT_THAT(api_->Apply(o), IsOk()) << o.dump();

    controller_kubeconfig_ = WriteKubeconfig("controller-token");
    speaker_kubeconfig_ = WriteKubeconfig("speaker-token");
    // The key Secret, created as the install guide says.
    key_ = "lab-speakers-shared-key-0123456789abcdef";
    ASSERT_THAT(api_->Apply({{"apiVersion", "v1"},
                             {"kind", "Secret"},
                             {"metadata", {{"name", "ironlb-layer2-key"}, {"namespace", ns_}}},
                             {"type", "Opaque"},
                             {"data", {{"key", absl::Base64Escape(key_)}}}}),
                IsOk());
    ASSERT_THAT(api_->Apply({{"apiVersion", "v1"},
                             {"kind", "Namespace"},
                             {"metadata", {{"name", "lab"}}},
                             {"status", {{"phase", "Active"}}}}),
                IsOk());
    for (const Host& h : lab_->speakers()) {
      api_->Put(kNodes, NodeObject(h.name));
      for (const std::string& vip : kVips) ASSERT_THAT(lab_->AddVip(h, vip), IsOk());
    }
    api_->Put(kPools, PoolObject(ns_, "lan", kVips.front() + "-" + kVips.back()));
    api_->Put(kL2, L2AdvertisementObject(ns_, "lan", "lan"));

    ASSERT_NO_FATAL_FAILURE(BeforePods());
    ASSERT_NO_FATAL_FAILURE(StartController(0, lab_->client()));
    ASSERT_NO_FATAL_FAILURE(StartController(1, *lab_->router()));
    for (const Host& h : lab_->speakers()) ASSERT_NO_FATAL_FAILURE(StartSpeaker(h));
  }
  void TearDown() override {
    speakers_.clear();
    sidecars_.clear();
    for (const std::string& dir : sidecar_dirs_) (void)RunCommand({"rm", "-rf", dir});
    router_frr_.reset();
    controllers_.clear();
    api_.reset();
    lab_.reset();
  }
  // Tests that need more than layer 2 set it up here (before any pod starts).
  virtual void BeforePods() {}
  // Whether each speaker pod also runs its FRR sidecar.
  virtual bool WithFrr() const { return false; }

  std::string WriteKubeconfig(const std::string& token) {
    const std::string path = absl::StrCat(lab_->work_dir(), "/kubeconfig-", token);
    std::ofstream(path) << "apiVersion: v1\nkind: Config\n"
                        << "clusters: [{name: lab, cluster: {server: " << api_->url() << "}}]\n"
                        << "users: [{name: lab, user: {token: " << token << "}}]\n"
                        << "contexts: [{name: lab, context: {cluster: lab, user: lab}}]\n"
                        << "current-context: lab\n";
    return path;
  }

  void StartController(int replica, const Host& host) {
    const std::string pod = absl::StrCat("ironlb-controller-5d8f7c9b4-", replica);
    auto cmd = CommandOf(
        objects_, "Deployment", "ironlb-controller", "controller", IRONLB_CONTROLLER_BINARY,
        {.pod_name = pod, .node_name = host.name, .kubeconfig = controller_kubeconfig_});
    ASSERT_THAT(cmd, IsOk());
    auto p = lab_->Spawn(host, cmd->WithEnv(), pod);
    ASSERT_THAT(p, IsOk());
    controllers_[pod] = std::move(*p);
  }

  void StartSpeaker(const Host& h) {
    const std::string dir = absl::StrCat(lab_->work_dir(), "/pod-speaker-", h.name);
    // The sidecar shares the frr-run emptyDir (/var/run/ironlb-frr) with the speaker; three
    // sidecars on one machine each get their own FRR pathspace inside it (the directory the
    // FRR build uses), named after the node's namespace.
    const std::string frr_run = WithFrr() ? "/var/run/ironlb-frr/" + h.netns : dir + "/frr-run";
    PodFacts pod{.pod_name = "ironlb-speaker-" + h.name,
                 .node_name = h.name,
                 .kubeconfig = speaker_kubeconfig_,
                 .volume_dirs = {{"layer2-key", dir + "/layer2-key"},
                                 {"frr-run", frr_run},
                                 {"speaker-run", dir + "/run-ironlb"}}};
    for (const auto& [volume, path] : pod.volume_dirs) {
      ASSERT_THAT(RunChecked({"mkdir", "-p", path}), IsOk());
    }
    if (WithFrr()) {
      sidecar_dirs_.push_back(frr_run);
      PodFacts sidecar_pod = pod;
      sidecar_pod.kubeconfig = "";
      auto frr =
          CommandOf(objects_, "DaemonSet", "ironlb-speaker", "frr",
                    std::string(IRONLB_SOURCE_DIR) + "/packaging/frr/ironlb-frr.sh", sidecar_pod);
      ASSERT_THAT(frr, IsOk());
      frr->env["FRR_PATHSPACE"] = h.netns;
      auto p = lab_->Spawn(h, frr->WithEnv(), "frr-sidecar-" + h.name);
      ASSERT_THAT(p, IsOk());
      sidecars_[h.name] = std::move(*p);
    }
    // The Secret volume: one file per data key.
    std::ofstream(dir + "/layer2-key/key") << key_;
    auto cmd =
        CommandOf(objects_, "DaemonSet", "ironlb-speaker", "speaker", IRONLB_SPEAKER_BINARY, pod);
    ASSERT_THAT(cmd, IsOk());
    // The status socket's default path is inside the speaker-run hostPath volume.
    std::vector<std::string> argv = cmd->WithEnv();
    argv.push_back("--status-socket=" + dir + "/run-ironlb/speaker.sock");
    auto p = lab_->Spawn(h, argv, "ironlb-speaker-" + h.name);
    ASSERT_THAT(p, IsOk());
    speakers_[h.name] = std::move(*p);
  }

  std::string LeaseHolder() const {
    auto lease = api_->Object(kLeases, ns_, "ironlb-controller");
    if (!lease || !(*lease)["spec"].contains("holderIdentity")) return "";
    return (*lease)["spec"]["holderIdentity"].get<std::string>();
  }
  std::string AddressOf(const std::string& service) const {
    auto svc = api_->Object(kServices, "lab", service);
    if (!svc) return "";
    const json ingress = (*svc)["status"]["loadBalancer"].value("ingress", json::array());
    return ingress.empty() ? "" : ingress[0].value("ip", "");
  }
  // Waits (60 s at most) until `service` has an address.
  std::string EventuallyAddressOf(const std::string& service) const {
    for (int i = 0; i < 600; ++i) {
      if (std::string ip = AddressOf(service); !ip.empty()) return ip;
      absl::SleepFor(absl::Milliseconds(100));
    }
    return "";
  }
  // Waits (30 s at most) until the client's traffic to `vip` is answered by one node, not in
  // `not_by`, five times in a row; that node. Ownership is sticky (a VIP stays where it is
  // answered while that node is eligible), so which node it is is not predicted here.
  absl::StatusOr<std::string> ServedBy(const std::string& vip,
                                       const std::set<std::string>& not_by = {}) {
    std::string last;
    int same = 0;
    const absl::Time deadline = absl::Now() + absl::Seconds(30);
    while (absl::Now() < deadline) {
      absl::StatusOr<std::string> who =
          ProbeOnce(lab_->client().netns, vip, 8080, Protocol::kTcp, absl::Milliseconds(500));
      if (who.ok() && not_by.count(*who) == 0) {
        same = *who == last ? same + 1 : 1;
        last = *who;
        if (same == 5) return last;
      } else {
        same = 0;
        last = who.ok() ? *who : who.status().ToString();
      }
      absl::SleepFor(absl::Milliseconds(50));
    }
    return absl::DeadlineExceededError(absl::StrCat(vip,
                                                    ":8080 not served steadily by a node "
                                                    "other than [",
                                                    absl::StrJoin(not_by, ","), "]; last: ", last));
  }
  void SetNode(const std::string& name, bool exclude, bool network_unavailable) {
    api_->Put(kNodes, NodeObject(name, exclude, network_unavailable));
  }

  std::vector<json> objects_;
  std::string ns_;
  std::string controller_kubeconfig_;
  std::string speaker_kubeconfig_;
  std::string key_;
  std::unique_ptr<Lab> lab_;
  std::unique_ptr<FakeApiServer> api_;
  std::map<std::string, std::unique_ptr<HostProcess>> controllers_;
  std::map<std::string, std::unique_ptr<HostProcess>> speakers_;
  std::map<std::string, std::unique_ptr<HostProcess>> sidecars_;
  std::vector<std::string> sidecar_dirs_;
  std::unique_ptr<FrrHost> router_frr_;
};

TEST_F(KubeManifestsLabTest, Layer2ServiceGetsAnAddressThatMovesWithItsNodeButNotWithTheLeader) {
  // One replica leads; a Service gets an address from the pool; a node answers ARP for it and
  // the client's traffic reaches that node's backend.
  api_->Put(kServices, ServiceObject("lab", "web", ""));
  const std::string vip = EventuallyAddressOf("web");
  ASSERT_THAT(kVips, ::testing::Contains(vip));
  const std::string leader = LeaseHolder();
  ASSERT_EQ(controllers_.count(leader), 1u) << "lease held by '" << leader << "'";
  absl::StatusOr<std::string> owner = ServedBy(vip);
  ASSERT_THAT(owner, IsOk());

  // The leader dies mid-way (SIGKILL: no goodbye): the Service keeps its address and is still
  // served; the standby takes the Lease and serves the next Service.
  controllers_[leader]->Kill();
  std::string standby;
  for (int i = 0; i < 600 && (standby.empty() || standby == leader); ++i) {
    standby = LeaseHolder();
    absl::SleepFor(absl::Milliseconds(100));
  }
  ASSERT_EQ(controllers_.count(standby), 1u) << "lease held by '" << standby << "'";
  ASSERT_NE(standby, leader);
  api_->Put(kServices, ServiceObject("lab", "web2", ""));
  const std::string vip2 = EventuallyAddressOf("web2");
  EXPECT_THAT(kVips, ::testing::Contains(vip2));
  EXPECT_NE(vip2, vip);
  EXPECT_EQ(AddressOf("web"), vip);
  EXPECT_THAT(ServedBy(vip2), IsOk());
  owner = ServedBy(vip);
  ASSERT_THAT(owner, IsOk());

  // The owner drained (excluded from external load balancers): the address moves away.
  SetNode(*owner, /*exclude=*/true, false);
  absl::StatusOr<std::string> heir = ServedBy(vip, {*owner});
  ASSERT_THAT(heir, IsOk());
  SetNode(*owner, false, false);
  // NetworkUnavailable on the node that answers now: moves again.
  SetNode(*heir, false, /*network_unavailable=*/true);
  absl::StatusOr<std::string> third = ServedBy(vip, {*heir});
  ASSERT_THAT(third, IsOk());
  SetNode(*heir, false, false);
  // The answering node's Node object deleted: moves, and both Services keep their addresses.
  ASSERT_TRUE(api_->Remove(kNodes, "", *third));
  EXPECT_THAT(ServedBy(vip, {*third}), IsOk());
  EXPECT_EQ(AddressOf("web"), vip);
  EXPECT_EQ(AddressOf("web2"), vip2);
}

// BGP: an FRR sidecar per speaker pod (the image's entrypoint, packaging/frr/ironlb-frr.sh,
// with the frr container's env) and an FRR router peering with the three nodes.
class KubeManifestsBgpLabTest : public KubeManifestsLabTest {
 protected:
  static constexpr uint32_t kAsn = 64512;  // iBGP: the router keeps the speakers' next hops
  bool WithFrr() const override { return true; }
  void BeforePods() override {
    router_frr_ = std::make_unique<FrrHost>(lab_.get(), *lab_->router());
    ASSERT_THAT(router_frr_->Start({"zebra", "bgpd"}), IsOk());
    std::vector<std::string> cfg = {"configure terminal", absl::StrCat("router bgp ", kAsn),
                                    "bgp router-id 10.90.0.1", "no bgp default ipv4-unicast"};
    for (const Host& s : lab_->speakers()) {
      cfg.push_back(absl::StrCat("neighbor ", s.ipv4, " remote-as ", kAsn));
      cfg.push_back(absl::StrCat("neighbor ", s.ipv4, " timers 3 9"));
    }
    cfg.push_back("address-family ipv4 unicast");
    cfg.push_back("maximum-paths ibgp 8");
    for (const Host& s : lab_->speakers()) {
      cfg.push_back(absl::StrCat("neighbor ", s.ipv4, " activate"));
    }
    cfg.push_back("exit-address-family");
    ASSERT_THAT(router_frr_->Vtysh(cfg), IsOk());
    // A routed pool; its addresses on every node's lo, as kube-proxy would serve them.
    api_->Put(kPools, PoolObject(ns_, "routed", "10.90.100.10-10.90.100.12"));
    for (const Host& h : lab_->speakers()) {
      for (const char* vip : {"10.90.100.10", "10.90.100.11", "10.90.100.12"}) {
        ASSERT_THAT(lab_->AddVip(h, vip), IsOk());
      }
    }
    api_->Put("ironlb.io/v1alpha1/bgpadvertisements",
              {{"apiVersion", "ironlb.io/v1alpha1"},
               {"kind", "BGPAdvertisement"},
               {"metadata", {{"namespace", ns_}, {"name", "routed"}}},
               {"spec", {{"ipAddressPools", json::array({"routed"})}}}});
    api_->Put("ironlb.io/v1alpha1/bgppeers",
              {{"apiVersion", "ironlb.io/v1alpha1"},
               {"kind", "BGPPeer"},
               {"metadata", {{"namespace", ns_}, {"name", "router"}}},
               {"spec",
                {{"myASN", kAsn},
                 {"peerASN", kAsn},
                 {"peerAddress", "10.90.0.1"},
                 {"holdTime", "9s"},
                 {"keepaliveTime", "3s"}}}});
  }

  // The router's next hops for `prefix` (valid paths), as node names.
  std::set<std::string> RouterNextHops(const std::string& prefix) {
    std::set<std::string> hosts;
    auto out = router_frr_->Vtysh({absl::StrCat("show bgp ipv4 unicast ", prefix, " json")});
    if (!out.ok()) return hosts;
    json j = json::parse(*out, nullptr, false);
    if (j.is_discarded() || !j.contains("paths")) return hosts;
    for (const json& p : j["paths"]) {
      if (!p.value("valid", false) || !p.contains("nexthops")) continue;
      for (const json& nh : p["nexthops"]) {
        for (const Host& s : lab_->speakers()) {
          if (nh.value("ip", "") == s.ipv4) hosts.insert(s.name);
        }
      }
    }
    return hosts;
  }
  // Waits (60 s at most) until the router's next hops for `prefix` are `want`.
  bool EventuallyNextHops(const std::string& prefix, const std::set<std::string>& want) {
    std::set<std::string> seen;
    for (int i = 0; i < 600; ++i) {
      seen = RouterNextHops(prefix);
      if (seen == want) return true;
      absl::SleepFor(absl::Milliseconds(100));
    }
    ADD_FAILURE() << prefix << ": router's next hops [" << absl::StrJoin(seen, ",") << "], want ["
                  << absl::StrJoin(want, ",") << "]";
    return false;
  }
};

TEST_F(KubeManifestsBgpLabTest, NextHopsFollowNodesAndLocalEndpoints) {
  // A Cluster Service from the BGP pool: every node is a next hop, and the client behind the
  // router reaches a node's backend through it.
  nlohmann::json cluster = ServiceObject("lab", "cluster", "");
  cluster["metadata"]["annotations"]["ironlb.io/pool"] = "routed";
  api_->Put(kServices, cluster);
  const std::string vip = EventuallyAddressOf("cluster");
  ASSERT_TRUE(absl::StartsWith(vip, "10.90.100.")) << vip;
  ASSERT_TRUE(EventuallyNextHops(vip + "/32", {"s0", "s1", "s2"}));
  auto who = ProbeOnce(lab_->outside_client()->netns, vip, 8080, Protocol::kTcp, absl::Seconds(2));
  EXPECT_THAT(who, IsOk());

  // A Local Service: only the node with a ready endpoint, following the EndpointSlice.
  nlohmann::json local = ServiceObject("lab", "local", "", "Local");
  local["metadata"]["annotations"]["ironlb.io/pool"] = "routed";
  api_->Put(kServices, local);
  api_->Put("discovery.k8s.io/v1/endpointslices",
            EndpointSliceObject("lab", "local", "local-1", {{"s1"}}));
  const std::string local_vip = EventuallyAddressOf("local");
  ASSERT_TRUE(absl::StartsWith(local_vip, "10.90.100.")) << local_vip;
  EXPECT_TRUE(EventuallyNextHops(local_vip + "/32", {"s1"}));
  api_->Put("discovery.k8s.io/v1/endpointslices",
            EndpointSliceObject("lab", "local", "local-1", {{"s1", false}, {"s2"}}));
  EXPECT_TRUE(EventuallyNextHops(local_vip + "/32", {"s2"}));

  // A node removed from the cluster withdraws its routes.
  ASSERT_TRUE(api_->Remove(kNodes, "", "s0"));
  EXPECT_TRUE(EventuallyNextHops(vip + "/32", {"s1", "s2"}));
  EXPECT_TRUE(EventuallyNextHops(local_vip + "/32", {"s2"}));
  EXPECT_EQ(AddressOf("cluster"), vip);
  EXPECT_EQ(AddressOf("local"), local_vip);
}

}  // namespace
}  // namespace ironlb::lab

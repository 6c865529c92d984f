// `ironlbctl explain` through the dispatcher with a fixed node list: the owner and the order of
// takeover, and the reason each other node, pool and Service was passed over.
#include "ctl/explain_command.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/str_join.h"
#include "config/loader.h"
#include "controller/manifest_reader.h"
#include "ctl/cli.h"
#include "ctl/explain.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "speaker/layer2/membership/owner_election.h"
#include "test/support/status_matchers.h"

namespace ironlb::ctl {
namespace {

namespace fs = std::filesystem;
using ::ironlb::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr char kConfig[] = R"(apiVersion: ironlb.io/v1alpha1
kind: AddressPool
metadata: {name: lan}
spec: {addresses: [192.0.2.0/28]}
---
apiVersion: ironlb.io/v1alpha1
kind: AddressPool
metadata: {name: dmz}
spec:
  addresses: [198.51.100.0/28]
  serviceAllocation: {priority: 10, namespaces: [dmz]}
---
apiVersion: ironlb.io/v1alpha1
kind: AddressPool
metadata: {name: gold}
spec:
  addresses: [198.51.100.16/28]
  serviceAllocation:
    priority: 5
    serviceSelectors: [{matchLabels: {tier: gold}}]
---
apiVersion: ironlb.io/v1alpha1
kind: AddressPool
metadata: {name: manual}
spec: {addresses: [203.0.113.0/28], autoAssign: false}
---
apiVersion: ironlb.io/v1alpha1
kind: L2Advertisement
metadata: {name: lan-l2}
spec:
  ipAddressPools: [lan, manual]
  interfaces: [eth0]
  nodeSelectors: [{matchLabels: {zone: a}}]
---
apiVersion: ironlb.io/v1alpha1
kind: BGPPeer
metadata: {name: tor}
spec: {myASN: 64500, peerASN: 64501, peerAddress: 10.0.0.1, nodeSelectors: [{matchLabels: {bgp: "yes"}}]}
---
apiVersion: ironlb.io/v1alpha1
kind: BGPAdvertisement
metadata: {name: dmz-bgp}
spec: {ipAddressPools: [dmz], communities: ["64500:100"], localPref: 200, nodeSelectors: [{matchLabels: {rack: "1"}}]}
)";

constexpr char kServices[] = R"(apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop, annotations: {ironlb.io/sharing-key: k}}
spec: {type: LoadBalancer, ports: [{port: 80}]}
---
apiVersion: v1
kind: Service
metadata: {name: web-tls, namespace: shop, annotations: {ironlb.io/sharing-key: k}}
spec: {type: LoadBalancer, ports: [{port: 443}]}
---
apiVersion: v1
kind: Service
metadata: {name: web-clash, namespace: shop, annotations: {ironlb.io/sharing-key: k}}
spec: {type: LoadBalancer, ports: [{port: 80}]}
---
apiVersion: v1
kind: Service
metadata: {name: api, namespace: dmz}
spec: {type: LoadBalancer, ports: [{port: 443}]}
---
apiVersion: v1
kind: Service
metadata: {name: pinned, namespace: shop, annotations: {ironlb.io/pool: manual}}
spec: {type: LoadBalancer, ports: [{port: 22}]}
---
apiVersion: v1
kind: Service
metadata: {name: lost, namespace: shop, annotations: {ironlb.io/pool: nowhere}}
spec: {type: LoadBalancer, ports: [{port: 22}]}
---
apiVersion: v1
kind: Service
metadata: {name: asks, namespace: shop, annotations: {ironlb.io/addresses: 203.0.113.7}}
spec: {type: LoadBalancer, ports: [{port: 25}]}
)";

// n1, n2, n5 qualify; n3 has the wrong zone, n4 the wrong interface, n6 is still joining.
constexpr char kNodes[] =
    "n1@eth0:zone=a;bgp=yes;rack=1,n2@eth0:zone=a;bgp=yes,n3@eth0:zone=b,n4@eth1:zone=a,"
    "n5@eth0:zone=a";

class ExplainCommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("ironlb-explain-test-" + std::to_string(getpid()));
    fs::create_directories(dir_);
    std::ofstream(dir_ / "config.yaml") << kConfig;
    std::ofstream(dir_ / "services.yaml") << kServices;
  }
  void TearDown() override { fs::remove_all(dir_); }

  int Run(const std::vector<std::string>& args, const std::string& nodes = kNodes,
          const std::string& output = "json") {
    std::vector<std::string> argv = args;
    argv.insert(argv.end(), {"--config-dir", dir_.string(), "-o", output, "--status-socket",
                             (dir_ / "no-speaker.sock").string()});
    if (!nodes.empty()) argv.insert(argv.end(), {"--nodes", nodes});
    out_.str("");
    err_.str("");
    return RunCli(argv, out_, err_);
  }
  nlohmann::json Explained(const std::string& service, const std::string& nodes = kNodes) {
    EXPECT_EQ(Run({"explain", service}, nodes), 0) << err_.str();
    return nlohmann::json::parse(out_.str());
  }

  fs::path dir_;
  std::ostringstream out_;
  std::ostringstream err_;
};

std::vector<std::string> Strings(const nlohmann::json& j) {
  return j.get<std::vector<std::string>>();
}

std::map<std::string, std::string> WhyNot(const nlohmann::json& layer2) {
  std::map<std::string, std::string> out;
  for (const auto& n : layer2["not_eligible"]) out[n["node"]] = n["why"];
  return out;
}

TEST_F(ExplainCommandTest, Layer2OwnerIsTheHashWinnerAmongEligibleNodes) {
  const nlohmann::json j = Explained("shop/web");
  ASSERT_EQ(j["status"], "assigned");
  ASSERT_EQ(j["layer2"].size(), 1u);
  const nlohmann::json& l2 = j["layer2"][0];
  const IpAddress vip = *IpAddress::Parse(l2["vip"].get<std::string>());
  EXPECT_EQ(Strings(j["addresses"]), std::vector<std::string>{vip.ToString()});
  EXPECT_THAT(Strings(l2["advertisements"]), ElementsAre("lan-l2"));
  // The speakers' own election over the nodes this test knows are eligible.
  EXPECT_EQ(l2["owner"], *speaker::OwnerFor(vip, {"n1", "n2", "n5"}));
  EXPECT_EQ(Strings(l2["eligible"]), speaker::PreferenceOrder(vip, {"n1", "n2", "n5"}));
  // Golden: the address comes from a stable hash of the name, the owner from a stable hash of
  // (node, address); a change here moves VIPs between releases.
  EXPECT_EQ(vip.ToString(), "192.0.2.5");
  EXPECT_THAT(Strings(l2["eligible"]), ElementsAre("n5", "n2", "n1"));
  const auto why = WhyNot(l2);
  ASSERT_EQ(why.size(), 2u);
  EXPECT_THAT(why.at("n3"), HasSubstr("nodeSelectors (zone=a) do not match its labels (zone=b)"));
  EXPECT_THAT(why.at("n4"), HasSubstr("interface eth1 is not in interfaces [eth0]"));
}

TEST_F(ExplainCommandTest, NodesWithoutInterfaceAreJudgedByLabelsWithANote) {
  const nlohmann::json j = Explained("shop/web", "n1:zone=a,n3:zone=b");
  EXPECT_EQ(j["layer2"][0]["owner"], "n1");
  EXPECT_THAT(WhyNot(j["layer2"][0]).at("n3"), HasSubstr("nodeSelectors (zone=a)"));
  EXPECT_THAT(j["notes"].dump(), HasSubstr("interfaces were not checked"));
}

TEST_F(ExplainCommandTest, NodesFromTheSpeakerStatusIncludeReadinessAndLabels) {
  status::v1::SpeakerState s;
  s.set_node("n1");
  (*s.mutable_node_labels())["zone"] = "a";
  auto* seg = s.add_segments();
  seg->set_interface("eth0");
  seg->set_ready(true);
  auto* p = seg->add_peers();
  p->set_node("n2");
  p->set_interface("eth0");
  p->set_ready(false);
  (*p->mutable_labels())["zone"] = "a";
  const std::vector<NodeGroup> groups = NodeGroupsFromStatus(s);
  ASSERT_EQ(groups.size(), 1u);
  EXPECT_EQ(groups[0].segment, "eth0");
  ASSERT_EQ(groups[0].nodes.size(), 2u);
  EXPECT_EQ(groups[0].nodes[0].name, "n1");
  EXPECT_EQ(groups[0].nodes[0].labels.at("zone"), "a");
  EXPECT_EQ(groups[0].nodes[1].name, "n2");
  EXPECT_FALSE(groups[0].nodes[1].ready);
  EXPECT_EQ(groups[0].nodes[1].interface, "eth0");
}

TEST_F(ExplainCommandTest, AJoiningNodeIsNotEligibleYet) {
  const config::LoadResult cfg = config::LoadDirectory(dir_.string());
  ASSERT_TRUE(cfg.ok());
  controller::ManifestReader reader;
  reader.AddPath(dir_.string());
  const controller::ServiceManifests m = std::move(reader).Finish();
  ExplainInput in{.config = &cfg.config, .namespaces = &m.namespaces, .services = &m.services};
  in.nodes.push_back({.segment = "eth0",
                      .nodes = {{"n1", {{"zone", "a"}}, "eth0", true, "", std::nullopt},
                                {"n5", {{"zone", "a"}}, "eth0", false, "", std::nullopt}}});
  absl::StatusOr<Explanation> e = Explain(in, "shop/web");
  ASSERT_TRUE(e.ok()) << e.status();
  ASSERT_EQ(e->layer2.size(), 1u);
  EXPECT_EQ(e->layer2[0].segment, "eth0");
  EXPECT_EQ(e->layer2[0].owner, "n1");  // n5 would win the hash, but is not ready
  ASSERT_EQ(e->layer2[0].not_eligible.size(), 1u);
  EXPECT_THAT(e->layer2[0].not_eligible[0].why_not, HasSubstr("not ready"));
  EXPECT_THAT(Explain(in, "shop/nope").status(),
              StatusIs(absl::StatusCode::kNotFound, "shop/nope"));
}

TEST_F(ExplainCommandTest, ALocalCheckNotPassingMakesANodeIneligibleWithItsReason) {
  config::LoadResult cfg = config::LoadDirectory(dir_.string());
  ASSERT_TRUE(cfg.ok());
  ASSERT_EQ(cfg.config.l2_advertisements[0].meta.name, "lan-l2");
  cfg.config.l2_advertisements[0].local_check =
      config::LocalCheck{.check = {.port = 6443}, .address = *IpAddress::Parse("127.0.0.1")};
  controller::ManifestReader reader;
  reader.AddPath(dir_.string());
  const controller::ServiceManifests m = std::move(reader).Finish();
  ExplainInput in{.config = &cfg.config, .namespaces = &m.namespaces, .services = &m.services};
  // n5 wins the hash among n1, n2, n5 (see above), but its check does not pass.
  in.nodes.push_back(
      {.segment = "eth0",
       .nodes = {{"n1", {{"zone", "a"}}, "eth0", true, "", std::set<std::string>{"lan-l2"}},
                 {"n2", {{"zone", "a"}}, "eth0", true, "", std::set<std::string>{"lan-l2"}},
                 {"n5", {{"zone", "a"}}, "eth0", true, "", std::set<std::string>{}}}});
  absl::StatusOr<Explanation> e = Explain(in, "shop/web");
  ASSERT_TRUE(e.ok()) << e.status();
  ASSERT_EQ(e->layer2.size(), 1u);
  EXPECT_EQ(e->layer2[0].owner, "n2");
  ASSERT_EQ(e->layer2[0].not_eligible.size(), 1u);
  EXPECT_EQ(e->layer2[0].not_eligible[0].node, "n5");
  EXPECT_EQ(e->layer2[0].not_eligible[0].why_not,
            "lan-l2: its localCheck (TCP 127.0.0.1:6443) is not passing on it");
  // Checks unknown (nodes given by hand): taken as passing, with a note.
  in.nodes[0].nodes[2].passing_checks.reset();
  e = Explain(in, "shop/web");
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_EQ(e->layer2[0].owner, "n5");
  EXPECT_THAT(absl::StrJoin(e->notes, "\n"), HasSubstr("localChecks are unknown"));
}

TEST_F(ExplainCommandTest, PassingChecksComeFromTheSpeakerStatus) {
  status::v1::SpeakerState s;
  s.set_node("n1");
  auto* c = s.add_local_checks();
  c->set_advertisement("lan-l2");
  c->set_passing(true);
  auto* seg = s.add_segments();
  seg->set_interface("eth0");
  auto* p = seg->add_peers();
  p->set_node("n2");
  const std::vector<NodeGroup> groups = NodeGroupsFromStatus(s);
  ASSERT_EQ(groups[0].nodes.size(), 2u);
  EXPECT_EQ(groups[0].nodes[0].passing_checks, std::set<std::string>{"lan-l2"});
  EXPECT_EQ(groups[0].nodes[1].passing_checks, std::set<std::string>{});
}

TEST_F(ExplainCommandTest, AutoAssignPoolsInPriorityOrderWithReasons) {
  const nlohmann::json j = Explained("dmz/api");
  EXPECT_EQ(j["pool"], "dmz");
  ASSERT_EQ(j["pools"].size(), 4u);
  EXPECT_EQ(j["pools"][0]["pool"], "dmz");
  EXPECT_TRUE(j["pools"][0]["chosen"]);
  EXPECT_THAT(j["pools"][0]["why"].get<std::string>(), HasSubstr("priority 10"));
  EXPECT_EQ(j["pools"][1]["pool"], "lan");
  EXPECT_THAT(j["pools"][1]["why"].get<std::string>(), HasSubstr("not needed"));
  std::map<std::string, std::string> why;
  for (const auto& p : j["pools"]) why[p["pool"]] = p["why"];
  EXPECT_THAT(why["gold"], HasSubstr("serviceSelectors (tier=gold), not the Service's labels"));
  EXPECT_THAT(why["manual"], HasSubstr("autoAssign: false"));

  const nlohmann::json shop = Explained("shop/web");
  for (const auto& p : shop["pools"]) why[p["pool"]] = p["why"];
  EXPECT_THAT(why["dmz"],
              HasSubstr("does not serve namespace \"shop\" (serviceAllocation serves only "
                        "namespaces \"dmz\")"));
}

TEST_F(ExplainCommandTest, BgpRoutesPerNodeWithAttributesAndReasons) {
  const nlohmann::json j = Explained("dmz/api");
  EXPECT_THAT(j["layer2_none"].get<std::string>(), HasSubstr("no L2Advertisement selects pool"));
  std::map<std::string, nlohmann::json> by_node;
  for (const auto& n : j["bgp"]) by_node[n["node"]] = n;
  ASSERT_EQ(by_node["n1"]["routes"].size(), 1u);
  const nlohmann::json& r = by_node["n1"]["routes"][0];
  EXPECT_EQ(r["prefix"], j["addresses"][0].get<std::string>() + "/32");
  EXPECT_EQ(r["peer"], "tor");
  EXPECT_THAT(Strings(r["communities"]), ElementsAre("64500:100"));
  EXPECT_EQ(r["local_pref"], 200);
  EXPECT_TRUE(r["link_bandwidth_mbps"].is_null());  // the advertisement does not weigh
  EXPECT_THAT(by_node["n2"]["why_not"].get<std::string>(),
              HasSubstr("do not select its labels (bgp=yes,zone=a)"));
  EXPECT_THAT(by_node["n3"]["why_not"].get<std::string>(), HasSubstr("no BGPPeer"));
}

TEST_F(ExplainCommandTest, BgpRoutesShowTheLinkBandwidthOfWeightedAdvertisements) {
  std::string config = kConfig;
  const std::string plain = "localPref: 200,";
  ASSERT_NE(config.find(plain), std::string::npos);
  config.replace(config.find(plain), plain.size(), "localPref: 200, weightByEndpoints: true,");
  std::ofstream(dir_ / "config.yaml") << config;
  const nlohmann::json j = Explained("dmz/api");
  std::map<std::string, nlohmann::json> by_node;
  for (const auto& n : j["bgp"]) by_node[n["node"]] = n;
  ASSERT_EQ(by_node["n1"]["routes"].size(), 1u);
  // A Cluster Service: the same weight, 1 Mbps, on every announcing node.
  EXPECT_EQ(by_node["n1"]["routes"][0]["link_bandwidth_mbps"], 1);
  ASSERT_EQ(Run({"explain", "dmz/api"}, kNodes, "table"), 0) << err_.str();
  EXPECT_THAT(out_.str(), HasSubstr("LINK-BANDWIDTH"));
  EXPECT_THAT(out_.str(), HasSubstr("1 Mbps"));
}

TEST_F(ExplainCommandTest, SharingWithWhomAndWhyNot) {
  const nlohmann::json web = Explained("shop/web");
  EXPECT_THAT(Strings(web["shared_with"]), ElementsAre("shop/web-tls"));
  EXPECT_THAT(web["sharing"].get<std::string>(), HasSubstr("with shop/web-tls"));
  const nlohmann::json clash = Explained("shop/web-clash");
  EXPECT_THAT(clash["sharing"].get<std::string>(),
              HasSubstr("port TCP/80 already used on 192.0.2.5 by shop/web"));
  const nlohmann::json api = Explained("dmz/api");
  EXPECT_THAT(api["sharing"].get<std::string>(), HasSubstr("no ironlb.io/sharing-key"));
}

TEST_F(ExplainCommandTest, AnnotatedPoolRequestedAddressAndPendingReason) {
  const nlohmann::json pinned = Explained("shop/pinned");
  EXPECT_EQ(pinned["pool"], "manual");
  EXPECT_THAT(pinned["pool_reason"].get<std::string>(), HasSubstr("pool annotation"));
  const nlohmann::json asks = Explained("shop/asks");
  EXPECT_EQ(Strings(asks["addresses"]), std::vector<std::string>{"203.0.113.7"});
  EXPECT_THAT(asks["pool_reason"].get<std::string>(),
              HasSubstr("ironlb.io/addresses requests 203.0.113.7, in pool \"manual\""));
  const nlohmann::json lost = Explained("shop/lost");
  EXPECT_EQ(lost["status"], "pending");
  EXPECT_THAT(lost["reason"].get<std::string>(), HasSubstr("pool \"nowhere\" does not exist"));
  EXPECT_TRUE(lost["layer2"].empty());
}

TEST_F(ExplainCommandTest, TableForPeople) {
  ASSERT_EQ(Run({"explain", "shop/web"}, kNodes, "table"), 0) << err_.str();
  EXPECT_THAT(out_.str(), HasSubstr("Layer 2: 192.0.2.5 (L2Advertisements: lan-l2)"));
  EXPECT_THAT(out_.str(), HasSubstr("owner: n5"));
  EXPECT_THAT(out_.str(), HasSubstr("1     n5    yes (owner)"));
}

TEST_F(ExplainCommandTest, BadUsageAndUnknownService) {
  EXPECT_EQ(Run({"explain"}), 2);
  EXPECT_EQ(Run({"explain", "web"}), 2);
  EXPECT_THAT(err_.str(), HasSubstr("NAMESPACE/NAME"));
  EXPECT_EQ(Run({"explain", "shop/web"}, "n1:zone"), 2);
  EXPECT_THAT(err_.str(), HasSubstr("--nodes: label \"zone\""));
  EXPECT_EQ(Run({"explain", "shop/nope"}), 1);
  EXPECT_THAT(err_.str(), HasSubstr("no Service \"shop/nope\""));
  // No --nodes and no speaker: still explained, with a note saying why there is no owner.
  EXPECT_EQ(Run({"explain", "shop/web"}, ""), 0) << err_.str();
  EXPECT_THAT(out_.str(), HasSubstr("no node facts"));
}

TEST(ParseNodesFlagTest, NamesInterfacesLabelsAndErrors) {
  auto n = ParseNodesFlag("a@eth0:zone=x;rack=1, b ,c:zone=y");
  ASSERT_TRUE(n.ok()) << n.status();
  ASSERT_EQ(n->size(), 3u);
  EXPECT_EQ((*n)[0].name, "a");
  EXPECT_EQ((*n)[0].interface, "eth0");
  EXPECT_EQ((*n)[0].labels, (config::Labels{{"rack", "1"}, {"zone", "x"}}));
  EXPECT_EQ((*n)[1].name, "b");
  EXPECT_TRUE((*n)[1].interface.empty());
  EXPECT_EQ((*n)[2].labels, (config::Labels{{"zone", "y"}}));
  EXPECT_THAT(ParseNodesFlag("a,a").status(),
              StatusIs(absl::StatusCode::kInvalidArgument, "given twice"));
  EXPECT_THAT(ParseNodesFlag("a@:x=1").status(),
              StatusIs(absl::StatusCode::kInvalidArgument, "empty interface"));
  EXPECT_THAT(ParseNodesFlag(":x=1").status(),
              StatusIs(absl::StatusCode::kInvalidArgument, "no node name"));
  EXPECT_THAT(ParseNodesFlag("").status(),
              StatusIs(absl::StatusCode::kInvalidArgument, "no node given"));
}

}  // namespace
}  // namespace ironlb::ctl

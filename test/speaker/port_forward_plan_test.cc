// The router plan from real configuration and Service manifests (parsed as the speaker parses
// them): which outside ports go where, who keeps a contested port, source NAT, and how problems
// are reported without disturbing the other forwards.
#include "speaker/router/port_forward_plan.h"

#include <map>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "config/loader.h"
#include "controller/manifest_reader.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "test/support/status_matchers.h"

namespace ironlb::speaker {
namespace {

using ::ironlb::testing::IsOk;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::StartsWith;
using ::testing::UnorderedElementsAre;

// The router's routing, as the test says it is.
class FakeRoutes : public RouteFacts {
 public:
  std::string EgressInterface(const IpAddress& a) const override {
    auto it = egress.find(a.ToString());
    return it == egress.end() ? "" : it->second;
  }
  std::string InterfaceHolding(const IpAddress& a) const override {
    auto it = holding.find(a.ToString());
    return it == holding.end() ? "" : it->second;
  }
  std::map<std::string, std::string> egress;
  std::map<std::string, std::string> holding;
};

constexpr char kPools[] = R"(apiVersion: ironlb.io/v1alpha1
kind: AddressPool
metadata: {name: lan}
spec: {addresses: [10.90.0.100-10.90.0.120, "fd00:90::100/124"]}
---
)";

std::string Svc(const std::string& name, const std::string& metadata, const std::string& spec) {
  return absl::StrCat("apiVersion: v1\nkind: Service\nmetadata:\n  name: ", name,
                      "\n  namespace: shop\n", metadata, "spec:\n  type: LoadBalancer\n", spec,
                      "---\n");
}

struct Planned {
  PortForwardPlan plan;
  // "outside proto/port -> target:port [snat]" for each forward
  std::vector<std::string> lines;
};

Planned PlanFor(const std::string& forwards, const std::string& services,
                const FakeRoutes& routes = FakeRoutes()) {
  config::ConfigReader reader;
  reader.AddYaml(absl::StrCat(kPools, forwards), "config.yaml");
  config::LoadResult config = std::move(reader).Finish();
  EXPECT_TRUE(config.ok()) << (config.diagnostics.empty() ? "" : config.diagnostics[0].ToString());
  controller::ManifestReader manifests;
  manifests.AddText(services, "services.yaml");
  controller::ServiceManifests m = std::move(manifests).Finish();
  EXPECT_TRUE(m.ok()) << (m.diagnostics.empty() ? "" : m.diagnostics[0].ToString());
  controller::PlanOutput allocations = controller::Plan(config.config, m.namespaces, m.services);
  Planned out;
  out.plan = PlanPortForwards(config.config, Assign(m.services, std::move(allocations)), routes);
  for (const nft::PortForwardEntry& f : out.plan.forwards) {
    out.lines.push_back(
        absl::StrCat(f.outside_address ? f.outside_address->ToString() : f.outside_interface, " ",
                     nft::L4ProtocolName(f.protocol), "/", f.port, " -> ",
                     f.target_address.ToString(), ":", f.target_port, f.source_nat ? " snat" : "",
                     f.source_nat_address ? " to " + f.source_nat_address->ToString() : ""));
  }
  nft::DesiredState state;
  state.forwards = out.plan.forwards;
  EXPECT_THAT(nft::ValidateDesiredState(state), IsOk());  // nft/ takes the whole plan
  EXPECT_EQ(out.plan.info.size(), out.plan.forwards.size());
  return out;
}

constexpr char kHome[] = R"(apiVersion: ironlb.io/v1alpha1
kind: PortForward
metadata: {name: home}
spec:
  addresses: [203.0.113.5, "2001:db8::5"]
  interfaces: [wan0]
)";

TEST(PortForwardPlanTest, AnnotatedServiceIsForwardedTcpAndUdpOnEveryOutsideAndFamily) {
  Planned p = PlanFor(kHome, Svc("web",
                                 "  annotations: {ironlb.io/forward-from: home, "
                                 "ironlb.io/addresses: \"10.90.0.100,fd00:90::100\"}\n",
                                 "  ipFamilyPolicy: RequireDualStack\n"
                                 "  ports: [{protocol: TCP, port: 443}, {protocol: UDP, port: "
                                 "443}]\n"));
  EXPECT_THAT(p.lines,
              UnorderedElementsAre(
                  "203.0.113.5 tcp/443 -> 10.90.0.100:443", "wan0 tcp/443 -> 10.90.0.100:443",
                  "2001:db8::5 tcp/443 -> fd00:90::100:443", "wan0 tcp/443 -> fd00:90::100:443",
                  "203.0.113.5 udp/443 -> 10.90.0.100:443", "wan0 udp/443 -> 10.90.0.100:443",
                  "2001:db8::5 udp/443 -> fd00:90::100:443", "wan0 udp/443 -> fd00:90::100:443"));
  EXPECT_THAT(p.plan.conflicts, IsEmpty());
  EXPECT_THAT(p.plan.problems, IsEmpty());
  EXPECT_EQ(p.plan.info[0].group, "home");
  EXPECT_EQ(p.plan.info[0].source, "shop/web");
  // Names are unique: they label the per-forward counters.
  std::set<std::string> names;
  for (const auto& f : p.plan.forwards) names.insert(f.name);
  EXPECT_EQ(names.size(), p.plan.forwards.size());
}

TEST(PortForwardPlanTest, SelectorsPickServicesByLabelAndNoSelectorPicksNone) {
  const std::string forwards = R"(apiVersion: ironlb.io/v1alpha1
kind: PortForward
metadata: {name: games}
spec:
  interfaces: [wan0]
  serviceSelectors: [{matchLabels: {expose: internet}}]
---
apiVersion: ironlb.io/v1alpha1
kind: PortForward
metadata: {name: quiet}
spec: {interfaces: [wan1]}
)";
  Planned p = PlanFor(
      forwards,
      Svc("mc", "  labels: {expose: internet}\n", "  ports: [{protocol: TCP, port: 25565}]\n") +
          Svc("db", "  labels: {expose: lan}\n", "  ports: [{protocol: TCP, port: 5432}]\n"));
  ASSERT_THAT(p.lines, ElementsAre(StartsWith("wan0 tcp/25565 -> 10.90.0.")));
  EXPECT_EQ(p.plan.info[0].source, "shop/mc");
  EXPECT_EQ(p.plan.forwards[0].name, "games/shop/mc/tcp/25565@wan0/ipv4");
}

TEST(PortForwardPlanTest, OlderServiceKeepsAContestedPortWhateverTheInputOrder) {
  const std::string older = Svc("a-new-name",
                                "  creationTimestamp: \"2023-01-01T00:00:00Z\"\n"
                                "  annotations: {ironlb.io/forward-from: home}\n",
                                "  ports: [{protocol: TCP, port: 80}]\n");
  const std::string newer = Svc("newer",
                                "  creationTimestamp: \"2024-01-01T00:00:00Z\"\n"
                                "  annotations: {ironlb.io/forward-from: home}\n",
                                "  ports: [{protocol: TCP, port: 80}, {protocol: TCP, port: "
                                "8080}]\n");
  for (const std::string& services : {older + newer, newer + older}) {
    Planned p = PlanFor(kHome, services);
    // a-new-name got 10.90.0.100 or .101 depending on order; find it by the plan's info.
    std::map<std::string, std::set<std::string>> by_source;
    for (size_t i = 0; i < p.lines.size(); ++i) {
      by_source[p.plan.info[i].source].insert(p.lines[i].substr(0, p.lines[i].find(" ->")));
    }
    EXPECT_THAT(by_source["shop/a-new-name"],
                UnorderedElementsAre("203.0.113.5 tcp/80", "wan0 tcp/80"));
    // The newer keeps its uncontested port; only the contested one is left out.
    EXPECT_THAT(by_source["shop/newer"],
                UnorderedElementsAre("203.0.113.5 tcp/8080", "wan0 tcp/8080"));
    ASSERT_EQ(p.plan.conflicts.size(), 2u);
    const ForwardConflict& c = p.plan.conflicts[0];
    EXPECT_EQ(c.service, "shop/newer");
    EXPECT_EQ(c.holder, "shop/a-new-name");
    EXPECT_EQ(c.port, 80);
    EXPECT_EQ(c.protocol, "tcp");
    EXPECT_EQ(c.group, "home");
    EXPECT_THAT(c.message, HasSubstr("Service shop/newer is not forwarded on 203.0.113.5 tcp/80 "
                                     "(PortForward \"home\"): the older Service shop/a-new-name "
                                     "already forwards it to 10.90.0."));
  }
}

TEST(PortForwardPlanTest, WithoutTimestampsNamespaceAndNameDecide) {
  const std::string spec = "  ports: [{protocol: UDP, port: 53}]\n";
  const std::string meta = "  annotations: {ironlb.io/forward-from: home}\n";
  Planned p = PlanFor(kHome, Svc("zeta", meta, spec) + Svc("alpha", meta, spec));
  ASSERT_FALSE(p.plan.conflicts.empty());
  EXPECT_EQ(p.plan.conflicts[0].service, "shop/zeta");
  // A Service with a timestamp counts as older than one without.
  Planned q = PlanFor(kHome, Svc("zeta",
                                 "  creationTimestamp: \"2024-01-01T00:00:00Z\"\n"
                                 "  annotations: {ironlb.io/forward-from: home}\n",
                                 spec) +
                                 Svc("alpha", meta, spec));
  ASSERT_FALSE(q.plan.conflicts.empty());
  EXPECT_EQ(q.plan.conflicts[0].service, "shop/alpha");
}

TEST(PortForwardPlanTest, ExplicitTargetsAreNeverDisplacedByServices) {
  const std::string forwards = R"(apiVersion: ironlb.io/v1alpha1
kind: PortForward
metadata: {name: home}
spec:
  addresses: [203.0.113.5]
  targets:
  - {protocol: TCP, port: 22, address: 10.90.0.5, targetPort: 2222}
)";
  Planned p = PlanFor(forwards, Svc("ssh",
                                    "  creationTimestamp: \"2020-01-01T00:00:00Z\"\n"
                                    "  annotations: {ironlb.io/forward-from: home}\n",
                                    "  ports: [{protocol: TCP, port: 22}]\n"));
  EXPECT_THAT(p.lines, ElementsAre("203.0.113.5 tcp/22 -> 10.90.0.5:2222"));
  ASSERT_EQ(p.plan.conflicts.size(), 1u);
  EXPECT_EQ(p.plan.conflicts[0].holder, "PortForward/home spec.targets[0]");
  EXPECT_EQ(p.plan.info[0].source, "target[0]");
}

TEST(PortForwardPlanTest, SourceNatAutoOnlyWhenRepliesWouldBypassTheRouter) {
  auto group = [](const std::string& name, const std::string& snat, const std::string& where) {
    return absl::StrCat("apiVersion: ironlb.io/v1alpha1\nkind: PortForward\nmetadata: {name: ",
                        name, "}\nspec:\n  ", where, "\n  sourceNAT: ", snat, "\n---\n");
  };
  const std::string forwards = group("auto-if", "Auto", "interfaces: [wan0]") +
                               group("auto-addr", "Auto", "addresses: [203.0.113.5]") +
                               group("always", "Always", "interfaces: [wan1]") +
                               group("never", "Never", "interfaces: [lan0]");
  const std::string services =
      Svc("web",
          "  annotations: {ironlb.io/forward-from: \"auto-if, auto-addr,always,never\", "
          "ironlb.io/addresses: 10.90.0.100}\n",
          "  ports: [{protocol: TCP, port: 80}]\n");
  FakeRoutes two_armed;  // the LAN is behind lan0; the outside is wan0 / wan1
  two_armed.egress["10.90.0.100"] = "lan0";
  two_armed.holding["203.0.113.5"] = "wan0";
  EXPECT_THAT(
      PlanFor(forwards, services, two_armed).lines,
      UnorderedElementsAre("wan0 tcp/80 -> 10.90.0.100:80", "203.0.113.5 tcp/80 -> 10.90.0.100:80",
                           "wan1 tcp/80 -> 10.90.0.100:80 snat", "lan0 tcp/80 -> 10.90.0.100:80"));
  FakeRoutes one_armed;  // everything on wan0: the VIP answers via its own gateway
  one_armed.egress["10.90.0.100"] = "wan0";
  one_armed.holding["203.0.113.5"] = "wan0";
  EXPECT_THAT(PlanFor(forwards, services, one_armed).lines,
              UnorderedElementsAre(
                  "wan0 tcp/80 -> 10.90.0.100:80 snat", "203.0.113.5 tcp/80 -> 10.90.0.100:80 snat",
                  "wan1 tcp/80 -> 10.90.0.100:80 snat", "lan0 tcp/80 -> 10.90.0.100:80"));
  // Unknown routes (no route yet, address not up yet): no source NAT.
  EXPECT_THAT(
      PlanFor(forwards, services).lines,
      UnorderedElementsAre("wan0 tcp/80 -> 10.90.0.100:80", "203.0.113.5 tcp/80 -> 10.90.0.100:80",
                           "wan1 tcp/80 -> 10.90.0.100:80 snat", "lan0 tcp/80 -> 10.90.0.100:80"));
}

// An HA pair's replies come back to a floating address held with the outside address (issue
// 16): source NAT goes to the address of the target's family; a family without one masquerades.
TEST(PortForwardPlanTest, SourceNatAddressOfTheTargetsFamily) {
  const std::string forwards =
      "apiVersion: ironlb.io/v1alpha1\nkind: PortForward\nmetadata: {name: ha}\nspec:\n"
      "  addresses: [203.0.113.5, \"2001:db8::5\"]\n  sourceNAT: Always\n"
      "  sourceNATAddresses: [10.90.0.250]\n---\n"
      "apiVersion: ironlb.io/v1alpha1\nkind: PortForward\nmetadata: {name: auto}\nspec:\n"
      "  interfaces: [wan0]\n  sourceNATAddresses: [10.90.0.251]\n---\n";
  const std::string services =
      Svc("web",
          "  annotations: {ironlb.io/forward-from: \"ha,auto\", ironlb.io/addresses: "
          "\"10.90.0.100,fd00:90::100\"}\n",
          "  ipFamilyPolicy: RequireDualStack\n  ports: [{protocol: TCP, port: 80}]\n");
  FakeRoutes two_armed;  // Auto: the LAN is behind lan0, so no source NAT on wan0
  two_armed.egress["10.90.0.100"] = "lan0";
  EXPECT_THAT(
      PlanFor(forwards, services, two_armed).lines,
      UnorderedElementsAre("203.0.113.5 tcp/80 -> 10.90.0.100:80 snat to 10.90.0.250",
                           "2001:db8::5 tcp/80 -> fd00:90::100:80 snat",
                           "wan0 tcp/80 -> 10.90.0.100:80", "wan0 tcp/80 -> fd00:90::100:80"));
  FakeRoutes one_armed;
  one_armed.egress["10.90.0.100"] = "wan0";
  EXPECT_THAT(PlanFor(forwards, services, one_armed).lines,
              ::testing::Contains("wan0 tcp/80 -> 10.90.0.100:80 snat to 10.90.0.251"));
}

TEST(PortForwardPlanTest, BadInputIsReportedByNameAndTheRestIsForwarded) {
  const std::string fwd = "  annotations: {ironlb.io/forward-from: ";
  Planned p = PlanFor(
      kHome,
      Svc("typo", fwd + "hom}\n", "  ports: [{protocol: TCP, port: 1}]\n") +
          Svc("sctp", fwd + "home}\n",
              "  ports: [{protocol: SCTP, port: 3}, {protocol: TCP, port: 3}]\n") +
          Svc("pending", fwd + "home, ironlb.io/addresses: 192.0.2.1}\n",
              "  ports: [{protocol: TCP, port: 4}]\n") +
          "apiVersion: v1\nkind: Service\nmetadata:\n  name: cluster-ip\n  namespace: shop\n" +
          fwd + "home}\nspec: {type: ClusterIP, ports: [{protocol: TCP, port: 5}]}\n");
  const std::string problems = absl::StrJoin(p.plan.problems, "\n");
  EXPECT_THAT(problems, HasSubstr("Service shop/typo: ironlb.io/forward-from names PortForward "
                                  "\"hom\", which does not exist"));
  EXPECT_THAT(problems, HasSubstr("Service shop/sctp: SCTP port 3 is not forwarded"));
  EXPECT_THAT(problems, HasSubstr("Service shop/pending: not forwarded by PortForward \"home\" "
                                  "yet: it has no address ("));
  EXPECT_THAT(problems, HasSubstr("Service shop/cluster-ip: not forwarded by PortForward "
                                  "\"home\": ironlb does not serve it ("));
  std::set<std::string> forwarded;
  for (const ForwardInfo& i : p.plan.info) forwarded.insert(i.source);
  EXPECT_THAT(forwarded, UnorderedElementsAre("shop/sctp"));
}

TEST(PortForwardPlanTest, AForwardTheKernelWouldRefuseStaysOutAlone) {
  const std::string forwards = R"(apiVersion: ironlb.io/v1alpha1
kind: PortForward
metadata: {name: home}
spec: {interfaces: [wan0, an-interface-name-too-long]}
)";
  Planned p = PlanFor(forwards, Svc("web", "  annotations: {ironlb.io/forward-from: home}\n",
                                    "  ports: [{protocol: TCP, port: 80}]\n"));
  EXPECT_THAT(p.lines, ElementsAre(StartsWith("wan0 tcp/80 -> ")));
  ASSERT_EQ(p.plan.problems.size(), 1u);
  EXPECT_THAT(p.plan.problems[0],
              HasSubstr("outside interface name \"an-interface-name-too-long\" is longer than 15"));
}

}  // namespace
}  // namespace ironlb::speaker

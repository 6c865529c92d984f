// Table-driven scenarios, one or more per allocation rule of issue 3. Each scenario is planned
// twice, with the Services in input order and reversed: the result must not change.
#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/str_join.h"
#include "controller/plan.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "test/controller/scenario.h"

namespace ironlb::controller {
namespace {

using testing::PoolBuilder;
using testing::ServiceBuilder;
using P = PoolBuilder;
using S = ServiceBuilder;
constexpr auto kV4 = IpFamily::kV4;
constexpr auto kV6 = IpFamily::kV6;

struct Want {
  std::string service;
  std::string status;         // assigned | pending | ignored
  std::string addresses;      // comma separated
  std::string detail;         // assigned: the pool; otherwise a substring of the reason
  std::string released = "";  // substring of the release reason, when addresses were released
};

struct Scenario {
  std::string name;
  std::vector<config::AddressPool> pools;
  std::vector<Service> services;
  std::vector<Want> want;
  std::map<std::string, Labels> namespaces = {};
  std::optional<std::string> lb_class = std::nullopt;
};

void PrintTo(const Scenario& s, std::ostream* os) { *os << s.name; }

std::string Ips(const std::vector<IpAddress>& ips) {
  return absl::StrJoin(ips, ",",
                       [](std::string* o, const IpAddress& a) { o->append(a.ToString()); });
}

void Check(const Scenario& sc, const std::vector<Service>& services) {
  config::Config cfg;
  cfg.pools = sc.pools;
  PlanOutput out = Plan(cfg, sc.namespaces, services, sc.lb_class);
  for (const Want& w : sc.want) {
    auto it = std::find_if(out.services.begin(), out.services.end(),
                           [&](const PlannedService& p) { return p.service == w.service; });
    ASSERT_NE(it, out.services.end()) << w.service;
    const Allocation& a = it->allocation;
    SCOPED_TRACE(w.service + ": " + std::string(AllocationStatusName(a.status)) + " [" +
                 Ips(a.addresses) + "] pool=" + a.pool + " reason=" + a.reason +
                 " released=" + Ips(a.released) + " (" + a.release_reason + ")");
    EXPECT_EQ(AllocationStatusName(a.status), w.status);
    EXPECT_EQ(Ips(a.addresses), w.addresses);
    if (w.status == "assigned") {
      EXPECT_EQ(a.pool, w.detail);
    } else {
      EXPECT_THAT(a.reason, ::testing::HasSubstr(w.detail));
    }
    if (!w.released.empty()) {
      EXPECT_FALSE(a.released.empty());
      EXPECT_THAT(a.release_reason, ::testing::HasSubstr(w.released));
    } else {
      EXPECT_TRUE(a.released.empty() || a.status == AllocationStatus::kIgnored);
    }
  }
}

class AllocationRulesTest : public ::testing::TestWithParam<Scenario> {};

TEST_P(AllocationRulesTest, PlansAsTheRulesSay) {
  const Scenario& sc = GetParam();
  {
    SCOPED_TRACE("input order");
    Check(sc, sc.services);
  }
  {
    SCOPED_TRACE("reversed order");
    std::vector<Service> reversed(sc.services.rbegin(), sc.services.rend());
    Check(sc, reversed);
  }
}

const P kLan = P("lan", {"192.0.2.0/29"});

std::vector<Scenario> Scenarios() {
  return {
      // --- automatic assignment
      {"LowestFreeAddressesInNameOrder",
       {kLan},
       {S("ns/b"), S("ns/a")},
       {{"ns/a", "assigned", "192.0.2.0", "lan"}, {"ns/b", "assigned", "192.0.2.1", "lan"}}},
      {"PoolExhausted",
       {P("lan", {"192.0.2.10-192.0.2.11"})},
       {S("ns/a"), S("ns/b"), S("ns/c")},
       {{"ns/a", "assigned", "192.0.2.10", "lan"},
        {"ns/b", "assigned", "192.0.2.11", "lan"},
        {"ns/c", "pending", "", "pool \"lan\" exhausted"}}},
      {"NoPoolsAtAll", {}, {S("ns/a")}, {{"ns/a", "pending", "", "no address pools"}}},
      {"AvoidBuggyIpsSkipsDot0AndDot255",
       {P("lan", {"192.0.2.255-192.0.3.2"}).AvoidBuggyIps()},
       {S("ns/a"), S("ns/b"), S("ns/c")},
       {{"ns/a", "assigned", "192.0.3.1", "lan"},
        {"ns/b", "assigned", "192.0.3.2", "lan"},
        {"ns/c", "pending", "", "pool \"lan\" exhausted"}}},
      {"AvoidBuggyIpsRefusesRequestedDot0",
       {P("lan", {"192.0.2.0/24"}).AvoidBuggyIps()},
       {S("ns/a").Annotation("ironlb.io/addresses", "192.0.2.0")},
       {{"ns/a", "pending", "", "192.0.2.0 ends in .0 or .255, which pool \"lan\" avoids"}}},
      {"AutoAssignFalsePoolIsSkipped",
       {P("a-manual", {"192.0.2.0/30"}).NoAutoAssign(), P("b-auto", {"198.51.100.0/30"})},
       {S("ns/a")},
       {{"ns/a", "assigned", "198.51.100.0", "b-auto"}}},
      {"OnlyAutoAssignFalsePools",
       {P("manual", {"192.0.2.0/30"}).NoAutoAssign()},
       {S("ns/a")},
       {{"ns/a", "pending", "", "no autoAssign pool serves this service"}}},
      {"LargePoolsAreNotEnumerated",
       {P("big4", {"10.0.0.0/8"}), P("big6", {"fd00::/64"}).NoAutoAssign()},
       {S("ns/a"),
        S("ns/b").Families({kV6}, FamilyPolicy::kSingleStack).Annotation("ironlb.io/pool", "big6")},
       {{"ns/a", "assigned", "10.0.0.0", "big4"}, {"ns/b", "assigned", "fd00::", "big6"}}},

      // --- requested addresses
      {"RequestedByIronlbAnnotation",
       {kLan},
       {S("ns/a").Annotation("ironlb.io/addresses", "192.0.2.5")},
       {{"ns/a", "assigned", "192.0.2.5", "lan"}}},
      {"RequestedByMetallbAnnotation",
       {kLan},
       {S("ns/a").Annotation("metallb.io/loadBalancerIPs", "192.0.2.6")},
       {{"ns/a", "assigned", "192.0.2.6", "lan"}}},
      {"RequestedByLegacyMetallbAnnotation",
       {kLan},
       {S("ns/a").Annotation("metallb.universe.tf/loadBalancerIPs", "192.0.2.7")},
       {{"ns/a", "assigned", "192.0.2.7", "lan"}}},
      {"RequestedAddressIsNeverTakenByAnAutomaticChoice",
       // ns/a sorts first and wants any address; ns/z asked for the pool's first one.
       {kLan},
       {S("ns/a"), S("ns/z").Annotation("ironlb.io/addresses", "192.0.2.0")},
       {{"ns/a", "assigned", "192.0.2.1", "lan"}, {"ns/z", "assigned", "192.0.2.0", "lan"}}},
      {"RequestedBySpecLoadBalancerIp",
       {kLan},
       {S("ns/a").LoadBalancerIp("192.0.2.3")},
       {{"ns/a", "assigned", "192.0.2.3", "lan"}}},
      {"RequestedByAnnotationAndSpecIsAnError",
       {kLan},
       {S("ns/a").Annotation("ironlb.io/addresses", "192.0.2.5").LoadBalancerIp("192.0.2.3")},
       {{"ns/a", "pending", "", "set only one"}}},
      {"RequestedAliasesDisagree",
       {kLan},
       {S("ns/a")
            .Annotation("ironlb.io/addresses", "192.0.2.5")
            .Annotation("metallb.io/loadBalancerIPs", "192.0.2.6")},
       {{"ns/a", "pending", "", "disagree"}}},
      {"RequestedNotAnAddress",
       {kLan},
       {S("ns/a").Annotation("ironlb.io/addresses", "192.0.2.x")},
       {{"ns/a", "pending", "", "\"192.0.2.x\" is not an IP address"}}},
      {"RequestedInNoPool",
       {kLan},
       {S("ns/a").Annotation("ironlb.io/addresses", "198.51.100.7")},
       {{"ns/a", "pending", "", "requested 198.51.100.7 is in no pool"}}},
      {"RequestedOutsideTheRequestedPool",
       {kLan, P("dmz", {"198.51.100.0/30"})},
       {S("ns/a")
            .Annotation("ironlb.io/addresses", "192.0.2.1")
            .Annotation("ironlb.io/pool", "dmz")},
       {{"ns/a", "pending", "", "is in pool \"lan\", not in the requested pool \"dmz\""}}},
      {"RequestedFromAutoAssignFalsePool",
       {P("manual", {"192.0.2.0/30"}).NoAutoAssign()},
       {S("ns/a").LoadBalancerIp("192.0.2.2")},
       {{"ns/a", "assigned", "192.0.2.2", "manual"}}},
      {"RequestedInPoolThatDoesNotServeTheNamespace",
       {P("prod", {"192.0.2.0/30"}).Allocation(std::nullopt, {"prod"})},
       {S("dev/a").LoadBalancerIp("192.0.2.2")},
       {{"dev/a", "pending", "", "does not serve namespace \"dev\""}}},
      {"RequestedTakenWithoutSharing",
       {kLan},
       {S("ns/a").LoadBalancerIp("192.0.2.2"), S("ns/b").LoadBalancerIp("192.0.2.2")},
       {{"ns/a", "assigned", "192.0.2.2", "lan"},
        {"ns/b", "pending", "", "192.0.2.2 is used by ns/a and this service has no sharing key"}}},

      // --- pool annotation
      {"PoolAnnotationEvenWithAutoAssignFalse",
       {P("a", {"192.0.2.0/30"}), P("manual", {"198.51.100.0/30"}).NoAutoAssign()},
       {S("ns/a").Annotation("ironlb.io/pool", "manual")},
       {{"ns/a", "assigned", "198.51.100.0", "manual"}}},
      {"PoolAnnotationMetallbAliases",
       {P("a", {"192.0.2.0/30"}), P("m", {"198.51.100.0/30"}).NoAutoAssign()},
       {S("ns/a").Annotation("metallb.io/address-pool", "m"),
        S("ns/b").Annotation("metallb.universe.tf/address-pool", "m")},
       {{"ns/a", "assigned", "198.51.100.0", "m"}, {"ns/b", "assigned", "198.51.100.1", "m"}}},
      {"PoolAnnotationUnknownPool",
       {kLan},
       {S("ns/a").Annotation("ironlb.io/pool", "nope")},
       {{"ns/a", "pending", "", "pool \"nope\" does not exist"}}},
      {"PoolAnnotationEmpty",
       {kLan},
       {S("ns/a").Annotation("metallb.io/address-pool", "")},
       {{"ns/a", "pending", "", "annotation metallb.io/address-pool is empty"}}},
      {"PoolAnnotationExhaustedDoesNotFallBack",
       {P("one", {"192.0.2.1/32"}), kLan},
       {S("ns/a").Annotation("ironlb.io/pool", "one"),
        S("ns/b").Annotation("ironlb.io/pool", "one")},
       {{"ns/a", "assigned", "192.0.2.1", "one"},
        {"ns/b", "pending", "", "pool \"one\" exhausted"}}},

      // --- serviceAllocation
      {"PriorityOrderThenUnsetThenPoolsWithoutServiceAllocation",
       {P("p-0", {"10.0.0.1/32"}), P("p-a", {"10.0.1.1/32"}).Allocation(20),
        P("p-b", {"10.0.2.1/32"}).Allocation(10), P("p-c", {"10.0.3.1/32"}).Allocation({}),
        P("p-d", {"10.0.4.1/32"}).Allocation(20)},
       {S("ns/s1"), S("ns/s2"), S("ns/s3"), S("ns/s4"), S("ns/s5"), S("ns/s6")},
       {{"ns/s1", "assigned", "10.0.2.1", "p-b"},
        {"ns/s2", "assigned", "10.0.1.1", "p-a"},
        {"ns/s3", "assigned", "10.0.4.1", "p-d"},
        {"ns/s4", "assigned", "10.0.3.1", "p-c"},
        {"ns/s5", "assigned", "10.0.0.1", "p-0"},
        {"ns/s6", "pending", "", "pool \"p-0\" exhausted"}}},
      {"ServiceAllocationByNamespaceName",
       {P("prod", {"10.0.0.0/30"}).Allocation(1, {"prod"}), P("rest", {"10.9.0.0/30"})},
       {S("prod/a"), S("dev/a")},
       {{"prod/a", "assigned", "10.0.0.0", "prod"}, {"dev/a", "assigned", "10.9.0.0", "rest"}}},
      {"ServiceAllocationByNamespaceLabels",
       {P("gold", {"10.0.0.0/30"}).Allocation(1, {}, {{"tier", "gold"}}),
        P("rest", {"10.9.0.0/30"})},
       {S("shop/a"), S("blog/a")},
       {{"shop/a", "assigned", "10.0.0.0", "gold"}, {"blog/a", "assigned", "10.9.0.0", "rest"}},
       {{"shop", {{"tier", "gold"}}}, {"blog", {{"tier", "bronze"}}}}},
      {"ServiceAllocationByServiceLabels",
       {P("web", {"10.0.0.0/30"}).Allocation(1, {}, {}, {{"app", "web"}}),
        P("rest", {"10.9.0.0/30"})},
       {S("ns/a").Label("app", "web"), S("ns/b").Label("app", "db")},
       {{"ns/a", "assigned", "10.0.0.0", "web"}, {"ns/b", "assigned", "10.9.0.0", "rest"}}},
      {"ServiceAllocationWithNothingMatchesEveryone",
       {P("a-plain", {"10.9.0.0/30"}), P("z-all", {"10.0.0.0/30"}).Allocation(std::nullopt)},
       {S("x/a"), S("y/b")},
       {{"x/a", "assigned", "10.0.0.0", "z-all"}, {"y/b", "assigned", "10.0.0.1", "z-all"}}},
      {"ServiceAllocationOnlyPoolDoesNotServeOthers",
       {P("prod", {"10.0.0.0/30"}).Allocation(1, {"prod"})},
       {S("dev/a")},
       {{"dev/a", "pending", "", "no autoAssign pool serves this service"}}},
      {"PoolAnnotationOnPoolThatDoesNotServeTheService",
       {P("web", {"10.0.0.0/30"}).Allocation(1, {}, {}, {{"app", "web"}})},
       {S("ns/a").Annotation("ironlb.io/pool", "web")},
       {{"ns/a", "pending", "", "serves only services matching its serviceAllocation"}}},

      // --- sharing
      {"SharingKeyReusesAnIpBeforeAFreeOne",
       {kLan},
       {S("ns/a").Share("k").Port(PortProtocol::kTCP, 80),
        S("ns/b").Share("k").Port(PortProtocol::kTCP, 443),
        S("ns/c").Share("k").Port(PortProtocol::kUDP, 80)},
       {{"ns/a", "assigned", "192.0.2.0", "lan"},
        {"ns/b", "assigned", "192.0.2.0", "lan"},
        {"ns/c", "assigned", "192.0.2.0", "lan"}}},
      {"SharingAliases",
       {kLan},
       {S("ns/a").Annotation("metallb.io/allow-shared-ip", "k"),
        S("ns/b")
            .Annotation("metallb.universe.tf/allow-shared-ip", "k")
            .Port(PortProtocol::kTCP, 81)},
       {{"ns/a", "assigned", "192.0.2.0", "lan"}, {"ns/b", "assigned", "192.0.2.0", "lan"}}},
      {"SharingPortClashTakesAnotherIp",
       {kLan},
       {S("ns/a").Share("k"), S("ns/b").Share("k")},
       {{"ns/a", "assigned", "192.0.2.0", "lan"}, {"ns/b", "assigned", "192.0.2.1", "lan"}}},
      {"SharingPortClashOnRequestedIp",
       {kLan},
       {S("web/ingress").Share("k").Port(PortProtocol::kTCP, 443).LoadBalancerIp("192.0.2.2"),
        S("web/other").Share("k").Port(PortProtocol::kTCP, 443).LoadBalancerIp("192.0.2.2")},
       {{"web/ingress", "assigned", "192.0.2.2", "lan"},
        {"web/other", "pending", "", "port TCP/443 already used on 192.0.2.2 by web/ingress"}}},
      {"SharingDifferentKeys",
       {kLan},
       {S("ns/a").Share("k1").LoadBalancerIp("192.0.2.2"),
        S("ns/b").Share("k2").Port(PortProtocol::kTCP, 81).LoadBalancerIp("192.0.2.2")},
       {{"ns/a", "assigned", "192.0.2.2", "lan"},
        {"ns/b", "pending", "", "with sharing key \"k1\", not \"k2\""}}},
      {"SharingHolderWithoutKey",
       {kLan},
       {S("ns/a").LoadBalancerIp("192.0.2.2"),
        S("ns/b").Share("k").Port(PortProtocol::kTCP, 81).LoadBalancerIp("192.0.2.2")},
       {{"ns/a", "assigned", "192.0.2.2", "lan"},
        {"ns/b", "pending", "", "used by ns/a, which has no sharing key"}}},
      {"SharingLocalWithSameSelector",
       {kLan},
       {S("ns/a").Share("k").Local({{"app", "x"}}),
        S("ns/b").Share("k").Local({{"app", "x"}}).Port(PortProtocol::kTCP, 81)},
       {{"ns/a", "assigned", "192.0.2.0", "lan"}, {"ns/b", "assigned", "192.0.2.0", "lan"}}},
      {"SharingLocalWithDifferentSelector",
       {kLan},
       {S("ns/a").Share("k").Local({{"app", "x"}}).LoadBalancerIp("192.0.2.2"),
        S("ns/b")
            .Share("k")
            .Local({{"app", "y"}})
            .Port(PortProtocol::kTCP, 81)
            .LoadBalancerIp("192.0.2.2")},
       {{"ns/a", "assigned", "192.0.2.2", "lan"},
        {"ns/b", "pending", "", "Local and a different selector"}}},
      {"SharingLocalWithCluster",
       {kLan},
       {S("ns/a").Share("k").Local({{"app", "x"}}),
        S("ns/b").Share("k").Port(PortProtocol::kTCP, 81)},
       {{"ns/a", "assigned", "192.0.2.0", "lan"}, {"ns/b", "assigned", "192.0.2.1", "lan"}}},
      // MetalLB shares across namespaces; so does ironlb unless the pool restricts it.
      {"SharingAcrossNamespacesByDefault",
       {kLan},
       {S("x/a").Share("k"), S("y/b").Share("k").Port(PortProtocol::kTCP, 81)},
       {{"x/a", "assigned", "192.0.2.0", "lan"}, {"y/b", "assigned", "192.0.2.0", "lan"}}},
      {"SharingAcrossNamespacesWithRequestedIp",
       {kLan},
       {S("x/a").Share("k").LoadBalancerIp("192.0.2.2"),
        S("y/b").Share("k").Port(PortProtocol::kTCP, 81).LoadBalancerIp("192.0.2.2")},
       {{"x/a", "assigned", "192.0.2.2", "lan"}, {"y/b", "assigned", "192.0.2.2", "lan"}}},
      {"SharingRestrictedToNamespaceByThePool",
       {P("lan", {"192.0.2.0/29"}).SharingWithinNamespace()},
       {S("x/a").Share("k").LoadBalancerIp("192.0.2.2"),
        S("y/b").Share("k").Port(PortProtocol::kTCP, 81).LoadBalancerIp("192.0.2.2")},
       {{"x/a", "assigned", "192.0.2.2", "lan"},
        {"y/b", "pending", "", "sets restrictSharingToNamespace"}}},

      // --- dual-stack
      {"PreferDualStackTakesBothFromOnePool",
       {P("a-v4", {"192.0.2.0/30"}), P("b-dual", {"198.51.100.0/30", "2001:db8::/126"})},
       {S("ns/a").Families({kV4, kV6}, FamilyPolicy::kPreferDualStack)},
       {{"ns/a", "assigned", "198.51.100.0,2001:db8::", "b-dual"}}},
      {"PreferDualStackFallsBackToPrimary",
       {P("v4", {"192.0.2.0/30"})},
       {S("ns/a").Families({kV4, kV6}, FamilyPolicy::kPreferDualStack)},
       {{"ns/a", "assigned", "192.0.2.0", "v4"}}},
      {"PreferDualStackIpv6Primary",
       {P("dual", {"192.0.2.0/30", "2001:db8::/126"})},
       {S("ns/a").Families({kV6, kV4}, FamilyPolicy::kPreferDualStack)},
       {{"ns/a", "assigned", "2001:db8::,192.0.2.0", "dual"}}},
      {"RequireDualStackWithoutDualPool",
       {P("v4", {"192.0.2.0/30"})},
       {S("ns/a").Families({kV4, kV6}, FamilyPolicy::kRequireDualStack)},
       {{"ns/a", "pending", "",
         "RequireDualStack needs IPv4 and IPv6 from one pool: pool \"v4\" has no IPv6"}}},
      {"RequireDualStackWithDualPool",
       {P("dual", {"192.0.2.0/30", "2001:db8::/126"})},
       {S("ns/a").Families({kV4, kV6}, FamilyPolicy::kRequireDualStack)},
       {{"ns/a", "assigned", "192.0.2.0,2001:db8::", "dual"}}},
      {"SingleStackTakesTheFirstFamily",
       {P("dual", {"192.0.2.0/30", "2001:db8::/126"})},
       {S("ns/a").Families({kV6}, FamilyPolicy::kSingleStack)},
       {{"ns/a", "assigned", "2001:db8::", "dual"}}},
      {"SingleStackIpv6FromIpv4Pool",
       {P("v4", {"192.0.2.0/30"})},
       {S("ns/a").Families({kV6}, FamilyPolicy::kSingleStack)},
       {{"ns/a", "pending", "", "pool \"v4\" has no IPv6 addresses"}}},
      {"DualStackRequestedPair",
       {P("dual", {"192.0.2.0/30", "2001:db8::/126"})},
       {S("ns/a")
            .Families({kV4, kV6}, FamilyPolicy::kRequireDualStack)
            .Annotation("ironlb.io/addresses", "192.0.2.3, 2001:db8::2")},
       {{"ns/a", "assigned", "192.0.2.3,2001:db8::2", "dual"}}},
      {"DualStackSharingPerFamily",
       {P("dual", {"192.0.2.0/30", "2001:db8::/126"})},
       {S("ns/a").Families({kV4, kV6}, FamilyPolicy::kRequireDualStack).Share("k"),
        S("ns/b")
            .Families({kV4, kV6}, FamilyPolicy::kRequireDualStack)
            .Share("k")
            .Port(PortProtocol::kUDP, 53)},
       {{"ns/a", "assigned", "192.0.2.0,2001:db8::", "dual"},
        {"ns/b", "assigned", "192.0.2.0,2001:db8::", "dual"}}},

      // --- class and type
      {"OtherLoadBalancerClassIsIgnored",
       {kLan},
       {S("ns/a").Class("other.example/lb").Current({"192.0.2.4"}), S("ns/b")},
       {{"ns/a", "ignored", "", "loadBalancerClass is \"other.example/lb\""},
        {"ns/b", "assigned", "192.0.2.0", "lan"}}},
      {"ServedClassIsAnInput",
       {kLan},
       {S("ns/a").Class("ironlb.io/lb"), S("ns/b")},
       {{"ns/a", "assigned", "192.0.2.0", "lan"},
        {"ns/b", "ignored", "", "ironlb serves class \"ironlb.io/lb\""}},
       {},
       "ironlb.io/lb"},
      {"NotTypeLoadBalancerIsIgnoredAndReleases",
       {kLan},
       {S("ns/a").Type("ClusterIP").Current({"192.0.2.0"}), S("ns/b")},
       {{"ns/a", "ignored", "", "spec.type is ClusterIP"},
        {"ns/b", "assigned", "192.0.2.0", "lan"}}},

      // --- stability
      {"ValidCurrentAddressIsKept",
       {kLan},
       {S("ns/a").Current({"192.0.2.5"}), S("ns/b")},
       {{"ns/a", "assigned", "192.0.2.5", "lan"}, {"ns/b", "assigned", "192.0.2.0", "lan"}}},
      {"CurrentAddressNoLongerInAPoolMoves",
       {kLan},
       {S("ns/a").Current({"203.0.113.9"})},
       {{"ns/a", "assigned", "192.0.2.0", "lan", "203.0.113.9 is in no pool"}}},
      {"CurrentAddressNowAvoidedMoves",
       {P("lan", {"192.0.2.0/24"}).AvoidBuggyIps()},
       {S("ns/a").Current({"192.0.2.255"})},
       {{"ns/a", "assigned", "192.0.2.1", "lan", "ends in .0 or .255"}}},
      {"RequestedAddressChangedMoves",
       {kLan},
       {S("ns/a").Current({"192.0.2.1"}).LoadBalancerIp("192.0.2.4")},
       {{"ns/a", "assigned", "192.0.2.4", "lan", "spec.loadBalancerIP now requests 192.0.2.4"}}},
      {"ConflictingCurrentAddressesFirstByNameKeeps",
       {kLan},
       {S("ns/z").Current({"192.0.2.3"}), S("ns/a").Current({"192.0.2.3"})},
       {{"ns/a", "assigned", "192.0.2.3", "lan"},
        {"ns/z", "assigned", "192.0.2.0", "lan", "192.0.2.3 is used by ns/a"}}},
      {"CurrentAddressesHeldBeforeNewOnesArePlaced",
       {P("lan", {"192.0.2.0/31"})},
       {S("ns/a"), S("ns/z").Current({"192.0.2.0"})},
       {{"ns/a", "assigned", "192.0.2.1", "lan"}, {"ns/z", "assigned", "192.0.2.0", "lan"}}},
      {"CurrentSharedAddressNowConflicts",
       {kLan},
       {S("ns/a").Share("k").Current({"192.0.2.2"}), S("ns/b").Share("k").Current({"192.0.2.2"})},
       {{"ns/a", "assigned", "192.0.2.2", "lan"},
        {"ns/b", "assigned", "192.0.2.0", "lan", "port TCP/80 already used on 192.0.2.2"}}},
      {"CurrentInOtherPoolThanAnnotationMoves",
       {kLan, P("dmz", {"198.51.100.0/30"})},
       {S("ns/a").Current({"192.0.2.1"}).Annotation("ironlb.io/pool", "dmz")},
       {{"ns/a", "assigned", "198.51.100.0", "dmz", "not the requested pool \"dmz\""}}},
  };
}

INSTANTIATE_TEST_SUITE_P(Rules, AllocationRulesTest, ::testing::ValuesIn(Scenarios()),
                         [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace ironlb::controller

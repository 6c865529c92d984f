// MetalLB's own objects (metallb.io) and its legacy ConfigMap, read as they are: every kind and
// field with MetalLB's defaults and meaning, the names MetalLB's converter gives, references to
// objects that do not exist, and both API groups at once.
#include <filesystem>
#include <fstream>
#include <sstream>

#include "config/loader.h"
#include "config/validate.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "test/config/config_test_util.h"

namespace ironlb::config {
namespace {

using testing::AllDiagnostics;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::LoadYaml;
using ::testing::Not;
using ::testing::SizeIs;

std::string Fixture(const std::string& name) {
  std::ifstream in(std::string(IRONLB_TESTDATA) + "/metallb/" + name);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

LoadResult LoadFixture(const std::string& name) { return LoadYaml(Fixture(name), name); }

std::vector<std::string> Names(const auto& list) {
  std::vector<std::string> out;
  for (const auto& o : list) out.push_back(o.meta.name);
  return out;
}

std::vector<std::string> Warnings(const LoadResult& r) {
  std::vector<std::string> out;
  for (const Diagnostic& d : r.diagnostics) {
    if (!d.is_error()) out.push_back(d.ToString());
  }
  return out;
}

TEST(MetalLBObjectsTest, EveryIPAddressPoolAndL2AdvertisementField) {
  const LoadResult r = LoadFixture("crs-layer2.yaml");
  ASSERT_TRUE(r.ok()) << AllDiagnostics(r);
  EXPECT_THAT(r.diagnostics, ::testing::IsEmpty()) << AllDiagnostics(r);
  ASSERT_THAT(Names(r.config.pools), ElementsAre("first-pool", "homelab"));
  const AddressPool& p = r.config.pools[0];
  EXPECT_EQ(p.meta.namespace_, "metallb-system");
  EXPECT_EQ(p.meta.labels.at("zone"), "east");
  EXPECT_EQ(p.meta.source.label, "IPAddressPool.metallb.io/first-pool");
  ASSERT_THAT(p.ranges, SizeIs(3));
  EXPECT_EQ(p.ranges[1].Size(), 5);
  EXPECT_EQ(p.ranges[2].Size(), 16);
  EXPECT_FALSE(p.auto_assign);
  EXPECT_TRUE(p.avoid_buggy_ips);
  EXPECT_TRUE(p.allow_sharing_across_namespaces);  // MetalLB shares across namespaces
  ASSERT_TRUE(p.service_allocation.has_value());
  EXPECT_EQ(p.service_allocation->priority, 50);
  EXPECT_THAT(p.service_allocation->namespaces, ElementsAre("namespace-a"));
  EXPECT_TRUE(p.service_allocation->namespace_selectors[0].Matches({{"foo", "bar"}}));
  EXPECT_TRUE(p.service_allocation->service_selectors[0].Matches({{"app", "bar"}}));
  EXPECT_FALSE(p.service_allocation->service_selectors[0].Matches({{"app", "baz"}}));
  // MetalLB's defaults.
  const AddressPool& h = r.config.pools[1];
  EXPECT_TRUE(h.auto_assign);
  EXPECT_FALSE(h.avoid_buggy_ips);
  EXPECT_FALSE(h.service_allocation.has_value());

  ASSERT_THAT(Names(r.config.l2_advertisements), ElementsAre("l2-east", "everything"));
  const L2Advertisement& a = r.config.l2_advertisements[0];
  EXPECT_THAT(a.ip_address_pools, ElementsAre("first-pool"));
  EXPECT_TRUE(a.ip_address_pool_selectors[0].Matches({{"zone", "east"}}));
  ASSERT_THAT(a.node_selectors, SizeIs(2));
  EXPECT_TRUE(a.node_selectors[0].Matches({{"kubernetes.io/hostname", "node-a"}}));
  EXPECT_FALSE(a.node_selectors[1].Matches({{"node-role.kubernetes.io/control-plane", ""}}));
  EXPECT_THAT(a.interfaces, ElementsAre("eth0", "eno1"));
  // No pools named, none selected: every pool, as in MetalLB.
  const L2Advertisement& e = r.config.l2_advertisements[1];
  EXPECT_THAT(PoolsSelectedBy(r.config, e.ip_address_pools, e.ip_address_pool_selectors),
              SizeIs(2));
}

TEST(MetalLBObjectsTest, EveryBgpKindAndField) {
  const LoadResult r = LoadFixture("crs-bgp.yaml");
  ASSERT_TRUE(r.ok()) << AllDiagnostics(r);
  ASSERT_THAT(Names(r.config.bgp_advertisements), ElementsAre("full", "default"));
  const BGPAdvertisement& a = r.config.bgp_advertisements[0];
  EXPECT_EQ(a.aggregation_length, 32);
  EXPECT_EQ(a.aggregation_length_v6, 124);
  EXPECT_EQ(a.local_pref, 100u);
  ASSERT_THAT(a.communities, SizeIs(4));
  // Aliases of the Community object first, then values and well-known names.
  EXPECT_EQ(a.communities[0], (Community{.high = 1234, .low = 1}));
  EXPECT_EQ(a.communities[1], (Community{.large = true, .global = 123, .high = 456, .low = 789}));
  EXPECT_EQ(a.communities[2], (Community{.high = 65535, .low = 65282}));
  EXPECT_EQ(a.communities[3], (Community{.high = 65535, .low = 65281}));
  EXPECT_THAT(a.peers, ElementsAre("spine-a"));
  EXPECT_TRUE(a.node_selectors[0].Matches({{"rack", "r1"}}));
  EXPECT_FALSE(r.config.bgp_advertisements[1].aggregation_length.has_value());  // /32 default

  ASSERT_THAT(Names(r.config.bgp_peers), ElementsAre("spine-a", "spine-b", "legacy-peer"));
  const BGPPeer& p = r.config.bgp_peers[0];
  EXPECT_EQ(p.my_asn, 64512u);
  EXPECT_EQ(p.peer_asn, 64501u);
  EXPECT_EQ(p.peer_address.ToString(), "10.0.0.1");
  EXPECT_EQ(p.source_address->ToString(), "10.0.0.2");
  EXPECT_EQ(p.peer_port, 1179);
  EXPECT_EQ(p.hold_time_s, 120u);
  EXPECT_EQ(p.keepalive_time_s, 30u);
  EXPECT_EQ(p.connect_time_s, 10u);
  EXPECT_EQ(p.router_id->ToString(), "10.10.10.10");
  EXPECT_TRUE(p.node_selectors[0].Matches({{"rack", "r1"}}));
  EXPECT_EQ(p.password, "s3cret");
  EXPECT_EQ(p.bfd_profile, "fast");
  EXPECT_TRUE(p.ebgp_multihop);
  EXPECT_TRUE(p.enable_graceful_restart);
  EXPECT_EQ(p.vrf, "red");
  EXPECT_TRUE(p.disable_mp);
  const BGPPeer& b = r.config.bgp_peers[1];
  EXPECT_EQ(b.dynamic_asn, DynamicAsn::kExternal);
  EXPECT_EQ(b.peer_asn, 0u);
  EXPECT_EQ(b.interface, "eth1");
  EXPECT_EQ(b.keepalive_time_s, 20u);
  EXPECT_EQ(b.hold_time_s, 60u);  // MetalLB: keepaliveTime alone -> hold three times it
  EXPECT_EQ(b.password_secret->name, "bgp-password");
  EXPECT_EQ(b.password_secret->namespace_, "metallb-system");
  EXPECT_TRUE(b.dual_stack_address_family);
  const BGPPeer& l = r.config.bgp_peers[2];  // v1beta1, defaults
  EXPECT_EQ(l.peer_address.ToString(), "fd00::1");
  EXPECT_EQ(l.peer_port, 179);
  EXPECT_EQ(l.hold_time_s, 90u);
  EXPECT_EQ(l.keepalive_time_s, 30u);

  ASSERT_THAT(Names(r.config.bfd_profiles), ElementsAre("fast", "defaults"));
  const BFDProfile& f = r.config.bfd_profiles[0];
  EXPECT_EQ(f.receive_interval_ms, 380u);
  EXPECT_EQ(f.transmit_interval_ms, 270u);
  EXPECT_EQ(f.detect_multiplier, 37u);
  EXPECT_EQ(f.echo_interval_ms, 62u);
  EXPECT_TRUE(f.echo_mode);
  EXPECT_TRUE(f.passive_mode);
  EXPECT_EQ(f.minimum_ttl, 254u);
  const BFDProfile& d = r.config.bfd_profiles[1];  // MetalLB's defaults: 300ms, x3
  EXPECT_EQ(d.receive_interval_ms, 300u);
  EXPECT_EQ(d.detect_multiplier, 3u);

  // Every BGPPeer field is applied now: none is warned about.
  const std::string warnings = absl::StrJoin(Warnings(r), "\n");
  for (const char* field : {"spec.vrf", "spec.dynamicASN", "spec.interface", "spec.connectTime",
                            "spec.passwordSecret"}) {
    EXPECT_THAT(warnings, Not(HasSubstr(field))) << warnings;
  }
}

TEST(MetalLBObjectsTest, UnknownCommunityAliasIsAnErrorAsInMetalLB) {
  const LoadResult r = LoadYaml(Fixture("crs-bgp.yaml") + R"(---
apiVersion: metallb.io/v1beta1
kind: BGPAdvertisement
metadata: {name: typo}
spec:
  communities: [vpn-onyl]
)");
  EXPECT_FALSE(r.ok());
  EXPECT_THAT(AllDiagnostics(r),
              HasSubstr("BGPAdvertisement.metallb.io/typo spec.communities[0]: \"vpn-onyl\" is "
                        "not a community: use a:b (0..65535 each), large:a:b:c, or a well-known "
                        "name such as no-export; nor is it the name of an alias of a MetalLB "
                        "Community object"));
}

TEST(MetalLBObjectsTest, UnknownPoolsAndPeersAreWarningsAndTheAdvertisementAppliesToWhatExists) {
  const LoadResult r = LoadYaml(R"(apiVersion: metallb.io/v1beta1
kind: IPAddressPool
metadata: {name: lan}
spec: {addresses: [192.168.1.0/28]}
---
apiVersion: metallb.io/v1beta1
kind: L2Advertisement
metadata: {name: l2}
spec:
  ipAddressPools: [lan, wan]
---
apiVersion: metallb.io/v1beta1
kind: BGPAdvertisement
metadata: {name: bgp}
spec:
  ipAddressPools: [dmz]
  peers: [spine]
)");
  ASSERT_TRUE(r.ok()) << AllDiagnostics(r);
  EXPECT_THAT(Warnings(r),
              ElementsAre("test.yaml:10: L2Advertisement.metallb.io/l2 spec.ipAddressPools[1]: "
                          "warning: no address pool is named \"wan\"; the advertisement applies "
                          "to the pools that exist",
                          "test.yaml:16: BGPAdvertisement.metallb.io/bgp spec.ipAddressPools[0]: "
                          "warning: no address pool is named \"dmz\"; the advertisement applies "
                          "to the pools that exist",
                          "test.yaml:17: BGPAdvertisement.metallb.io/bgp spec.peers[0]: warning: "
                          "no BGPPeer is named \"spine\"; the advertisement goes to the listed "
                          "peers that exist"));
  const L2Advertisement& l2 = r.config.l2_advertisements[0];
  const auto pools = PoolsSelectedBy(r.config, l2.ip_address_pools, l2.ip_address_pool_selectors);
  ASSERT_THAT(pools, SizeIs(1));
  EXPECT_EQ(pools[0]->meta.name, "lan");
  const BGPAdvertisement& bgp = r.config.bgp_advertisements[0];
  EXPECT_THAT(PoolsSelectedBy(r.config, bgp.ip_address_pools, bgp.ip_address_pool_selectors),
              ::testing::IsEmpty());
}

TEST(MetalLBObjectsTest, BothGroupsAtOnce) {
  const std::string ours = R"(apiVersion: ironlb.io/v1alpha1
kind: AddressPool
metadata: {name: lan}
spec: {addresses: [192.168.1.0/28]}
---
apiVersion: ironlb.io/v1alpha1
kind: L2Advertisement
metadata: {name: l2}
spec: {ipAddressPools: [lan, metal]}
)";
  const std::string theirs = R"(apiVersion: metallb.io/v1beta1
kind: IPAddressPool
metadata: {name: metal}
spec: {addresses: [192.168.2.0/28]}
)";
  ConfigReader reader;
  reader.AddYaml(ours, "ironlb.yaml");
  reader.AddYaml(theirs, "metallb.yaml");
  const LoadResult r = std::move(reader).Finish();
  ASSERT_TRUE(r.ok()) << AllDiagnostics(r);
  EXPECT_THAT(r.diagnostics, ::testing::IsEmpty()) << AllDiagnostics(r);
  EXPECT_THAT(Names(r.config.pools), ElementsAre("lan", "metal"));

  // One kind and name in both groups: an error naming both objects and files.
  ConfigReader twice;
  twice.AddYaml(ours, "ironlb.yaml");
  twice.AddYaml(R"(apiVersion: metallb.io/v1beta1
kind: IPAddressPool
metadata: {name: lan}
spec: {addresses: [192.168.3.0/28]}
---
apiVersion: metallb.io/v1beta1
kind: L2Advertisement
metadata: {name: l2}
)",
                "metallb.yaml");
  const LoadResult bad = std::move(twice).Finish();
  EXPECT_FALSE(bad.ok());
  EXPECT_THAT(AllDiagnostics(bad),
              HasSubstr("metallb.yaml:3: IPAddressPool.metallb.io/lan metadata.name: defines the "
                        "same AddressPool \"lan\" as AddressPool/lan (ironlb.yaml:1)"));
  EXPECT_THAT(AllDiagnostics(bad),
              HasSubstr("metallb.yaml:8: L2Advertisement.metallb.io/l2 metadata.name: defines the "
                        "same L2Advertisement \"l2\" as L2Advertisement/l2 (ironlb.yaml:6)"));
}

TEST(MetalLBObjectsTest, BadFieldsAreNamedWithFileAndLine) {
  const LoadResult r = LoadYaml(R"(apiVersion: metallb.io/v1beta1
kind: IPAddressPool
metadata: {name: lan}
spec:
  addresses:
  - 192.168.1.0/24
  - 192.168.1.300/32
---
apiVersion: metallb.io/v1beta2
kind: BGPPeer
metadata: {name: r}
spec:
  myASN: 64512
  peerASN: 64501
  dynamicASN: internal
  peerAddress: 10.0.0.1
  routerID: fd00::1
---
apiVersion: metallb.io/v1beta3
kind: BGPPeer
metadata: {name: future}
)");
  EXPECT_FALSE(r.ok());
  const std::string all = AllDiagnostics(r);
  EXPECT_THAT(all, HasSubstr("test.yaml:7: IPAddressPool.metallb.io/lan spec.addresses[1]: "));
  EXPECT_THAT(all, HasSubstr("test.yaml:15: BGPPeer.metallb.io/r spec.dynamicASN: set peerASN or "
                             "dynamicASN, not both"));
  EXPECT_THAT(all, HasSubstr("test.yaml:17: BGPPeer.metallb.io/r spec.routerID: a BGP router ID "
                             "is an IPv4 address"));
  EXPECT_THAT(all, HasSubstr("test.yaml:19: BGPPeer.metallb.io/future apiVersion: "
                             "\"metallb.io/v1beta3\" is not a version MetalLB serves"));
}

TEST(MetalLBObjectsTest, IronlbPoolsShareAcrossNamespacesUnlessRestricted) {
  const LoadResult r = LoadYaml(testing::Pool("a", "  addresses: [10.0.0.0/28]\n") +
                                testing::Pool("b",
                                              "  addresses: [10.0.1.0/28]\n"
                                              "  restrictSharingToNamespace: true\n") +
                                testing::Pool("c",
                                              "  addresses: [10.0.2.0/28]\n"
                                              "  allowSharingAcrossNamespaces: false\n") +
                                testing::Pool("d",
                                              "  addresses: [10.0.3.0/28]\n"
                                              "  allowSharingAcrossNamespaces: true\n"));
  ASSERT_TRUE(r.ok()) << AllDiagnostics(r);
  EXPECT_TRUE(r.config.pools[0].allow_sharing_across_namespaces);
  EXPECT_FALSE(r.config.pools[1].allow_sharing_across_namespaces);
  EXPECT_FALSE(r.config.pools[2].allow_sharing_across_namespaces);
  EXPECT_TRUE(r.config.pools[3].allow_sharing_across_namespaces);
  const LoadResult both = LoadYaml(testing::Pool("x",
                                                 "  addresses: [10.0.0.0/28]\n"
                                                 "  restrictSharingToNamespace: true\n"
                                                 "  allowSharingAcrossNamespaces: true\n"));
  EXPECT_THAT(AllDiagnostics(both), HasSubstr("spec.allowSharingAcrossNamespaces: contradicts"));
}

// --- the legacy ConfigMap ---------------------------------------------------------------------

TEST(LegacyConfigMapTest, Layer2PoolsGetL2AdvertisementsNamedAsMetalLBsConverterNamesThem) {
  const LoadResult r = LoadFixture("legacy-layer2.yaml");
  ASSERT_TRUE(r.ok()) << AllDiagnostics(r);
  EXPECT_THAT(r.diagnostics, ::testing::IsEmpty()) << AllDiagnostics(r);
  ASSERT_THAT(Names(r.config.pools), ElementsAre("default", "reserved"));
  EXPECT_EQ(r.config.pools[0].meta.namespace_, "metallb-system");
  EXPECT_TRUE(r.config.pools[0].auto_assign);
  EXPECT_FALSE(r.config.pools[1].auto_assign);
  EXPECT_TRUE(r.config.pools[1].avoid_buggy_ips);
  ASSERT_THAT(Names(r.config.l2_advertisements),
              ElementsAre("l2advertisement1", "l2advertisement2"));
  EXPECT_THAT(r.config.l2_advertisements[1].ip_address_pools, ElementsAre("reserved"));
  EXPECT_THAT(r.other_objects, ::testing::IsEmpty());
}

TEST(LegacyConfigMapTest, EveryPartOfTheFullForm) {
  const LoadResult r = LoadFixture("legacy-full.yaml");
  ASSERT_TRUE(r.ok()) << AllDiagnostics(r);
  ASSERT_THAT(Names(r.config.bgp_peers), ElementsAre("peer1", "peer2"));
  const BGPPeer& p = r.config.bgp_peers[0];
  EXPECT_EQ(p.peer_address.ToString(), "10.0.0.1");
  EXPECT_EQ(p.peer_asn, 64501u);
  EXPECT_EQ(p.my_asn, 64512u);
  EXPECT_EQ(p.peer_port, 1179);
  EXPECT_EQ(p.source_address->ToString(), "10.0.0.2");
  EXPECT_EQ(p.hold_time_s, 120u);
  EXPECT_EQ(p.keepalive_time_s, 30u);
  EXPECT_EQ(p.router_id->ToString(), "1.2.3.4");
  EXPECT_EQ(p.password, "yourPassword");
  EXPECT_EQ(p.bfd_profile, "bfdprofile1");
  EXPECT_TRUE(p.ebgp_multihop);
  ASSERT_THAT(p.node_selectors, SizeIs(1));
  EXPECT_TRUE(p.node_selectors[0].Matches(
      {{"kubernetes.io/hostname", "prod-01"}, {"kubernetes.io/arch", "arm64"}}));
  EXPECT_FALSE(p.node_selectors[0].Matches(
      {{"kubernetes.io/hostname", "prod-01"}, {"kubernetes.io/arch", "s390x"}}));
  EXPECT_EQ(r.config.bgp_peers[1].hold_time_s, 90u);  // 0.12's default

  ASSERT_THAT(Names(r.config.pools), ElementsAre("my-ip-space", "plain-bgp", "my-l2-space"));
  // Per-pool advertisements, then an empty one for a BGP pool that has none.
  ASSERT_THAT(Names(r.config.bgp_advertisements),
              ElementsAre("bgpadvertisement1", "bgpadvertisement2", "bgpadvertisement3"));
  const BGPAdvertisement& a = r.config.bgp_advertisements[0];
  EXPECT_THAT(a.ip_address_pools, ElementsAre("my-ip-space"));
  EXPECT_EQ(a.aggregation_length, 32);
  EXPECT_EQ(a.aggregation_length_v6, 64);
  EXPECT_EQ(a.local_pref, 100u);
  EXPECT_THAT(a.communities,
              ElementsAre(Community{.high = 64512, .low = 1}, Community{.high = 1234, .low = 1}));
  EXPECT_THAT(r.config.bgp_advertisements[2].ip_address_pools, ElementsAre("plain-bgp"));
  EXPECT_FALSE(r.config.bgp_advertisements[2].aggregation_length.has_value());
  ASSERT_THAT(Names(r.config.l2_advertisements), ElementsAre("l2advertisement1"));
  EXPECT_THAT(r.config.l2_advertisements[0].ip_address_pools, ElementsAre("my-l2-space"));
  ASSERT_THAT(Names(r.config.community_aliases), ElementsAre("communities"));

  ASSERT_THAT(Names(r.config.bfd_profiles), ElementsAre("bfdprofile1"));
  const BFDProfile& b = r.config.bfd_profiles[0];
  EXPECT_EQ(b.receive_interval_ms, 280u);
  EXPECT_EQ(b.transmit_interval_ms, 270u);
  EXPECT_EQ(b.echo_interval_ms, 62u);
  EXPECT_FALSE(b.echo_mode);
  EXPECT_TRUE(b.passive_mode);
  EXPECT_EQ(b.minimum_ttl, 254u);
  EXPECT_EQ(b.detect_multiplier, 200u);
}

TEST(LegacyConfigMapTest, ErrorsPointIntoTheConfigMapWithItsOwnFieldNames) {
  const LoadResult r = LoadYaml(R"(apiVersion: v1
kind: ConfigMap
metadata: {name: config, namespace: metallb-system}
data:
  config: |
    peers:
    - peer-address: 10.0.0.1
      my-asn: 64512
    address-pools:
    - name: lan
      protocol: layer2
      addresses:
      - 192.168.1.0/24
      - 192.168.1.999/32
    - name: wan
      protocol: l2
      addresses: [10.9.0.0/24]
    - name: bgp
      protocol: layer2
      addresses: [10.8.0.0/24]
      bgp-advertisements:
      - localpref: 10
)",
                                "cm.yaml");
  EXPECT_FALSE(r.ok());
  const std::string all = AllDiagnostics(r);
  EXPECT_THAT(all, HasSubstr("cm.yaml:14: ConfigMap/config data.config "
                             "address-pools[0].addresses[1]: "));
  EXPECT_THAT(all, HasSubstr("cm.yaml:16: ConfigMap/config data.config address-pools[1].protocol: "
                             "\"l2\" is not a protocol MetalLB knows: layer2 or bgp"));
  EXPECT_THAT(all,
              HasSubstr("cm.yaml:7: ConfigMap/config data.config peers[0].peer-asn: required"));
  EXPECT_THAT(all, HasSubstr("cm.yaml:21: ConfigMap/config data.config "
                             "address-pools[2].bgp-advertisements: bgp-advertisements belong to a "
                             "pool with protocol: bgp"));
}

TEST(LegacyConfigMapTest, CrossObjectErrorsAlsoPointIntoTheConfigMap) {
  const LoadResult r = LoadYaml(R"(apiVersion: v1
kind: ConfigMap
metadata: {name: config}
data:
  config: |
    address-pools:
    - name: a
      protocol: layer2
      addresses: [10.0.0.0/24]
    - name: b
      protocol: layer2
      addresses:
      - 10.0.0.128/25
)",
                                "cm.yaml");
  EXPECT_FALSE(r.ok());
  EXPECT_THAT(AllDiagnostics(r),
              HasSubstr("cm.yaml:13: ConfigMap/config data.config "
                        "address-pools[1].addresses[0]: 10.0.0.128/25 overlaps"));
}

TEST(LegacyConfigMapTest, AConfigMapOfAnotherKindIsLeftAlone) {
  const LoadResult r =
      LoadYaml("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: other}\ndata: {settings: x}\n");
  ASSERT_TRUE(r.ok());
  EXPECT_THAT(r.other_objects, SizeIs(1));
  EXPECT_THAT(r.config.pools, ::testing::IsEmpty());
}

}  // namespace
}  // namespace ironlb::config

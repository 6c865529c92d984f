// Decoding into the model, warnings, directories, API JSON, and the last-good-config rule.
#include "config/loader.h"

#include <filesystem>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "config/config_store.h"
#include "config/values.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "test/config/config_test_util.h"
#include "test/support/status_matchers.h"

namespace ironlb::config {
namespace {

namespace fs = std::filesystem;
using testing::AllDiagnostics;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::LoadYaml;
using ::testing::SizeIs;

TEST(LoaderTest, DecodesEveryKindWithDefaults) {
  const LoadResult r = LoadYaml(R"(apiVersion: ironlb.io/v1alpha1
kind: AddressPool
metadata: {name: lan, labels: {site: home}}
spec:
  addresses: [192.168.1.240-192.168.1.250, 'fd00:1::/120']
  avoidBuggyIPs: true
  tcpMSS: pmtu
  serviceAllocation: {priority: 5, namespaces: [web]}
---
apiVersion: ironlb.io/v1alpha1
kind: BGPPeer
metadata: {name: router}
spec: {myASN: 64512, peerASN: 64501, peerAddress: 192.168.1.1, holdTime: 9s}
---
apiVersion: ironlb.io/v1alpha1
kind: BFDProfile
metadata: {name: fast}
spec: {}
---
apiVersion: ironlb.io/v1alpha1
kind: L2Advertisement
metadata: {name: l2}
spec: {}
)");
  ASSERT_TRUE(r.ok()) << AllDiagnostics(r);
  ASSERT_THAT(r.config.pools, SizeIs(1));
  const AddressPool& p = r.config.pools[0];
  EXPECT_EQ(p.meta.name, "lan");
  EXPECT_EQ(p.meta.labels.at("site"), "home");
  EXPECT_EQ(p.meta.source.file, "test.yaml");
  EXPECT_EQ(p.meta.source.line, 1);
  ASSERT_THAT(p.ranges, SizeIs(2));
  EXPECT_EQ(p.ranges[0].Size(), 11);
  EXPECT_EQ(p.ranges[1].Size(), 256);
  EXPECT_TRUE(p.auto_assign);
  EXPECT_TRUE(p.avoid_buggy_ips);
  EXPECT_TRUE(p.allow_sharing_across_namespaces);  // as MetalLB shares
  ASSERT_TRUE(p.tcp_mss.has_value());
  EXPECT_TRUE(p.tcp_mss->pmtu);
  ASSERT_TRUE(p.service_allocation.has_value());
  EXPECT_EQ(p.service_allocation->priority, 5);
  EXPECT_THAT(p.service_allocation->namespaces, ElementsAre("web"));

  const BGPPeer& peer = r.config.bgp_peers.at(0);
  EXPECT_EQ(peer.peer_port, 179);
  EXPECT_EQ(peer.hold_time_s, 9u);
  EXPECT_EQ(peer.keepalive_time_s, 3u);  // a third of the hold time, as BGP suggests
  const BFDProfile& bfd = r.config.bfd_profiles.at(0);
  EXPECT_EQ(bfd.receive_interval_ms, 300u);
  EXPECT_EQ(bfd.detect_multiplier, 3u);
  EXPECT_EQ(r.config.l2_advertisements.at(0).meta.source.line, 20);
}

TEST(LoaderTest, UnknownFieldsAndKindsAreWarningsNotFailures) {
  const LoadResult r = LoadYaml(R"(apiVersion: ironlb.io/v1alpha1
kind: AddressPool
metadata: {name: lan}
spec:
  addresses: [10.0.0.0/24]
  autoAsign: false
---
apiVersion: ironlb.io/v1alpha1
kind: Community
metadata: {name: c}
)");
  EXPECT_TRUE(r.ok()) << AllDiagnostics(r);
  ASSERT_THAT(r.diagnostics, SizeIs(2));
  EXPECT_EQ(r.diagnostics[0].ToString(),
            "test.yaml:6: AddressPool/lan spec.autoAsign: warning: unknown field, ignored (a typo, "
            "or a field of a newer ironlb?)");
  EXPECT_THAT(r.diagnostics[1].ToString(),
              HasSubstr("test.yaml:9: Community/c kind: warning: unknown kind"));
  EXPECT_TRUE(r.config.pools[0].auto_assign);  // the misspelt field had no effect
}

TEST(LoaderTest, WeightByEndpointsIsIronlbsOwnAndOffByDefault) {
  const LoadResult r = LoadYaml(R"(apiVersion: ironlb.io/v1alpha1
kind: BGPAdvertisement
metadata: {name: weighted}
spec: {weightByEndpoints: true}
---
apiVersion: ironlb.io/v1alpha1
kind: BGPAdvertisement
metadata: {name: plain}
---
apiVersion: metallb.io/v1beta1
kind: BGPAdvertisement
metadata: {name: metallb, namespace: metallb-system}
spec: {weightByEndpoints: true}
)");
  ASSERT_THAT(r.config.bgp_advertisements, SizeIs(3));
  EXPECT_TRUE(r.config.bgp_advertisements[0].weight_by_endpoints);
  EXPECT_FALSE(r.config.bgp_advertisements[1].weight_by_endpoints);
  // MetalLB has no such field: a warning, and it stays off.
  EXPECT_FALSE(r.config.bgp_advertisements[2].weight_by_endpoints);
  ASSERT_THAT(r.diagnostics, SizeIs(1));
  EXPECT_THAT(r.diagnostics[0].ToString(),
              HasSubstr("metallb spec.weightByEndpoints: warning: unknown field"));
}

TEST(LoaderTest, QuotedScalarsStayText) {
  const LoadResult r =
      LoadYaml(testing::Pool("p", "  addresses: [10.0.0.0/24]\n  autoAssign: 'false'\n"));
  EXPECT_FALSE(r.ok());
  EXPECT_THAT(AllDiagnostics(r),
              HasSubstr("spec.autoAssign: must be true or false, not the text \"false\""));
}

TEST(LoaderTest, KeepsObjectsOfOtherGroupsForOtherReaders) {
  const LoadResult r = LoadYaml(
      "apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: shop}\nspec: {type: "
      "LoadBalancer}\n");
  ASSERT_TRUE(r.ok());
  ASSERT_THAT(r.other_objects, SizeIs(1));
  EXPECT_EQ(r.other_objects[0].object["metadata"]["name"], "web");
  EXPECT_EQ(r.other_objects[0].source.line, 1);
  EXPECT_THAT(r.diagnostics, ::testing::IsEmpty());
}

TEST(LoaderTest, AliasBombsAndDeepNestingAreRefused) {
  std::string bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n";
  char prev = 'a';
  for (char c = 'b'; c <= 'j'; ++c) {
    bomb += absl::StrCat(
        std::string(1, c), ": &", std::string(1, c), " [*", std::string(1, prev), ", *",
        std::string(1, prev), ", *", std::string(1, prev), ", *", std::string(1, prev), ", *",
        std::string(1, prev), ", *", std::string(1, prev), ", *", std::string(1, prev), ", *",
        std::string(1, prev), ", *", std::string(1, prev), ", *", std::string(1, prev), "]\n");
    prev = c;
  }
  const LoadResult r = LoadYaml(bomb);
  EXPECT_FALSE(r.ok());
  EXPECT_THAT(AllDiagnostics(r), HasSubstr("aliases expand the document to too many values"));

  const LoadResult deep = LoadYaml(std::string(500, '[') + std::string(500, ']'));
  EXPECT_FALSE(deep.ok());
}

TEST(LoaderTest, ApiObjectsAreNamedByKindAndName) {
  ConfigReader reader;
  reader.AddJson(nlohmann::json::parse(R"({"apiVersion":"ironlb.io/v1alpha1","kind":"AddressPool",
      "metadata":{"name":"lan","namespace":"ironlb-system","resourceVersion":"12"},
      "spec":{"addresses":["10.0.0.0/24","10.0.1.1/24"]}})"));
  const LoadResult r = std::move(reader).Finish();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.diagnostics[0].ToString(),
            "AddressPool/lan spec.addresses[1]: \"10.0.1.1/24\" has host bits set; did you mean "
            "10.0.1.0/24?");
}

class DirectoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / absl::StrCat("ironlb-config-test-", getpid());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  void Write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name) << text;
  }
  fs::path dir_;
};

TEST_F(DirectoryTest, ReadsYamlFilesInNameOrderAndNamesThem) {
  Write("b.yml", testing::Pool("b", "  addresses: [10.0.1.0/24]\n"));
  Write("a.yaml", testing::Pool("a", "  addresses: [10.0.0.0/24]\n"));
  Write("notes.txt", "not yaml at all: [");
  Write(".hidden.yaml", "not: [valid");
  const LoadResult r = LoadDirectory(dir_.string());
  ASSERT_TRUE(r.ok()) << AllDiagnostics(r);
  ASSERT_THAT(r.config.pools, SizeIs(2));
  EXPECT_EQ(r.config.pools[0].meta.name, "a");
  EXPECT_EQ(r.config.pools[1].meta.source.file, (dir_ / "b.yml").string());
}

TEST_F(DirectoryTest, MissingDirectoryIsAnError) {
  const LoadResult r = LoadDirectory((dir_ / "nope").string());
  EXPECT_FALSE(r.ok());
  EXPECT_THAT(AllDiagnostics(r), HasSubstr("cannot read the config directory"));
}

TEST_F(DirectoryTest, StoreKeepsTheLastGoodConfiguration) {
  ConfigStore store;
  Write("pools.yaml", testing::Pool("lan", "  addresses: [10.0.0.0/24]\n"));
  EXPECT_TRUE(store.Offer(LoadDirectory(dir_.string())));
  EXPECT_EQ(store.generation(), 1);

  Write("pools.yaml", testing::Pool("lan", "  addresses: [10.0.0.0/24]\n") +
                          testing::Pool("wan", "  addresses: [10.0.0.7-10.0.0.9]\n"));
  EXPECT_FALSE(store.Offer(LoadDirectory(dir_.string())));
  EXPECT_EQ(store.generation(), 1);
  ASSERT_THAT(store.last_errors(), SizeIs(1));
  EXPECT_THAT(store.last_errors()[0].ToString(), HasSubstr("overlaps 10.0.0.0/24 of pool \"lan\""));
  // Nothing of the bad load leaked in: still one pool.
  EXPECT_THAT(store.current()->config.pools, SizeIs(1));

  Write("pools.yaml", testing::Pool("lan", "  addresses: [10.0.0.0/25]\n"));
  EXPECT_TRUE(store.Offer(LoadDirectory(dir_.string())));
  EXPECT_EQ(store.generation(), 2);
  EXPECT_THAT(store.last_errors(), SizeIs(0));
  EXPECT_EQ(store.current()->config.pools[0].ranges[0].Size(), 128);
}

TEST(LabelSelectorTest, MatchesLikeKubernetes) {
  LabelSelector s;
  EXPECT_TRUE(s.Matches({}));
  s.match_labels = {{"zone", "a"}};
  s.match_expressions = {{"role", LabelRequirement::Op::kIn, {"edge", "core"}},
                         {"drain", LabelRequirement::Op::kDoesNotExist, {}}};
  EXPECT_TRUE(s.Matches({{"zone", "a"}, {"role", "edge"}}));
  EXPECT_FALSE(s.Matches({{"zone", "b"}, {"role", "edge"}}));
  EXPECT_FALSE(s.Matches({{"zone", "a"}, {"role", "leaf"}}));
  EXPECT_FALSE(s.Matches({{"zone", "a"}, {"role", "edge"}, {"drain", ""}}));
  LabelSelector not_in;
  not_in.match_expressions = {{"tier", LabelRequirement::Op::kNotIn, {"db"}}};
  EXPECT_TRUE(not_in.Matches({}));
  EXPECT_FALSE(not_in.Matches({{"tier", "db"}}));
  EXPECT_TRUE(AnyMatches({}, {{"x", "y"}}));
}

TEST(ValuesTest, CommunitiesAndDurations) {
  auto c = ParseCommunity("no-export");
  ASSERT_THAT(c, ironlb::testing::IsOk());
  EXPECT_EQ((c->high << 16) | c->low, 0xFFFFFF01u);
  auto large = ParseCommunity("large:4200000000:0:4294967295");
  ASSERT_THAT(large, ironlb::testing::IsOk());
  EXPECT_TRUE(large->large);
  EXPECT_EQ(large->low, 4294967295u);
  EXPECT_EQ(*ParseDurationSeconds("1m30s"), 90u);
  EXPECT_FALSE(ParseDurationSeconds("-5s").ok());
  EXPECT_FALSE(ParseDurationSeconds("90").ok());
}

}  // namespace
}  // namespace ironlb::config

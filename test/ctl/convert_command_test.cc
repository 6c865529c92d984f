// `ironlbctl convert`: MetalLB's objects and legacy ConfigMap printed as ironlb.io objects.
// Round trip on every fixture: what convert prints defines exactly what the input defined.
#include "ctl/convert_command.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/str_join.h"
#include "config/loader.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ironlb::ctl {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;

const std::string kFixtures = std::string(IRONLB_TESTDATA) + "/metallb";

std::vector<std::string> Fixtures() {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(kFixtures)) out.push_back(e.path().string());
  std::sort(out.begin(), out.end());
  return out;
}

config::LoadResult Load(const std::string& text, const std::string& file) {
  config::ConfigReader reader;
  reader.AddYaml(text, file);
  return std::move(reader).Finish();
}

std::string Read(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string Problems(const config::LoadResult& r) {
  std::vector<std::string> out;
  for (const auto& d : r.diagnostics) out.push_back(d.ToString());
  return absl::StrJoin(out, "\n");
}

class ConvertRoundTrip : public ::testing::TestWithParam<std::string> {};

TEST_P(ConvertRoundTrip, DefinesExactlyWhatTheInputDefined) {
  std::ostringstream out, err;
  ASSERT_EQ(RunConvert({.paths = {GetParam()}}, out, err), 0) << err.str();
  const config::LoadResult input = Load(Read(GetParam()), GetParam());
  const config::LoadResult converted = Load(out.str(), "converted.yaml");
  ASSERT_TRUE(converted.ok()) << Problems(converted) << "\n" << out.str();
  // Only ironlb.io objects come out.
  EXPECT_THAT(out.str(), Not(HasSubstr("metallb.io/v1beta")));
  EXPECT_THAT(out.str(), Not(HasSubstr("kind: ConfigMap")));
  for (const auto& o : converted.config.pools) EXPECT_TRUE(o.meta.source.label.empty());
  // Field by field (ObjectMeta compares name, namespace and labels; where an object came
  // from is not part of what it defines).
  EXPECT_EQ(input.config.pools, converted.config.pools) << out.str();
  EXPECT_EQ(input.config.l2_advertisements, converted.config.l2_advertisements) << out.str();
  EXPECT_EQ(input.config.bgp_advertisements, converted.config.bgp_advertisements) << out.str();
  EXPECT_EQ(input.config.bgp_peers, converted.config.bgp_peers) << out.str();
  EXPECT_EQ(input.config.bfd_profiles, converted.config.bfd_profiles) << out.str();
  EXPECT_EQ(input.config.port_forwards, converted.config.port_forwards) << out.str();
  EXPECT_TRUE(converted.config.community_aliases.empty());
  // Converting the converted output changes nothing.
  std::ostringstream again, err2;
  const std::string path = ::testing::TempDir() + "/converted.yaml";
  std::ofstream(path) << out.str();
  ASSERT_EQ(RunConvert({.paths = {path}}, again, err2), 0) << err2.str();
  const config::LoadResult twice = Load(again.str(), "twice.yaml");
  EXPECT_EQ(twice.config.pools, converted.config.pools);
  EXPECT_EQ(twice.config.bgp_peers, converted.config.bgp_peers);
  EXPECT_EQ(twice.config.bgp_advertisements, converted.config.bgp_advertisements);
}

INSTANTIATE_TEST_SUITE_P(EveryFixture, ConvertRoundTrip, ::testing::ValuesIn(Fixtures()),
                         [](const auto& info) {
                           std::string name = fs::path(info.param).stem().string();
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });

TEST(ConvertCommandTest, CommentsSayWhereEachObjectCameFrom) {
  std::ostringstream out, err;
  ASSERT_EQ(RunConvert({.paths = {kFixtures + "/legacy-full.yaml", kFixtures + "/crs-layer2.yaml"}},
                       out, err),
            0)
      << err.str();
  const std::string text = out.str();
  EXPECT_THAT(text, HasSubstr("# from " + kFixtures +
                              "/legacy-full.yaml:35: ConfigMap/config data.config "
                              "address-pools[0]\napiVersion: ironlb.io/v1alpha1\nkind: "
                              "AddressPool\nmetadata:\n  name: my-ip-space\n"));
  EXPECT_THAT(text, HasSubstr("# from " + kFixtures +
                              "/crs-layer2.yaml:2: IPAddressPool.metallb.io/first-pool\n"));
  EXPECT_THAT(text, HasSubstr("ConfigMap/config data.config bgp-communities (vpn-only=1234:1): "
                              "its aliases are written as their values"));
  // Values a YAML reader could take for numbers are quoted.
  EXPECT_THAT(text, HasSubstr("- \"64512:1\"\n"));
}

TEST(ConvertCommandTest, InputWithErrorsConvertsNothing) {
  const std::string path = ::testing::TempDir() + "/bad.yaml";
  std::ofstream(path) << "apiVersion: metallb.io/v1beta1\nkind: IPAddressPool\n"
                         "metadata: {name: lan}\nspec: {addresses: [10.0.0.0/33]}\n";
  std::ostringstream out, err;
  EXPECT_EQ(RunConvert({.paths = {path}}, out, err), 1);
  EXPECT_EQ(out.str(), "");
  EXPECT_THAT(err.str(), HasSubstr("bad.yaml:4: IPAddressPool.metallb.io/lan spec.addresses[0]"));
  std::ostringstream out2, err2;
  EXPECT_EQ(RunConvert({}, out2, err2), 2);
}

}  // namespace
}  // namespace ironlb::ctl

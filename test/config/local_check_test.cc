// An L2Advertisement's localCheck (health-gated layer-2 ownership): what a good one decodes to,
// the defaults, and every bad input named by its field.
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "test/config/config_test_util.h"

namespace ironlb::config {
namespace {

using testing::AllDiagnostics;
using testing::LoadYaml;

std::string Advertisement(const std::string& check) {
  return "apiVersion: ironlb.io/v1alpha1\nkind: AddressPool\nmetadata: {name: api}\n"
         "spec: {addresses: [10.0.0.100/32]}\n---\n"
         "apiVersion: ironlb.io/v1alpha1\nkind: L2Advertisement\nmetadata: {name: apiserver}\n"
         "spec:\n  ipAddressPools: [api]\n" +
         check + "---\n";
}

TEST(LocalCheckConfigTest, GoodCheckDecodes) {
  const LoadResult r = LoadYaml(Advertisement(
      "  localCheck:\n    type: HTTPS\n    port: 6443\n    path: /readyz\n    interval: 500ms\n"
      "    timeout: 400ms\n    rise: 1\n    fall: 2\n"));
  ASSERT_TRUE(r.ok()) << AllDiagnostics(r);
  ASSERT_EQ(r.config.l2_advertisements.size(), 1u);
  const auto& c = r.config.l2_advertisements[0].local_check;
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->address.ToString(), "127.0.0.1");  // the default: the node itself
  EXPECT_EQ(c->check.type, HealthCheckType::kHTTPS);
  EXPECT_EQ(c->check.port, 6443);
  EXPECT_EQ(c->check.path, "/readyz");
  EXPECT_EQ(c->check.interval_ms, 500u);
  EXPECT_EQ(c->check.timeout_ms, 400u);
  EXPECT_EQ(c->check.rise, 1u);
  EXPECT_EQ(c->check.fall, 2u);
  EXPECT_EQ(DescribeLocalCheck(*c), "HTTPS 127.0.0.1:6443/readyz");
}

TEST(LocalCheckConfigTest, DefaultsAreTheBackendChecks) {
  const LoadResult r = LoadYaml(Advertisement("  localCheck: {port: 6443, address: \"::1\"}\n"));
  ASSERT_TRUE(r.ok()) << AllDiagnostics(r);
  const auto& c = r.config.l2_advertisements[0].local_check;
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->check.type, HealthCheckType::kTCP);
  EXPECT_EQ(c->check.interval_ms, kDefaultCheckIntervalMs);
  EXPECT_EQ(c->check.timeout_ms, kDefaultCheckTimeoutMs);
  EXPECT_EQ(c->check.rise, kDefaultCheckRise);
  EXPECT_EQ(c->check.fall, kDefaultCheckFall);
  EXPECT_EQ(DescribeLocalCheck(*c), "TCP [::1]:6443");
}

TEST(LocalCheckConfigTest, AbsentMeansNoCheck) {
  const LoadResult r = LoadYaml(Advertisement(""));
  ASSERT_TRUE(r.ok()) << AllDiagnostics(r);
  EXPECT_FALSE(r.config.l2_advertisements[0].local_check.has_value());
}

struct Case {
  std::string name;
  std::string check;
  std::string error;
};
void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

class LocalCheckValidationTest : public ::testing::TestWithParam<Case> {};

TEST_P(LocalCheckValidationTest, NamesTheField) {
  const Case& c = GetParam();
  const LoadResult r = LoadYaml(Advertisement(c.check));
  EXPECT_FALSE(r.ok()) << "expected an error containing: " << c.error;
  bool found = false;
  for (const auto& d : r.diagnostics) {
    if (d.is_error() && d.ToString().find(c.error) != std::string::npos) found = true;
  }
  EXPECT_TRUE(found) << "wanted: " << c.error << "\ngot:\n" << AllDiagnostics(r);
}

INSTANTIATE_TEST_SUITE_P(
    All, LocalCheckValidationTest,
    ::testing::ValuesIn(std::vector<Case>{
        {"no_port", "  localCheck: {type: TCP}\n",
         "L2Advertisement/apiserver spec.localCheck.port: required"},
        {"port_out_of_range", "  localCheck: {port: 70000}\n", "spec.localCheck.port"},
        {"type_none", "  localCheck: {type: None, port: 6443}\n",
         "spec.localCheck.type: None would make every node pass"},
        {"bad_address", "  localCheck: {port: 6443, address: localhost}\n",
         "spec.localCheck.address"},
        {"url_path", "  localCheck: {type: HTTPS, port: 6443, path: \"https://x/readyz\"}\n",
         "spec.localCheck.path: \"https://x/readyz\" is a URL"},
        {"timeout_over_interval", "  localCheck: {port: 6443, interval: 100ms, timeout: 200ms}\n",
         "spec.localCheck.timeout: timeout 200ms is longer than interval 100ms"},
        {"not_an_object", "  localCheck: 6443\n", "spec.localCheck"},
    }),
    [](const ::testing::TestParamInfo<Case>& i) { return i.param.name; });

}  // namespace
}  // namespace ironlb::config

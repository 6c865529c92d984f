// PortForward targets with backends: what a good one decodes to, and every bad input named by
// its field (overlapping forwards, a backend of another family, zero backends, bad health-check
// paths, timeout longer than interval, ...).
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "test/config/config_test_util.h"

namespace ironlb::config {
namespace {

using testing::AllDiagnostics;
using testing::LoadYaml;

std::string Forward(const std::string& name, const std::string& spec) {
  return "apiVersion: ironlb.io/v1alpha1\nkind: PortForward\nmetadata:\n  name: " + name +
         "\nspec:\n  addresses: [203.0.113.5]\n" + spec + "---\n";
}

TEST(BackendsConfigTest, GoodTargetDecodes) {
  const LoadResult r =
      LoadYaml(Forward("web",
                       "  targets:\n"
                       "  - protocol: TCP\n"
                       "    port: 443\n"
                       "    targetPort: 8443\n"
                       "    sessionAffinity: ClientIP\n"
                       "    whenAllDown: Reject\n"
                       "    backends:\n"
                       "    - {address: 10.0.0.11, weight: 3}\n"
                       "    - {address: 10.0.0.12, port: 9443, draining: true}\n"
                       "    healthCheck:\n"
                       "      type: HTTPS\n"
                       "      path: /healthz?full=1\n"
                       "      expectStatus: 204\n"
                       "      interval: 500ms\n"
                       "      timeout: 300ms\n"
                       "      rise: 3\n"
                       "      fall: 2\n"
                       "  - protocol: UDP\n"
                       "    port: 53\n"
                       "    backends: [{address: 10.0.0.21}, {address: 10.0.0.22}]\n"));
  ASSERT_TRUE(r.ok()) << AllDiagnostics(r);
  ASSERT_EQ(r.config.port_forwards.size(), 1u);
  const auto& t = r.config.port_forwards[0].targets;
  ASSERT_EQ(t.size(), 2u);
  ASSERT_EQ(t[0].backends.size(), 2u);
  EXPECT_EQ(t[0].address.ToString(), "10.0.0.11");
  EXPECT_EQ(t[0].backends[0].port, 8443);
  EXPECT_EQ(t[0].backends[0].weight, 3u);
  EXPECT_EQ(t[0].backends[1].port, 9443);
  EXPECT_TRUE(t[0].backends[1].draining);
  EXPECT_TRUE(t[0].source_affinity);
  EXPECT_EQ(t[0].when_all_down, WhenAllDown::kReject);
  ASSERT_TRUE(t[0].health_check.has_value());
  EXPECT_EQ(t[0].health_check->type, HealthCheckType::kHTTPS);
  EXPECT_EQ(t[0].health_check->path, "/healthz?full=1");
  EXPECT_EQ(t[0].health_check->expect_status, 204u);
  EXPECT_EQ(t[0].health_check->interval_ms, 500u);
  EXPECT_EQ(t[0].health_check->timeout_ms, 300u);
  EXPECT_EQ(t[0].health_check->rise, 3u);
  EXPECT_EQ(t[0].health_check->fall, 2u);
  // Defaults: a TCP check on the backend's port, 200ms/150ms, rise 2, fall 3.
  ASSERT_TRUE(t[1].health_check.has_value());
  EXPECT_EQ(t[1].health_check->type, HealthCheckType::kTCP);
  EXPECT_EQ(t[1].health_check->interval_ms, 200u);
  EXPECT_EQ(t[1].health_check->timeout_ms, 150u);
  EXPECT_EQ(t[1].backends[0].port, 53);
}

struct Case {
  std::string name;
  std::string yaml;
  std::string error;
};
void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

class BackendsValidationTest : public ::testing::TestWithParam<Case> {};

TEST_P(BackendsValidationTest, NamesTheField) {
  const Case& c = GetParam();
  const LoadResult r = LoadYaml(c.yaml);
  EXPECT_FALSE(r.ok()) << "expected an error containing: " << c.error;
  bool found = false;
  for (const auto& d : r.diagnostics) {
    if (d.is_error() && d.ToString().find(c.error) != std::string::npos) found = true;
  }
  EXPECT_TRUE(found) << "wanted: " << c.error << "\ngot:\n" << AllDiagnostics(r);
}

const std::string kTcp443 = "  targets:\n  - protocol: TCP\n    port: 443\n";

INSTANTIATE_TEST_SUITE_P(
    All, BackendsValidationTest,
    ::testing::ValuesIn(std::vector<Case>{
        {"zero_backends", Forward("web", kTcp443 + "    backends: []\n"),
         "PortForward/web spec.targets[0].backends: needs at least one backend"},
        {"backend_other_family",
         Forward("web", kTcp443 + "    backends: [{address: 10.0.0.1}, {address: 'fd00::1'}]\n"),
         "PortForward/web spec.targets[0].backends[1].address: fd00::1 is IPv6 but backend 0 is "
         "IPv4"},
        {"backends_family_not_outside",
         Forward("web", kTcp443 + "    backends: [{address: 'fd00::1'}]\n"),
         "PortForward/web spec.targets[0]: target fd00::1 is IPv6 but the group has no outside "
         "address of that family"},
        {"address_and_backends",
         Forward("web", kTcp443 + "    address: 10.0.0.9\n    backends: [{address: 10.0.0.1}]\n"),
         "spec.targets[0].address: set either address (one target) or backends, not both"},
        {"duplicate_backend",
         Forward("web", kTcp443 + "    backends: [{address: 10.0.0.1}, {address: 10.0.0.1}]\n"),
         "spec.targets[0].backends[1]: 10.0.0.1 port 443 is already backend 0"},
        {"weight_zero",
         Forward("web", kTcp443 + "    backends: [{address: 10.0.0.1, weight: 0}]\n"),
         "spec.targets[0].backends[0].weight: 0 is out of range 1..256"},
        {"overlapping_forwards",
         Forward("a", kTcp443 + "    backends: [{address: 10.0.0.1}]\n") +
             Forward("b", kTcp443 + "    backends: [{address: 10.0.0.2}]\n"),
         "PortForward/b spec.targets[0]: TCP/443 on 203.0.113.5 is already forwarded by "
         "PortForward \"a\""},
        {"health_url_not_path",
         Forward("web", kTcp443 +
                            "    backends: [{address: 10.0.0.1}]\n    healthCheck:\n      type: "
                            "HTTP\n      path: http://10.0.0.1/healthz\n"),
         "spec.targets[0].healthCheck.path: \"http://10.0.0.1/healthz\" is a URL"},
        {"health_path_spaces",
         Forward("web", kTcp443 +
                            "    backends: [{address: 10.0.0.1}]\n    healthCheck:\n      type: "
                            "HTTP\n      path: /a b\n"),
         "spec.targets[0].healthCheck.path: \"/a b\" is not a request path"},
        {"health_timeout_over_interval",
         Forward("web", kTcp443 + "    backends: [{address: 10.0.0.1}]\n    healthCheck:\n      "
                                  "interval: 100ms\n      timeout: 1s\n"),
         "spec.targets[0].healthCheck.timeout: timeout 1000ms is longer than interval 100ms"},
        {"health_bad_duration",
         Forward("web", kTcp443 + "    backends: [{address: 10.0.0.1}]\n    healthCheck:\n      "
                                  "interval: soon\n"),
         "spec.targets[0].healthCheck.interval: \"soon\" is not a duration"},
        {"health_bad_type",
         Forward("web", kTcp443 +
                            "    backends: [{address: 10.0.0.1}]\n    healthCheck:\n      type: "
                            "ICMP\n"),
         "spec.targets[0].healthCheck.type: \"ICMP\" is not one of TCP, HTTP, HTTPS, UDP, None"},
        {"health_status_on_tcp",
         Forward("web", kTcp443 + "    backends: [{address: 10.0.0.1}]\n    healthCheck:\n      "
                                  "expectStatus: 200\n"),
         "spec.targets[0].healthCheck.expectStatus: only HTTP and HTTPS checks have a status"},
        {"udp_expect_without_send",
         Forward("web",
                 "  targets:\n  - protocol: UDP\n    port: 53\n    backends: [{address: "
                 "10.0.0.1}]\n    healthCheck: {type: UDP, expect: pong}\n"),
         "spec.targets[0].healthCheck.send: a UDP check that expects a reply must send"},
        {"affinity_bad",
         Forward("web",
                 kTcp443 + "    backends: [{address: 10.0.0.1}]\n    sessionAffinity: Sticky\n"),
         "spec.targets[0].sessionAffinity: \"Sticky\" is not None or ClientIP"},
        {"health_without_backends",
         Forward("web", kTcp443 + "    address: 10.0.0.1\n    healthCheck: {type: TCP}\n"),
         "spec.targets[0].healthCheck: only targets with backends have this"},
    }),
    [](const ::testing::TestParamInfo<Case>& i) { return i.param.name; });

}  // namespace
}  // namespace ironlb::config

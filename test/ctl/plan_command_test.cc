// `ironlbctl plan` end to end through the dispatcher: files on disk in, lines out.
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "ctl/cli.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "test/support/shell.h"

namespace ironlb::ctl {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

constexpr char kPools[] = R"(apiVersion: ironlb.io/v1alpha1
kind: AddressPool
metadata:
  name: lan
spec:
  addresses: ["192.0.2.10-192.0.2.12"]
---
apiVersion: ironlb.io/v1alpha1
kind: AddressPool
metadata:
  name: gold
spec:
  addresses: ["198.51.100.0/30", "2001:db8::/126"]
  serviceAllocation:
    priority: 1
    namespaceSelectors:
    - matchLabels: {tier: gold}
)";

constexpr char kServices[] = R"(apiVersion: v1
kind: Namespace
metadata: {name: shop, labels: {tier: gold}}
---
apiVersion: v1
kind: Service
metadata: {name: ingress, namespace: web, annotations: {ironlb.io/sharing-key: web}}
spec: {type: LoadBalancer, ports: [{port: 443}]}
status: {loadBalancer: {ingress: [{ip: 192.0.2.11}]}}
---
apiVersion: v1
kind: Service
metadata: {name: other, namespace: web, annotations: {ironlb.io/sharing-key: web}}
spec: {type: LoadBalancer, ports: [{port: 80}]}
---
apiVersion: v1
kind: Service
metadata: {name: clash, namespace: web, annotations: {ironlb.io/sharing-key: web}}
spec: {type: LoadBalancer, ports: [{port: 443}], loadBalancerIP: 192.0.2.11}
---
apiVersion: v1
kind: Service
metadata: {name: cart, namespace: shop}
spec:
  type: LoadBalancer
  ipFamilies: [IPv4, IPv6]
  ipFamilyPolicy: RequireDualStack
  ports: [{port: 80}]
)";

constexpr char kList[] = R"({"apiVersion":"v1","kind":"List","items":[
 {"apiVersion":"v1","kind":"Service","metadata":{"name":"dns","namespace":"kube-system"},
  "spec":{"type":"LoadBalancer","ports":[{"port":53,"protocol":"UDP"}]},
  "status":{"loadBalancer":{"ingress":[{"ip":"203.0.113.1"}]}}},
 {"apiVersion":"v1","kind":"Service","metadata":{"name":"internal","namespace":"kube-system"},
  "spec":{"ports":[{"port":53}]}}]})";

class PlanCommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("ironlb-plan-test-" + std::to_string(getpid()));
    fs::create_directories(dir_ / "cfg");
    Write("cfg/pools.yaml", kPools);
    Write("services.yaml", kServices);
    Write("list.json", kList);
  }
  void TearDown() override { fs::remove_all(dir_); }

  void Write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name) << text;
  }

  int Run(std::vector<std::string> args, const std::string& output) {
    args.insert(args.end(), {"--config-dir", (dir_ / "cfg").string(), "-o", output});
    out_.str("");
    err_.str("");
    return RunCli(args, out_, err_);
  }

  fs::path dir_;
  std::ostringstream out_;
  std::ostringstream err_;
};

TEST_F(PlanCommandTest, JsonIsOneObjectPerServiceInInputOrder) {
  ASSERT_EQ(Run({"plan", (dir_ / "services.yaml").string(), (dir_ / "list.json").string()}, "json"),
            0)
      << err_.str();
  EXPECT_EQ(
      out_.str(),
      R"({"service":"web/ingress","addresses":["192.0.2.11"],"pool":"lan","shared_with":["web/other"],"status":"assigned","change":"kept"}
{"service":"web/other","addresses":["192.0.2.11"],"pool":"lan","shared_with":["web/ingress"],"status":"assigned","change":"new"}
{"service":"web/clash","addresses":[],"status":"pending","reason":"port TCP/443 already used on 192.0.2.11 by web/ingress","change":"pending","change_reason":"port TCP/443 already used on 192.0.2.11 by web/ingress"}
{"service":"shop/cart","addresses":["198.51.100.0","2001:db8::"],"pool":"gold","shared_with":[],"status":"assigned","change":"new"}
{"service":"kube-system/dns","addresses":["192.0.2.10"],"pool":"lan","shared_with":[],"status":"assigned","released":["203.0.113.1"],"release_reason":"203.0.113.1 is in no pool","change":"moved","change_reason":"would move from 203.0.113.1 to 192.0.2.10: 203.0.113.1 is in no pool"}
{"service":"kube-system/internal","addresses":[],"status":"ignored","reason":"spec.type is ClusterIP, not LoadBalancer","change":"ignored","change_reason":"spec.type is ClusterIP, not LoadBalancer"}
)");
}

TEST_F(PlanCommandTest, TableShowsServicesAndPoolUsage) {
  ASSERT_EQ(Run({"plan", dir_.string() + "/services.yaml"}, "table"), 0) << err_.str();
  EXPECT_EQ(out_.str(),
            R"(SERVICE      STATUS    ADDRESSES                POOL  SHARED-WITH  REASON
web/ingress  assigned  192.0.2.11               lan   web/other    -
web/other    assigned  192.0.2.11               lan   web/ingress  -
web/clash    pending   -                        -     -            port TCP/443 already used on 192.0.2.11 by web/ingress
shop/cart    assigned  198.51.100.0,2001:db8::  gold  -            -

Addresses Services have now (status): 1 of 1 kept; 1 would move or go pending:
  web/clash: pending: port TCP/443 already used on 192.0.2.11 by web/ingress

POOL  IPV4-IN-USE  IPV4-TOTAL  IPV6-IN-USE  IPV6-TOTAL
gold  1            4           1            4
lan   1            3           0            0
)");
}

TEST_F(PlanCommandTest, ManifestErrorsNameFileAndField) {
  Write("bad.yaml", R"(apiVersion: v1
kind: Service
metadata: {name: web, namespace: ns}
spec:
  type: LoadBalancer
  ports:
  - port: 70000
)");
  EXPECT_EQ(Run({"plan", (dir_ / "bad.yaml").string()}, "json"), 1);
  EXPECT_THAT(err_.str(), HasSubstr("bad.yaml:7: Service/web spec.ports[0].port: 70000 is out "
                                    "of range 1..65535"));
  EXPECT_EQ(out_.str(), "");
}

TEST_F(PlanCommandTest, InvalidConfigurationIsRefused) {
  Write("cfg/broken.yaml", "apiVersion: ironlb.io/v1alpha1\nkind: AddressPool\nmetadata: {}\n");
  EXPECT_EQ(Run({"plan", (dir_ / "services.yaml").string()}, "json"), 1);
  EXPECT_THAT(err_.str(), HasSubstr("is invalid"));
}

TEST_F(PlanCommandTest, UsageErrors) {
  EXPECT_EQ(Run({"plan"}, "json"), 2);
  EXPECT_THAT(err_.str(), HasSubstr("--services"));
  EXPECT_EQ(Run({"plan", (dir_ / "services.yaml").string()}, "yaml"), 2);
  EXPECT_THAT(HelpFor("plan"), HasSubstr("--standalone"));
}

// The real binary: flags with dashes, --services followed by several paths.
TEST_F(PlanCommandTest, BinaryTakesSeveralServicePathsAfterTheFlag) {
  const char* bin = std::getenv("IRONLB_BINARY_DIR");
  ASSERT_NE(bin, nullptr);
  const std::string cmd = std::string(bin) + "/ctl/ironlbctl plan --config-dir " +
                          (dir_ / "cfg").string() + " --services " +
                          (dir_ / "services.yaml").string() + " " + (dir_ / "list.json").string() +
                          " -o json 2>&1";
  int code = -1;
  const std::string text = ironlb::testing::RunShell(cmd, &code);
  EXPECT_EQ(code, 0) << text;
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 6) << text;
  EXPECT_THAT(text, HasSubstr(R"({"service":"kube-system/dns","addresses":["192.0.2.10"])"));
  EXPECT_THAT(text, HasSubstr(R"({"service":"web/ingress","addresses":["192.0.2.11"])"));
}

}  // namespace
}  // namespace ironlb::ctl

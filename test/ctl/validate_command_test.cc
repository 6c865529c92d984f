// ironlbctl validate as an operator runs it: the real binary, real files, exit codes.
#include "ctl/validate_command.h"

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "ctl/cli.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "test/support/shell.h"

namespace ironlb::ctl {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::StartsWith;

class ValidateCommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / absl::StrCat("ironlbctl-test-", getpid());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  void Write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name) << text;
  }
  // Runs the built ironlbctl binary; returns its exit code and stdout.
  std::pair<int, std::string> RunBinary(const std::string& args) {
    const char* bin = std::getenv("IRONLB_BINARY_DIR");
    EXPECT_NE(bin, nullptr);
    const std::string cmd = absl::StrCat(bin, "/ctl/ironlbctl ", args, " 2>&1");
    int code = -1;
    std::string out = ironlb::testing::RunShell(cmd, &code);
    return {code, std::move(out)};
  }
  fs::path dir_;
};

TEST_F(ValidateCommandTest, ValidExampleExitsZeroWithSummary) {
  const char* src = std::getenv("IRONLB_SOURCE_DIR");
  ASSERT_NE(src, nullptr);
  auto [code, out] = RunBinary(absl::StrCat("validate --config-dir ", src, "/examples/homelab"));
  EXPECT_EQ(code, 0) << out;
  EXPECT_THAT(out, HasSubstr("examples/homelab: valid (0 warnings)"));
  EXPECT_THAT(out, HasSubstr("routed  10.100.0.0/24"));
  EXPECT_THAT(out, HasSubstr("1300"));
}

TEST_F(ValidateCommandTest, EveryErrorOnItsOwnLineAndExitOne) {
  Write("pools.yaml", R"(apiVersion: ironlb.io/v1alpha1
kind: AddressPool
metadata: {name: lan}
spec:
  addresses: [10.0.0.0/24, 10.0.1.9-10.0.1.1]
  tcpMSS: 9000000
)");
  Write("peers.yaml", R"(apiVersion: ironlb.io/v1alpha1
kind: BGPPeer
metadata: {name: r}
spec: {myASN: 64512, peerASN: 1, peerAddress: 10.0.0.1, holdTime: 1s, bfdProfile: nope}
)");
  auto [code, out] = RunBinary(absl::StrCat("validate --config-dir=", dir_.string()));
  EXPECT_EQ(code, 1);
  const std::string d = dir_.string();
  EXPECT_THAT(out, HasSubstr(absl::StrCat(
                       d,
                       "/pools.yaml:5: AddressPool/lan spec.addresses[1]: "
                       "range \"10.0.1.9-10.0.1.1\": the end comes before the start\n")));
  EXPECT_THAT(out, HasSubstr(absl::StrCat(d,
                                          "/pools.yaml:6: AddressPool/lan spec.tcpMSS: MSS 9000000 "
                                          "is out of range 536..65495")));
  EXPECT_THAT(
      out, HasSubstr(absl::StrCat(d, "/peers.yaml:4: BGPPeer/r spec.holdTime: 1s is too short")));
  EXPECT_THAT(out, HasSubstr(absl::StrCat(d,
                                          "/peers.yaml:4: BGPPeer/r spec.bfdProfile: no BFDProfile "
                                          "is named \"nope\"")));
  EXPECT_THAT(out, HasSubstr("4 errors, 0 warnings in "));
}

TEST_F(ValidateCommandTest, JsonOutputForScripts) {
  Write("p.yaml",
        "apiVersion: ironlb.io/v1alpha1\nkind: AddressPool\nmetadata: {name: x}\n"
        "spec: {addresses: [10.0.0.0/24], colour: blue}\n");
  auto [code, out] = RunBinary(absl::StrCat("validate -o json --config-dir ", dir_.string()));
  EXPECT_EQ(code, 0) << out;
  auto j = nlohmann::json::parse(out);
  EXPECT_EQ(j["valid"], true);
  ASSERT_EQ(j["warnings"].size(), 1u);
  EXPECT_EQ(j["warnings"][0]["field"], "spec.colour");
  EXPECT_EQ(j["warnings"][0]["line"], 4);
}

TEST_F(ValidateCommandTest, UsageErrorsExitTwo) {
  std::ostringstream out, err;
  EXPECT_EQ(RunValidate({.config_dir = ""}, out, err), 2);
  EXPECT_THAT(err.str(), HasSubstr("--config-dir is required"));
  EXPECT_EQ(RunValidate({.config_dir = dir_.string(), .output = "yaml"}, out, err), 2);
  EXPECT_EQ(RunCli({"frobnicate"}, out, err), 2);
  EXPECT_THAT(err.str(), HasSubstr("no command named \"frobnicate\""));
}

TEST_F(ValidateCommandTest, HelpIsWrittenForOperators) {
  auto [code, out] = RunBinary("--help");
  EXPECT_EQ(code, 0);
  EXPECT_THAT(out, StartsWith("ironlbctl checks and explains ironlb"));
  auto [vcode, vout] = RunBinary("validate --help");
  EXPECT_EQ(vcode, 0);
  EXPECT_THAT(vout, StartsWith("Usage: ironlbctl validate --config-dir DIR"));
}

}  // namespace
}  // namespace ironlb::ctl

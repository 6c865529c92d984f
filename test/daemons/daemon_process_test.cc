// The daemons as an operator runs them: real binaries, real signals, real HTTP on loopback.
// A reload with a broken configuration must keep the last good one in force.
#include "test/support/daemon_process.h"

#include <fcntl.h>
#include <httplib.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <thread>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ironlb {
namespace {

namespace fs = std::filesystem;
using ::ironlb::testing::Daemon;
using ::testing::HasSubstr;

const char kGoodPool[] =
    "apiVersion: ironlb.io/v1alpha1\nkind: AddressPool\nmetadata: {name: lan}\n"
    "spec: {addresses: [10.0.0.0/24]}\n";
const char kBadPool[] =
    "apiVersion: ironlb.io/v1alpha1\nkind: AddressPool\nmetadata: {name: lan}\n"
    "spec: {addresses: [10.0.0.9-10.0.0.1]}\n";

class DaemonProcessTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / absl::StrCat("ironlb-daemon-test-", getpid());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  void WritePools(const char* text) { std::ofstream(dir_ / "pools.yaml") << text; }
  fs::path dir_;
};

TEST_P(DaemonProcessTest, KeepsLastGoodConfigOnBadReloadAndStopsOnSigterm) {
  const std::string binary = absl::StrCat(std::getenv("IRONLB_BINARY_DIR"), "/", GetParam());
  WritePools(kGoodPool);
  Daemon d(binary, {"--config-dir", dir_.string(), "--metrics-address=127.0.0.1:0", "--log-format",
                    "logfmt"});
  const std::string port = d.WaitForLog("metrics_port=([0-9]+)", std::chrono::seconds(10));
  ASSERT_FALSE(port.empty());
  httplib::Client http("127.0.0.1", std::stoi(port));
  http.set_read_timeout(30);  // a hung daemon only
  auto ready = http.Get("/readyz");
  ASSERT_TRUE(ready);
  EXPECT_EQ(ready->status, 200);
  auto m = http.Get("/metrics");
  ASSERT_TRUE(m);
  EXPECT_THAT(m->body, HasSubstr("ironlb_config_generation 1\n"));
  EXPECT_THAT(m->body, HasSubstr("ironlb_config_last_reload_successful 1\n"));

  WritePools(kBadPool);
  d.Signal(SIGHUP);
  d.WaitForLog("configuration rejected; the previous one stays in force", std::chrono::seconds(10));
  EXPECT_THAT(d.log(), HasSubstr("the end comes before the start"));
  m = http.Get("/metrics");
  ASSERT_TRUE(m);
  EXPECT_THAT(m->body, HasSubstr("ironlb_config_generation 1\n"));
  EXPECT_THAT(m->body, HasSubstr("ironlb_config_last_reload_successful 0\n"));
  EXPECT_THAT(m->body, HasSubstr("ironlb_config_errors 1\n"));
  ready = http.Get("/readyz");
  ASSERT_TRUE(ready);
  EXPECT_EQ(ready->status, 200);  // still serving the last good configuration

  EXPECT_EQ(d.StopWith(SIGTERM), 0);
  d.WaitForLog("msg=\"ironlb-[a-z]+ stopped\"", std::chrono::seconds(30));
}

TEST_P(DaemonProcessTest, NotReadyWithoutAValidConfiguration) {
  const std::string binary = absl::StrCat(std::getenv("IRONLB_BINARY_DIR"), "/", GetParam());
  WritePools(kBadPool);
  Daemon d(binary, {"--config-dir", dir_.string(), "--metrics-address=127.0.0.1:0"});
  const std::string port = d.WaitForLog("metrics_port=([0-9]+)", std::chrono::seconds(10));
  ASSERT_FALSE(port.empty());
  httplib::Client http("127.0.0.1", std::stoi(port));
  auto ready = http.Get("/readyz");
  ASSERT_TRUE(ready);
  EXPECT_EQ(ready->status, 503);
  EXPECT_THAT(ready->body, HasSubstr("no valid configuration loaded from"));
  EXPECT_EQ(d.StopWith(SIGINT), 0);
}

TEST_P(DaemonProcessTest, BadFlagsExitTwoWithAMessage) {
  const std::string binary = absl::StrCat(std::getenv("IRONLB_BINARY_DIR"), "/", GetParam());
  Daemon d(binary, {"--config-dir", dir_.string(), "--log-level=loud"});
  d.WaitForLog("--log-level: \"loud\" is not one of", std::chrono::seconds(10));
  EXPECT_EQ(d.StopWith(0), 2);
}

// The controller reads its configuration from the Kubernetes API, not a directory:
// test/controller/controller_process_test.cc runs it against the fake API server.
INSTANTIATE_TEST_SUITE_P(Daemons, DaemonProcessTest, ::testing::Values("speaker/ironlb-speaker"),
                         [](const auto&) { return "speaker"; });

}  // namespace
}  // namespace ironlb

// The daemons as an operator runs them: real binaries, real signals, real HTTP on loopback.
// A reload with a broken configuration must keep the last good one in force.
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
using ::testing::HasSubstr;

const char kGoodPool[] =
    "apiVersion: ironlb.io/v1alpha1\nkind: AddressPool\nmetadata: {name: lan}\n"
    "spec: {addresses: [10.0.0.0/24]}\n";
const char kBadPool[] =
    "apiVersion: ironlb.io/v1alpha1\nkind: AddressPool\nmetadata: {name: lan}\n"
    "spec: {addresses: [10.0.0.9-10.0.0.1]}\n";

// One daemon process; killed (by PID) if the test leaves it running.
class Daemon {
 public:
  Daemon(const std::string& binary, const std::vector<std::string>& args) {
    int fds[2];
    EXPECT_EQ(pipe2(fds, O_CLOEXEC), 0);
    pid_ = fork();
    if (pid_ == 0) {
      dup2(fds[1], STDERR_FILENO);
      std::vector<char*> argv;
      std::vector<std::string> all = {binary};
      all.insert(all.end(), args.begin(), args.end());
      for (auto& a : all) argv.push_back(a.data());
      argv.push_back(nullptr);
      execv(binary.c_str(), argv.data());
      _exit(127);
    }
    close(fds[1]);
    err_fd_ = fds[0];
  }
  ~Daemon() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    close(err_fd_);
  }
  // Reads stderr until `re` matches (bounded by `timeout`); returns the first group.
  std::string WaitForLog(const std::string& re, std::chrono::milliseconds timeout) {
    const std::regex pattern(re);
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      std::smatch m;
      if (std::regex_search(log_, m, pattern)) return m.size() > 1 ? m[1].str() : m[0].str();
      pollfd p{err_fd_, POLLIN, 0};
      if (poll(&p, 1, 50) > 0) {
        char buf[4096];
        const ssize_t n = read(err_fd_, buf, sizeof(buf));
        if (n <= 0) break;
        log_.append(buf, n);
      }
    }
    ADD_FAILURE() << "no log line matching " << re << " in:\n" << log_;
    return "";
  }
  // Sends `sig` and waits (bounded) for the exit status.
  int StopWith(int sig) {
    kill(pid_, sig);
    for (int i = 0; i < 100; ++i) {
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return -1;
  }
  void Signal(int sig) { kill(pid_, sig); }
  const std::string& log() const { return log_; }

 private:
  pid_t pid_ = -1;
  int err_fd_ = -1;
  std::string log_;
};

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
  http.set_read_timeout(2);
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
  d.WaitForLog("msg=\"ironlb-[a-z]+ stopped\"", std::chrono::seconds(2));
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

INSTANTIATE_TEST_SUITE_P(Daemons, DaemonProcessTest,
                         ::testing::Values("controller/ironlb-controller",
                                           "speaker/ironlb-speaker"),
                         [](const auto& info) {
                           return info.param.find("controller") != std::string::npos ? "controller"
                                                                                     : "speaker";
                         });

}  // namespace
}  // namespace ironlb

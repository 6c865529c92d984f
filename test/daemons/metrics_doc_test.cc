// Every daemon's /metrics as an operator scrapes it: the real ironlb-speaker (layer 2, nftables,
// BGP and router role all configured) and ironlb-controller in a network namespace of their own.
// Their output must pass `promtool check metrics`, and every family they export must be in
// docs/metrics.md with the same type and labels, so the documentation cannot drift.
#include <fcntl.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "test/kube/fake_api_server.h"
#include "test/support/daemon_process.h"
#include "test/support/shell.h"

namespace ironlb {
namespace {

namespace fs = std::filesystem;
using ::ironlb::testing::RunShell;

constexpr char kConfig[] = R"(apiVersion: ironlb.io/v1alpha1
kind: AddressPool
metadata: {name: lan}
spec: {addresses: [10.78.0.100-10.78.0.120], tcpMSS: 1400}
---
apiVersion: ironlb.io/v1alpha1
kind: L2Advertisement
metadata: {name: lan}
spec: {ipAddressPools: [lan], interfaces: [eth0]}
---
apiVersion: ironlb.io/v1alpha1
kind: BGPPeer
metadata: {name: tor}
spec: {myASN: 64500, peerASN: 64501, peerAddress: 10.78.0.1}
---
apiVersion: ironlb.io/v1alpha1
kind: PortForward
metadata: {name: outside}
spec:
  interfaces: [eth1]
  serviceSelectors: [{matchLabels: {expose: outside}}]
---
apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: shop
  labels: {expose: outside}
  annotations: {ironlb.io/addresses: 10.78.0.100}
spec: {type: LoadBalancer, ports: [{protocol: TCP, port: 80}]}
)";

struct Family {
  std::string type;
  std::set<std::string> labels;  // label names of its samples (le excluded)
  bool has_samples = false;
};

// Families of a Prometheus text exposition, by name.
std::map<std::string, Family> ParseExposition(const std::string& text) {
  std::map<std::string, Family> out;
  static const std::regex kType(R"(^# TYPE (\S+) (\S+)$)");
  static const std::regex kLabel(R"re(([a-zA-Z_][a-zA-Z0-9_]*)="(?:[^"\\]|\\.)*")re");
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    std::smatch m;
    if (std::regex_match(line, m, kType)) {
      out[m[1]].type = m[2];
      continue;
    }
    if (line.empty() || line[0] == '#') continue;
    const size_t end = line.find_first_of("{ ");
    std::string name = line.substr(0, end);
    for (const char* suffix : {"_bucket", "_sum", "_count"}) {
      const std::string s = suffix;
      if (!out.count(name) && name.size() > s.size() &&
          name.compare(name.size() - s.size(), s.size(), s) == 0) {
        name.resize(name.size() - s.size());
      }
    }
    Family& f = out[name];
    f.has_samples = true;
    if (end != std::string::npos && line[end] == '{') {
      const std::string labels = line.substr(end, line.rfind('}') - end);
      for (std::sregex_iterator it(labels.begin(), labels.end(), kLabel), e; it != e; ++it) {
        if ((*it)[1] != "le") f.labels.insert((*it)[1]);
      }
    }
  }
  return out;
}

// The table rows of docs/metrics.md: | `name` | type | `label`, ... | meaning |
std::map<std::string, Family> ParseDoc(const std::string& path) {
  std::map<std::string, Family> out;
  std::ifstream in(path);
  static const std::regex kRow(R"(^\| `(ironlb_[a-z0-9_]+)` \| (\w+) \| ([^|]*) \|.*)");
  static const std::regex kName("`([a-z_]+)`");
  std::string line;
  while (std::getline(in, line)) {
    std::smatch m;
    if (!std::regex_match(line, m, kRow)) continue;
    Family& f = out[m[1]];
    f.type = m[2];
    const std::string labels = m[3];
    for (std::sregex_iterator it(labels.begin(), labels.end(), kName), e; it != e; ++it) {
      f.labels.insert((*it)[1]);
    }
  }
  return out;
}

double Sample(const std::string& text, const std::string& series) {
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(series + " ", 0) == 0) return std::stod(line.substr(series.size() + 1));
  }
  return -1;
}

// Sends a truncated ARP request (the Ethernet header and the first 8 bytes of the ARP body) out of
// `ifname` inside namespace `ns`, from a child process so that this one stays in its own namespace.
// Returns the child's status.
int SendTruncatedArp(const std::string& ns, const std::string& ifname) {
  const pid_t pid = fork();
  if (pid == 0) {
    const int nsfd = open(("/var/run/netns/" + ns).c_str(), O_RDONLY | O_CLOEXEC);
    if (nsfd < 0 || setns(nsfd, CLONE_NEWNET) != 0) _exit(1);
    const int fd = socket(AF_PACKET, SOCK_RAW, 0);
    sockaddr_ll to{};
    to.sll_family = AF_PACKET;
    to.sll_ifindex = static_cast<int>(if_nametoindex(ifname.c_str()));
    to.sll_halen = 6;
    std::fill(to.sll_addr, to.sll_addr + 6, 0xff);
    const uint8_t frame[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0,    0,    0,    0,
                             1,    0x08, 0x06, 0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x01};
    if (fd < 0 || to.sll_ifindex == 0 ||
        sendto(fd, frame, sizeof(frame), 0, reinterpret_cast<sockaddr*>(&to), sizeof(to)) < 0) {
      _exit(2);
    }
    _exit(0);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

class MetricsDocTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ns_ = absl::StrCat("ilb-metrics-", getpid());
    dir_ = fs::temp_directory_path() / ns_;
    fs::create_directories(dir_);
    std::ofstream(dir_ / "config.yaml") << kConfig;
    std::ofstream(dir_ / "key") << "a-shared-key-for-the-metrics-test\n";
    int rc = 0;
    RunShell(absl::StrCat("ip netns add ", ns_, " 2>&1"), &rc);
    ASSERT_EQ(rc, 0) << "cannot create namespace " << ns_ << " (the test needs root)";
    // eth0 carries the layer-2 segment, eth1 (the other end) plays a client and the outside.
    for (const std::string& cmd :
         {"ip link set lo up", "ip link add eth0 type veth peer name eth1", "ip link set eth0 up",
          "ip link set eth1 up", "ip addr add 10.78.0.11/24 dev eth0",
          "ip addr add 10.78.0.12/24 dev eth1"}) {
      RunShell(absl::StrCat("ip netns exec ", ns_, " ", cmd, " 2>&1"), &rc);
      ASSERT_EQ(rc, 0) << cmd;
    }
  }
  void TearDown() override {
    for (pid_t pid : pids_) {
      kill(pid, SIGKILL);
      waitpid(pid, nullptr, 0);
    }
    if (HasFailure()) {
      for (const char* log : {"speaker.log", "controller.log"}) {
        std::ifstream in(dir_ / log);
        std::cout << "---- " << log << "\n" << in.rdbuf() << "\n";
      }
    }
    RunShell(absl::StrCat("ip netns delete ", ns_, " 2>/dev/null"));
    fs::remove_all(dir_);
  }
  void Start(const std::string& binary, const std::string& log, std::vector<std::string> args) {
    const std::string bin = absl::StrCat(std::getenv("IRONLB_BINARY_DIR"), "/", binary);
    const std::string log_path = (dir_ / log).string();
    std::vector<std::string> all = {"ip", "netns", "exec", ns_, bin};
    all.insert(all.end(), args.begin(), args.end());
    const pid_t pid = fork();
    if (pid == 0) {
      const int fd = open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
      dup2(fd, STDERR_FILENO);
      std::vector<char*> argv;
      for (auto& a : all) argv.push_back(a.data());
      argv.push_back(nullptr);
      execvp("ip", argv.data());
      _exit(127);
    }
    pids_.push_back(pid);
  }
  std::string Scrape(int port) {
    return RunShell(absl::StrCat("ip netns exec ", ns_,
                                 " curl -s --max-time 2 http://127.0.0.1:", port, "/metrics"));
  }
  // Scrapes until `series` has a value of at least `min` (bounded: 15 s).
  std::string ScrapeUntil(int port, const std::string& series, double min) {
    std::string text;
    for (int i = 0; i < 150; ++i) {
      text = Scrape(port);
      if (Sample(text, series) >= min) return text;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ADD_FAILURE() << "no " << series << " >= " << min << " in:\n" << text;
    return text;
  }
  void ExpectPromtoolClean(const std::string& text, const std::string& name) {
    const fs::path file = dir_ / (name + ".prom");
    std::ofstream(file) << text;
    int rc = 0;
    const std::string lint =
        RunShell(absl::StrCat("promtool check metrics < ", file.string(), " 2>&1"), &rc);
    EXPECT_EQ(rc, 0) << name << ": promtool check metrics (from Debian's prometheus package; "
                     << "packaging/install-deps.sh installs it) says:\n"
                     << lint;
  }
  void ExpectDocumented(const std::string& text, const std::string& name) {
    const std::string doc = absl::StrCat(std::getenv("IRONLB_SOURCE_DIR"), "/docs/metrics.md");
    const auto documented = ParseDoc(doc);
    ASSERT_GT(documented.size(), 10u) << "no metric table rows in " << doc;
    for (const auto& [family, f] : ParseExposition(text)) {
      auto d = documented.find(family);
      if (d == documented.end()) {
        ADD_FAILURE() << name << " exports " << family << ", which docs/metrics.md lacks";
        continue;
      }
      EXPECT_EQ(d->second.type, f.type) << family << ": type in docs/metrics.md";
      if (f.has_samples && !f.labels.empty()) {
        EXPECT_EQ(d->second.labels, f.labels)
            << family << ": labels in docs/metrics.md are " << absl::StrJoin(d->second.labels, ",")
            << ", /metrics has " << absl::StrJoin(f.labels, ",");
      } else if (f.has_samples) {
        EXPECT_TRUE(d->second.labels.empty()) << family << " has no labels in /metrics";
      }
    }
  }

  // Every ironlb_ metric the alert rules, their tests and the dashboard of packaging/monitoring/
  // name is a family these live daemons export (a histogram's _bucket/_sum/_count included).
  void ExpectMonitoringNamesExported(const std::string& speaker, const std::string& controller) {
    std::set<std::string> exported;
    for (const std::string* text : {&speaker, &controller}) {
      for (const auto& [family, f] : ParseExposition(*text)) {
        exported.insert(family);
        if (f.type == "histogram") {
          for (const char* suffix : {"_bucket", "_sum", "_count"}) {
            exported.insert(family + suffix);
          }
        }
      }
    }
    const fs::path dir = fs::path(std::getenv("IRONLB_SOURCE_DIR")) / "packaging" / "monitoring";
    int names = 0;
    for (const char* file :
         {"ironlb-alerts.yaml", "ironlb-alerts_test.yaml", "ironlb-dashboard.json"}) {
      std::ifstream in(dir / file);
      ASSERT_TRUE(in) << dir / file;
      std::stringstream text;
      text << in.rdbuf();
      const std::string body = text.str();
      for (size_t at = body.find("ironlb_"); at != std::string::npos;
           at = body.find("ironlb_", at + 1)) {
        if (at > 0 &&
            (std::isalnum(static_cast<unsigned char>(body[at - 1])) || body[at - 1] == '_'))
          continue;
        size_t end = at;
        while (end < body.size() &&
               (std::isalnum(static_cast<unsigned char>(body[end])) || body[end] == '_')) {
          ++end;
        }
        const std::string name = body.substr(at, end - at);
        ++names;
        EXPECT_TRUE(exported.count(name))
            << file << " names " << name << ", which neither daemon exports";
      }
    }
    EXPECT_GT(names, 20);
  }

  std::string ns_;
  fs::path dir_;
  std::vector<pid_t> pids_;
};

TEST_F(MetricsDocTest, SpeakerAndControllerMetricsAreLintCleanAndDocumented) {
  Start("speaker/ironlb-speaker", "speaker.log",
        {"--config-dir", dir_.string(), "--layer2-key-file", (dir_ / "key").string(), "--node-name",
         "node-0", "--metrics-address", "127.0.0.1:7473", "--status-socket",
         (dir_ / "status.sock").string(), "--frr-vty-dir", (dir_ / "no-frr").string()});
  // The controller reads its configuration from the Kubernetes API: the fake API server on
  // this host's loopback, with one AddressPool.
  auto api = kube::testing::FakeApiServer::Start();
  ASSERT_TRUE(api.ok()) << api.status();
  (*api)->Put("ironlb.io/v1alpha1/addresspools",
              nlohmann::json::parse(R"({"apiVersion":"ironlb.io/v1alpha1","kind":"AddressPool",
                "metadata":{"name":"lan","namespace":"ironlb-system","resourceVersion":"1"},
                "spec":{"addresses":["10.79.0.0/28"]}})"));
  const fs::path kubeconfig = dir_ / "kubeconfig";
  std::ofstream(kubeconfig) << absl::StrCat(
      "apiVersion: v1\nkind: Config\nclusters: [{name: fake, cluster: {server: \"", (*api)->url(),
      "\"}}]\nusers: [{name: ironlb, user: {token: test}}]\n"
      "contexts: [{name: fake, context: {cluster: fake, user: ironlb, namespace: ironlb-system}}]\n"
      "current-context: fake\n");
  ironlb::testing::Daemon controller_daemon(
      absl::StrCat(std::getenv("IRONLB_BINARY_DIR"), "/controller/ironlb-controller"),
      {"--kubeconfig", kubeconfig.string(), "--metrics-address=127.0.0.1:0"});
  const std::string controller_port =
      controller_daemon.WaitForLog("metrics_port=([0-9]+)", std::chrono::seconds(10));

  // The speaker owns the VIP (alone on the segment), has told the LAN, and clamps its MSS.
  std::string speaker = ScrapeUntil(7473, "ironlb_l2_vips_owned{interface=\"eth0\"}", 1);
  speaker = ScrapeUntil(7473, "ironlb_l2_gratuitous_sent_total{family=\"ipv4\"}", 1);
  // A client on the other end asks for the VIP: the request is seen and answered.
  RunShell(absl::StrCat("ip netns exec ", ns_, " arping -c 2 -w 2 -I eth1 10.78.0.100 2>&1"));
  speaker = ScrapeUntil(7473, "ironlb_l2_replies_sent_total{family=\"ipv4\"}", 1);
  EXPECT_GE(Sample(speaker, "ironlb_l2_requests_seen_total{family=\"ipv4\"}"), 1);
  // A broken frame is dropped and counted.
  ASSERT_EQ(SendTruncatedArp(ns_, "eth1"), 0);
  speaker = ScrapeUntil(7473, "ironlb_l2_malformed_dropped_total", 1);
  speaker = ScrapeUntil(7473, "ironlb_nft_clamped_vips", 1);
  EXPECT_EQ(Sample(speaker, "ironlb_config_generation"), 1);
  EXPECT_EQ(Sample(speaker, "ironlb_config_last_reload_successful"), 1);
  EXPECT_EQ(Sample(speaker, "ironlb_config_errors"), 0);
  EXPECT_THAT(speaker, ::testing::HasSubstr("ironlb_build_info{component=\"speaker\""));
  // Every part ran, so every family of the speaker is in this one scrape.
  for (const char* family : {"ironlb_l2_failover_seconds", "ironlb_nft_reconcile_seconds",
                             "ironlb_bgp_frr_in_sync", "ironlb_router_forwards",
                             "ironlb_forward_packets_total", "ironlb_l2_malformed_dropped_total"}) {
    EXPECT_THAT(speaker, ::testing::HasSubstr(absl::StrCat("# TYPE ", family, " ")));
  }
  ExpectPromtoolClean(speaker, "speaker");
  ExpectDocumented(speaker, "ironlb-speaker");

  std::string controller;
  for (int i = 0; i < 150; ++i) {  // bounded: 15 s
    controller = RunShell(
        absl::StrCat("curl -s --max-time 2 http://127.0.0.1:", controller_port, "/metrics"));
    if (Sample(controller, "ironlb_config_generation") >= 1) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_GE(Sample(controller, "ironlb_config_generation"), 1) << controller;
  EXPECT_THAT(controller, ::testing::HasSubstr("ironlb_build_info{component=\"controller\""));
  ExpectPromtoolClean(controller, "controller");
  ExpectDocumented(controller, "ironlb-controller");
  ExpectMonitoringNamesExported(speaker, controller);
}

TEST(MetricsDocParseTest, FamiliesTypesAndLabels) {
  const auto f = ParseExposition(
      "# HELP a_seconds x\n# TYPE a_seconds histogram\n"
      "a_seconds_bucket{interface=\"eth0\",cause=\"x,y\",le=\"0.1\"} 1\n"
      "a_seconds_sum{interface=\"eth0\",cause=\"x,y\"} 1\n# TYPE b gauge\nb 3\n");
  ASSERT_EQ(f.size(), 2u);
  EXPECT_EQ(f.at("a_seconds").type, "histogram");
  EXPECT_EQ(f.at("a_seconds").labels, (std::set<std::string>{"cause", "interface"}));
  EXPECT_TRUE(f.at("b").labels.empty());
  EXPECT_TRUE(f.at("b").has_samples);
  EXPECT_EQ(Sample("b 3\nbb 4\n", "b"), 3);
}

}  // namespace
}  // namespace ironlb

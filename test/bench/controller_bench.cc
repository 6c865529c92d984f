// ironlb-controller benchmark against the fake API server (in this process, on loopback):
// the real controller binary runs as a child process so its CPU time and peak memory are its
// own. Prints figures, then one JSON line. Not a timed assertion; the machine's 2 cores are
// shared with other sessions and with the fake server, so figures are noisy.
//
//   all_status:    the controller is running with one pool and no Services; 10,000
//                  LoadBalancer Services are created; time until every one shows its address
//                  in status.loadBalancer.ingress (and, second figure, until every one also
//                  carries the allocated-from-pool annotation). Polled every 100 ms: counting
//                  10,000 objects holds the fake server's lock, so polling faster slows it.
//   single:        one more Service created; time until its status shows an address.
//                  Median and worst of 20.
//   restart:       the controller killed (SIGKILL) and started again with the 10,020 Services
//                  in place: time until it is ready, and how many addresses moved (must be 0).
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "test/controller/api_objects.h"
#include "test/kube/fake_api_server.h"

namespace ironlb::controller::testing {
namespace {

using Clock = std::chrono::steady_clock;
using kube::testing::FakeApiServer;

constexpr int kServiceCount = 10000;

double MsSince(Clock::time_point t) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}

// A child process, killed (SIGKILL, by PID) when destroyed.
class Child {
 public:
  explicit Child(const std::vector<std::string>& args, const std::string& log) {
    pid_ = fork();
    if (pid_ == 0) {
      FILE* f = std::freopen(log.c_str(), "a", stderr);
      (void)f;
      std::vector<char*> argv;
      std::vector<std::string> all = args;
      for (auto& a : all) argv.push_back(a.data());
      argv.push_back(nullptr);
      execv(argv[0], argv.data());
      _exit(127);
    }
  }
  ~Child() {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  // utime + stime in seconds, from /proc/PID/stat.
  double CpuSeconds() const {
    std::ifstream in(absl::StrCat("/proc/", pid_, "/stat"));
    std::string stat((std::istreambuf_iterator<char>(in)), {});
    const size_t close = stat.rfind(')');
    if (close == std::string::npos) return -1;
    std::vector<std::string> fields;
    std::string field;
    for (size_t i = close + 2; i <= stat.size(); ++i) {
      if (i == stat.size() || stat[i] == ' ') {
        fields.push_back(field);
        field.clear();
      } else {
        field.push_back(stat[i]);
      }
    }
    // Fields after ")" start at state (3rd); utime is the 14th, stime the 15th.
    const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
    return (std::atof(fields[11].c_str()) + std::atof(fields[12].c_str())) / ticks;
  }
  double ProcStatusMb(const char* key) const {
    std::ifstream in(absl::StrCat("/proc/", pid_, "/status"));
    std::string line;
    while (std::getline(in, line)) {
      if (line.rfind(key, 0) == 0) return std::atof(line.c_str() + std::strlen(key)) / 1024.0;
    }
    return -1;
  }

 private:
  pid_t pid_ = -1;
};

template <typename F>
double WaitMs(Clock::time_point since, F done, double limit_ms, absl::Duration poll) {
  while (!done()) {
    if (MsSince(since) > limit_ms) throw std::runtime_error("timed out");
    absl::SleepFor(poll);
  }
  return MsSince(since);
}

// Whether `object` has a non-empty value at `path`. Cheap: the count below holds the fake
// server's lock over 10,000 objects, and a slow one would slow the server down.
bool Has(const json& object, std::initializer_list<const char*> path) {
  const json* at = &object;
  for (const char* key : path) {
    if (!at->is_object()) return false;
    auto it = at->find(key);
    if (it == at->end()) return false;
    at = &*it;
  }
  return !at->empty();
}

int Count(const FakeApiServer& server, bool annotation) {
  int n = 0;
  server.Visit(kServices, [&](const json& s) {
    if (annotation ? Has(s, {"metadata", "annotations", "ironlb.io/allocated-from-pool"})
                   : Has(s, {"status", "loadBalancer", "ingress"})) {
      ++n;
    }
  });
  return n;
}

bool Ready(const FakeApiServer& server) {
  auto pool = server.Object(kPools, kSystemNamespace, "bench");
  return pool && pool->contains("status");  // the Accepted condition: leading and decided
}

int Main() {
  auto started = FakeApiServer::Start();
  if (!started.ok()) throw std::runtime_error(std::string(started.status().message()));
  std::unique_ptr<FakeApiServer> server = *std::move(started);
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / absl::StrCat("ironlb-controller-bench-", getpid());
  std::filesystem::create_directories(dir);
  const std::string kubeconfig = (dir / "kubeconfig").string();
  std::ofstream(kubeconfig) << absl::StrCat(
      "apiVersion: v1\nkind: Config\nclusters: [{name: fake, cluster: {server: \"", server->url(),
      "\"}}]\nusers: [{name: u, user: {token: t}}]\n",
      "contexts: [{name: c, context: {cluster: fake, user: u, namespace: ", kSystemNamespace,
      "}}]\ncurrent-context: c\n");
  const char* bin = std::getenv("IRONLB_CONTROLLER");
  const std::string binary = bin != nullptr ? bin : IRONLB_CONTROLLER_BINARY;
  const std::vector<std::string> args = {binary,
                                         "--kubeconfig",
                                         kubeconfig,
                                         "--identity",
                                         "bench",
                                         "--metrics-address=127.0.0.1:0",
                                         "--log-level=warn"};
  const std::string log = (dir / "controller.log").string();

  server->Put(kPools, PoolJson("bench", {"10.40.0.0/18"}));
  auto controller = std::make_unique<Child>(args, log);
  WaitMs(
      Clock::now(), [&] { return Ready(*server); }, 30000, absl::Milliseconds(10));

  // 10,000 Services from empty.
  const double cpu0 = controller->CpuSeconds();
  const auto t0 = Clock::now();
  for (int i = 0; i < kServiceCount; ++i) {
    server->Put(kServices,
                ServiceJson(absl::StrCat("ns", i % 50), absl::StrFormat("svc-%05d", i), {80, 443}));
  }
  const double create_ms = MsSince(t0);
  const double status_ms = WaitMs(
      t0, [&] { return Count(*server, false) == kServiceCount; }, 120000, absl::Milliseconds(100));
  const double annotated_ms = WaitMs(
      t0, [&] { return Count(*server, true) == kServiceCount; }, 120000, absl::Milliseconds(100));
  const double cpu_s = controller->CpuSeconds() - cpu0;
  std::printf(
      "10k Services: created in %.0f ms; all statuses written after %.0f ms, all "
      "annotations after %.0f ms; controller CPU %.2f s\n",
      create_ms, status_ms, annotated_ms, cpu_s);

  // One more Service, twenty times.
  absl::SleepFor(absl::Seconds(1));  // let the Events of the burst drain
  std::vector<double> single;
  for (int i = 0; i < 20; ++i) {
    const std::string name = absl::StrCat("single-", i);
    const auto t = Clock::now();
    server->Put(kServices, ServiceJson("ns0", name));
    single.push_back(WaitMs(
        t,
        [&] {
          auto s = server->Object(kServices, "ns0", name);
          return s && !IngressIps(*s).empty();
        },
        10000, absl::Microseconds(200)));
    absl::SleepFor(absl::Milliseconds(50));
  }
  std::sort(single.begin(), single.end());
  std::printf("one new Service to status: median %.1f ms, worst %.1f ms (of %zu)\n",
              single[single.size() / 2], single.back(), single.size());
  const double peak_rss_mb = controller->ProcStatusMb("VmHWM:");
  std::printf("controller peak RSS %.1f MB, now %.1f MB\n", peak_rss_mb,
              controller->ProcStatusMb("VmRSS:"));

  // SIGKILL and restart with everything in place.
  std::map<std::string, std::vector<std::string>> before = Assigned(*server);
  controller.reset();
  server->Put(kPools, PoolJson("bench", {"10.40.0.0/18"}));  // no status: Ready() waits anew
  const auto t1 = Clock::now();
  controller = std::make_unique<Child>(args, log);
  const double restart_ms = WaitMs(
      t1, [&] { return Ready(*server); }, 60000, absl::Milliseconds(10));
  absl::SleepFor(absl::Seconds(1));
  const auto after = Assigned(*server);
  int moved = 0;
  for (const auto& [key, ips] : before) moved += after.count(key) == 0 || after.at(key) != ips;
  std::printf("restart with %zu Services: ready after %.0f ms; addresses moved: %d; RSS %.1f MB\n",
              before.size(), restart_ms, moved, controller->ProcStatusMb("VmRSS:"));
  controller.reset();
  std::filesystem::remove_all(dir);

  std::printf(
      "{\"bench\":\"controller\",\"services\":%d,\"all_status_10k_ms\":%.0f,"
      "\"all_annotated_10k_ms\":%.0f,\"controller_cpu_10k_s\":%.2f,\"peak_rss_mb\":%.1f,"
      "\"single_status_p50_ms\":%.1f,\"single_status_max_ms\":%.1f,\"restart_ready_ms\":%.0f,"
      "\"restart_moved\":%d}\n",
      kServiceCount, status_ms, annotated_ms, cpu_s, peak_rss_mb, single[single.size() / 2],
      single.back(), restart_ms, moved);
  return 0;
}

}  // namespace
}  // namespace ironlb::controller::testing

int main() {
  try {
    return ironlb::controller::testing::Main();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "controller_bench: %s\n", e.what());
    return 1;
  }
}

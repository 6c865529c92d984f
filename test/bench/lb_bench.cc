// Layer-4 load balancing through a real router namespace (client - router - server, all
// test-created), issue 18's benchmark. In the same run, with a parallel client (--threads
// connections at once) against the same backends (100 addresses of the server namespace, all
// served by one listener, so 3 and 100 backends cost the server the same):
//   - ironlb: the balanced forwards the speaker programs (nft/ Reconciler, the code the speaker
//     runs), over 3 and over 100 backends: new connections per second and bulk throughput;
//   - IPVS (ipvsadm, NAT mode, wrr) doing the same distribution, when the kernel has ip_vs;
//     otherwise the exact ipvsadm error is printed and ipvs_available is 0;
//   - haproxy in TCP mode (roundrobin, nbthread 2) as the user-space anchor;
// then the error of a 3:1 weight split over 1,000 connections, and backend-down detection
// (backend killed -> out of the kernel's map) with the real TCP health checks at the default
// settings, median and max over --detect_trials.
// Contenders are measured in interleaved rounds (every other round in reverse order), each
// measurement starting with an empty conntrack table (conntrack -F). Figures are medians over
// the rounds; ratios are medians of each round's back-to-back ratios: on a shared machine only
// ratios measured in the same run mean anything. Prints figures, then one JSON line.
//   lb_bench [--rounds 7] [--seconds 2] [--threads 4] [--detect_trials 9]
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <map>
#include <thread>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "health/health_monitor.h"
#include "nft/mnl_transport.h"
#include "nft/reconciler.h"
#include "test/bench/lb_traffic.h"
#include "test/nft/traffic_util.h"

ABSL_FLAG(int, rounds, 7,
          "interleaved rounds per contender (medians, and medians of per-round ratios)");
ABSL_FLAG(double, seconds, 2.0, "seconds per measurement (connection rate, throughput)");
ABSL_FLAG(int, threads, 4, "parallel client connections");
ABSL_FLAG(int, detect_trials, 9, "backend-down detection trials");

namespace ironlb::nft {
namespace {

using Clock = std::chrono::steady_clock;
using testing::BenchServers;
using testing::ConnectionRate;
using testing::Lab;
using testing::RunIn;
using testing::Throughput;

constexpr char kOutside[] = "10.0.1.1";
// Backend i is 10.0.2.(10+i):9000 on the server (one listener serves them all, so 3 and 100
// backends cost the server the same); detection trials kill 10.0.2.2:9100..9102 (a listener
// each).
constexpr uint16_t kBackendPort = 9000;
constexpr uint16_t kKillablePort = 9100;
std::string BackendAddress(int i) { return absl::StrCat("10.0.2.", 10 + i); }

// ironlb's ports on the outside address; haproxy's and IPVS's are these + 8000 / + 8100.
constexpr uint16_t kPort3 = 80, kPort100 = 81, kPortWeighted = 82;

PortForwardEntry Balanced(uint16_t port, int n) {
  PortForwardEntry f;
  f.name = absl::StrCat("web/tcp/", port);
  f.outside_address = *IpAddress::Parse(kOutside);
  f.port = port;
  for (int i = 0; i < n; ++i) {
    f.backends.push_back({*IpAddress::Parse(BackendAddress(i)), kBackendPort, 1, true});
  }
  f.target_address = f.backends[0].address;
  f.target_port = f.backends[0].port;
  f.source_nat = false;  // the server routes via the router, as IPVS NAT mode needs too
  return f;
}

absl::StatusOr<std::string> Sh(const std::string& cmd) {
  std::string out;
  FILE* p = popen((cmd + " 2>&1").c_str(), "r");
  if (p == nullptr) return absl::InternalError("popen " + cmd);
  char buf[512];
  while (fgets(buf, sizeof(buf), p) != nullptr) out += buf;
  const int rc = pclose(p);
  if (rc != 0) return absl::InternalError(absl::StrCat("`", cmd, "` failed: ", out));
  return out;
}

// haproxy in the router namespace, TCP mode, stopped by PID.
class Haproxy {
 public:
  explicit Haproxy(const Lab& lab) {
    config_ = absl::StrCat("/tmp/", lab.router.name(), "-haproxy.cfg");
    std::string cfg =
        "global\n  maxconn 8000\n  nbthread 2\n"
        "defaults\n  mode tcp\n  option nolinger\n  timeout connect 2s\n"
        "  timeout client 30s\n  timeout server 30s\n";
    for (auto [port, n] : {std::pair{kPort3 + 8000, 3}, std::pair{kPort100 + 8000, 100}}) {
      absl::StrAppend(&cfg, "listen l", port, "\n  bind ", kOutside, ":", port,
                      "\n  balance roundrobin\n");
      for (int i = 0; i < n; ++i) {
        absl::StrAppend(&cfg, "  server b", i, " ", BackendAddress(i), ":", kBackendPort, "\n");
      }
    }
    FILE* f = fopen(config_.c_str(), "w");
    if (f == nullptr) return;
    fputs(cfg.c_str(), f);
    fclose(f);
    pid_ = fork();
    if (pid_ == 0) {
      prctl(PR_SET_PDEATHSIG, SIGTERM);  // never outlives the benchmark
      setpgid(0, 0);
      execlp("ip", "ip", "netns", "exec", lab.router.name().c_str(), "haproxy", "-db", "-f",
             config_.c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
  }
  ~Haproxy() {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      waitpid(pid_, nullptr, 0);
    }
    unlink(config_.c_str());
  }
  pid_t pid() const { return pid_; }

 private:
  std::string config_;
  pid_t pid_ = -1;
};

// IPVS in NAT mode in the router namespace, the same distribution; the error when the kernel
// cannot do it.
absl::Status SetUpIpvs(const Lab& lab) {
  const std::string r = lab.router.Exec() + "ipvsadm ";
  for (auto [port, n, weighted] :
       {std::tuple{kPort3 + 8100, 3, false}, std::tuple{kPort100 + 8100, 100, false},
        std::tuple{kPortWeighted + 8100, 2, true}}) {
    const std::string vs = absl::StrCat(kOutside, ":", port);
    if (auto s = Sh(absl::StrCat(r, "-A -t ", vs, " -s wrr")); !s.ok()) return s.status();
    for (int i = 0; i < n; ++i) {
      const int weight = weighted && i == 0 ? 3 : 1;
      if (auto s = Sh(absl::StrCat(r, "-a -t ", vs, " -r ", BackendAddress(i), ":", kBackendPort,
                                   " -m -w ", weight));
          !s.ok()) {
        return s.status();
      }
    }
  }
  return absl::OkStatus();
}

double Median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v.size() % 2 == 1 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

// One contender's figures, one entry per round.
struct Figures {
  std::vector<double> rate, gbit;
  int64_t failures = 0;
  double rate_median() const { return Median(rate); }
  double gbit_median() const { return Median(gbit); }
};

// The median over rounds of a[round] / b[round]: two contenders measured minutes apart on a
// loaded machine differ by the load as much as by themselves, so each round's pair (measured
// back to back) is compared, then the median of those ratios taken.
double PairedRatio(const std::vector<double>& a, const std::vector<double>& b) {
  std::vector<double> r;
  for (size_t i = 0; i < a.size() && i < b.size(); ++i) {
    if (b[i] > 0) r.push_back(a[i] / b[i]);
  }
  return Median(r);
}

// Empties the router's conntrack table, so one measurement's closed connections (kept by the
// kernel until its garbage collector runs) do not weigh on the next one's.
void FlushConntrack(const Lab& lab) { (void)Sh(lab.router.Exec() + "conntrack -F"); }

// Share of 1,000 connections to the heavy backend of a 3:1 split on `port`, in percent.
double WeightedShare(const Lab& lab, uint16_t port, int threads, int64_t* failures) {
  auto r = ConnectionRate(lab.client, kOutside, port, threads, 120, 1000);
  *failures += r.failures;
  const int64_t heavy = r.per_backend[absl::StrCat("b", BackendAddress(0), ":", kBackendPort)];
  return r.connections > 0 ? 100.0 * heavy / r.connections : 0;
}

// Backend-down detection: real TCP checks (defaults) from the router namespace; a change
// re-applies the forwards, as the speaker does; time from the kill to the kernel map without
// the backend.
std::vector<double> DetectionTrials(const Lab& lab, Reconciler& reconciler, BenchServers& servers,
                                    int trials) {
  std::vector<double> detect_ms;
  for (int trial = 0; trial < trials; ++trial) {
    DesiredState s;
    s.forwards.push_back(Balanced(kPort3, 3));
    for (int i = 0; i < 3; ++i) {
      s.forwards[0].backends[i] = {*IpAddress::Parse("10.0.2.2"),
                                   static_cast<uint16_t>(kKillablePort + i), 1, true};
    }
    s.forwards[0].target_address = s.forwards[0].backends[0].address;
    s.forwards[0].target_port = s.forwards[0].backends[0].port;
    std::atomic<bool> changed{false};
    std::unique_ptr<health::HealthMonitor> monitor;
    (void)RunIn(lab.router, [&] {
      monitor = std::make_unique<health::HealthMonitor>(health::MakeSocketProber(),
                                                        [&] { changed = true; });
    });
    std::map<std::string, health::CheckTarget> targets;
    for (const Backend& b : s.forwards[0].backends) {
      targets[std::to_string(b.port)] = {b.address, b.port, config::HealthCheck{}};
    }
    // The checker threads start inside the router namespace, as the speaker's do on a router.
    (void)RunIn(lab.router, [&] { monitor->SetTargets(targets); });
    if (!reconciler.Reconcile(s).ok()) return {};
    std::this_thread::sleep_for(
        std::chrono::milliseconds(500 + 37 * trial));  // settle, then a random phase
    const uint16_t victim = static_cast<uint16_t>(kKillablePort + trial % 3);
    const auto killed = Clock::now();
    servers.Kill(victim);
    const auto deadline = killed + std::chrono::seconds(10);
    bool applied = false;
    while (Clock::now() < deadline && !applied) {
      if (changed.exchange(false)) {
        for (Backend& b : s.forwards[0].backends) b.active = monitor->IsUp(std::to_string(b.port));
        applied = reconciler.Reconcile(s).ok() && !s.forwards[0].backends[trial % 3].active;
      }
      if (!applied) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    const double ms = std::chrono::duration<double, std::milli>(Clock::now() - killed).count();
    if (applied) detect_ms.push_back(ms);
    std::printf("detection trial %d: backend %u out of the map after %.0f ms%s\n", trial, victim,
                ms, applied ? "" : " (NOT detected)");
    monitor.reset();
    servers.Revive(victim);
  }
  std::sort(detect_ms.begin(), detect_ms.end());
  return detect_ms;
}

int Main() {
  const int rounds = absl::GetFlag(FLAGS_rounds);
  const double seconds = absl::GetFlag(FLAGS_seconds);
  const int threads = absl::GetFlag(FLAGS_threads);
  Lab lab;
  if (!lab.ok) {
    std::fprintf(stderr, "cannot build the lab (needs root)\n");
    return 1;
  }
  // The server answers via the router (no source NAT needed, as for IPVS NAT mode); clients
  // may use every port; haproxy's own connections may reuse ports.
  std::string addresses;
  for (int i = 0; i < 100; ++i) {
    absl::StrAppend(&addresses, "addr add ", BackendAddress(i), "/24 dev s-r\n");
  }
  const std::string batch = absl::StrCat("/tmp/", lab.server.name(), "-addresses");
  if (FILE* f = fopen(batch.c_str(), "w"); f != nullptr) {
    fputs(addresses.c_str(), f);
    fclose(f);
  }
  for (const std::string& cmd :
       {lab.server.Exec() + "ip -batch " + batch,
        lab.server.Exec() + "ip route add default via 10.0.2.1",
        lab.client.Exec() + "sysctl -qw net.ipv4.ip_local_port_range='1024 65000'",
        lab.router.Exec() + "sysctl -qw net.ipv4.ip_local_port_range='1024 65000'",
        lab.router.Exec() + "sysctl -qw net.ipv4.tcp_tw_reuse=1"}) {
    if (auto s = Sh(cmd); !s.ok()) {
      std::fprintf(stderr, "%s\n", std::string(s.status().message()).c_str());
      return 1;
    }
  }
  std::unique_ptr<MnlTransport> transport;
  (void)RunIn(lab.router, [&] {
    auto t = MnlTransport::Create();
    if (t.ok()) transport = std::move(*t);
  });
  if (transport == nullptr) return 1;
  Reconciler reconciler(transport.get());
  unlink(batch.c_str());
  BenchServers servers(lab.server,
                       {kBackendPort, kKillablePort, kKillablePort + 1, kKillablePort + 2});
  if (!servers.ok()) return 1;

  DesiredState all;
  all.forwards.push_back(Balanced(kPort3, 3));
  all.forwards.push_back(Balanced(kPort100, 100));
  all.forwards.push_back(Balanced(kPortWeighted, 2));
  all.forwards.back().backends[0].weight = 3;
  if (auto s = reconciler.Reconcile(all); !s.ok()) {
    std::fprintf(stderr, "ironlb forwards: %s\n", s.status().ToString().c_str());
    return 1;
  }
  const absl::Status ipvs = SetUpIpvs(lab);
  if (!ipvs.ok()) {
    std::printf("IPVS not measured: %s\n", std::string(ipvs.message()).c_str());
  }
  Haproxy haproxy(lab);
  bool haproxy_up = false;
  for (int i = 0; i < 100 && !haproxy_up; ++i) {
    haproxy_up = ConnectionRate(lab.client, kOutside, kPort100 + 8000, 1, 0.05, 1).connections > 0;
    if (!haproxy_up) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  if (!haproxy_up) std::printf("haproxy did not start (pid %d)\n", haproxy.pid());

  struct Contender {
    std::string name;
    uint16_t port;
  };
  std::vector<Contender> contenders = {{"ironlb_3", kPort3}, {"ironlb_100", kPort100}};
  if (ipvs.ok()) {
    contenders.push_back({"ipvs_3", kPort3 + 8100});
    contenders.push_back({"ipvs_100", kPort100 + 8100});
  }
  if (haproxy_up) {
    contenders.push_back({"haproxy_3", kPort3 + 8000});
    contenders.push_back({"haproxy_100", kPort100 + 8000});
  }
  std::map<std::string, Figures> figures;
  for (int round = 0; round < rounds; ++round) {
    // Every other round in reverse order, so no contender always follows the same one.
    std::vector<Contender> order = contenders;
    if (round % 2 == 1) std::reverse(order.begin(), order.end());
    for (const Contender& c : order) {
      (void)ConnectionRate(lab.client, kOutside, c.port, threads, 0.3);  // warm up
      FlushConntrack(lab);
      const auto rate = ConnectionRate(lab.client, kOutside, c.port, threads, seconds);
      FlushConntrack(lab);
      const auto bulk = Throughput(lab.client, kOutside, c.port, threads, seconds);
      Figures& f = figures[c.name];
      f.rate.push_back(rate.per_second());
      f.gbit.push_back(bulk.gbit_per_second());
      f.failures += rate.failures + bulk.failed_connections;
      std::printf(
          "round %d %-12s %7.0f new connections/s (%zu backends answered, %ld failed)  "
          "%6.2f Gbit/s\n",
          round, c.name.c_str(), rate.per_second(), rate.per_backend.size(),
          static_cast<long>(rate.failures), bulk.gbit_per_second());
      std::fflush(stdout);
    }
  }

  int64_t weight_failures = 0;
  const double share = WeightedShare(lab, kPortWeighted, threads, &weight_failures);
  const double weight_error_pct = (share - 75) / 75 * 100;
  std::printf(
      "ironlb 3:1 weights: %.1f %% of 1,000 connections to the heavy backend (error "
      "%+.1f %%)\n",
      share, weight_error_pct);
  double ipvs_share = 0;
  if (ipvs.ok()) {
    ipvs_share = WeightedShare(lab, kPortWeighted + 8100, threads, &weight_failures);
    std::printf("IPVS 3:1 weights: %.1f %% to the heavy backend\n", ipvs_share);
  }

  const std::vector<double> detect =
      DetectionTrials(lab, reconciler, servers, absl::GetFlag(FLAGS_detect_trials));
  (void)reconciler.Cleanup();
  const double detect_median = detect.empty() ? -1 : detect[detect.size() / 2];
  const double detect_max = detect.empty() ? -1 : detect.back();

  int64_t failed = weight_failures;
  for (auto& [n, f] : figures) failed += f.failures;
  const Figures& i3 = figures["ironlb_3"];
  const Figures& i100 = figures["ironlb_100"];
  std::vector<std::string> json = {
      "\"bench\":\"lb\"",
      absl::StrFormat("\"client_threads\":%d", threads),
      absl::StrFormat("\"rounds\":%d", rounds),
      absl::StrFormat("\"ironlb_new_conn_per_s_3_backends\":%.0f", i3.rate_median()),
      absl::StrFormat("\"ironlb_new_conn_per_s_100_backends\":%.0f", i100.rate_median()),
      absl::StrFormat("\"ironlb_conn_rate_100_vs_3_pct\":%.1f",
                      (PairedRatio(i100.rate, i3.rate) - 1) * 100),
      absl::StrFormat("\"ironlb_gbit_per_s_3_backends\":%.2f", i3.gbit_median()),
      absl::StrFormat("\"ironlb_gbit_per_s_100_backends\":%.2f", i100.gbit_median()),
      absl::StrFormat("\"ironlb_gbit_100_vs_3_pct\":%.1f",
                      (PairedRatio(i100.gbit, i3.gbit) - 1) * 100),
      absl::StrFormat("\"ipvs_available\":%d", ipvs.ok() ? 1 : 0)};
  for (const char* other : {"ipvs", "haproxy"}) {
    if (figures.count(absl::StrCat(other, "_3")) == 0) continue;
    for (const char* n : {"3", "100"}) {
      const Figures& o = figures[absl::StrCat(other, "_", n)];
      const Figures& i = figures[absl::StrCat("ironlb_", n)];
      json.push_back(
          absl::StrFormat("\"%s_new_conn_per_s_%s_backends\":%.0f", other, n, o.rate_median()));
      json.push_back(
          absl::StrFormat("\"%s_gbit_per_s_%s_backends\":%.2f", other, n, o.gbit_median()));
      json.push_back(absl::StrFormat("\"ironlb_over_%s_conn_rate_%s_backends\":%.2f", other, n,
                                     PairedRatio(i.rate, o.rate)));
      json.push_back(absl::StrFormat("\"ironlb_over_%s_gbit_%s_backends\":%.2f", other, n,
                                     PairedRatio(i.gbit, o.gbit)));
    }
  }
  json.push_back(absl::StrFormat("\"weight_3to1_heavy_share_pct\":%.1f", share));
  json.push_back(absl::StrFormat("\"weight_3to1_error_pct\":%.1f", weight_error_pct));
  if (ipvs.ok())
    json.push_back(absl::StrFormat("\"ipvs_weight_3to1_heavy_share_pct\":%.1f", ipvs_share));
  json.push_back(absl::StrFormat("\"down_detect_median_ms\":%.0f", detect_median));
  json.push_back(absl::StrFormat("\"down_detect_max_ms\":%.0f", detect_max));
  json.push_back(absl::StrFormat("\"down_detect_trials\":%zu", detect.size()));
  json.push_back(absl::StrFormat("\"failed_connections\":%ld", static_cast<long>(failed)));
  std::printf("{%s}\n", absl::StrJoin(json, ",").c_str());
  return 0;
}

}  // namespace
}  // namespace ironlb::nft

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  return ironlb::nft::Main();
}

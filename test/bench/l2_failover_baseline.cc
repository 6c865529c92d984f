// Layer-2 failover baseline in the network lab (test/lab/): three speaker hosts on one LAN,
// a client probing the VIP every 10 ms, and for each contender (keepalived VRRPv3 with its
// default advert_int 1 and with advert_int 0.1) N trials of each failure: SIGKILL of the
// owner's daemon, and the owner's link cut. Failover = from the failure to the first successful
// answer served by another host. Prints median/p95/max per case and one JSON line.
//
// Contenders are VipHolder factories: issue 6 adds the ironlb speaker to the list and prints
// ratios. The CPU is shared with other work; figures are noisy.
//   l2_failover_baseline [--trials 20] [--max-seconds 1500] [--busy-threads 0]
//                        [--background-pps 0] [--soak-seconds 0]
//                        [--contenders keepalived_1s,keepalived_100ms,ironlb,ironlb_restart,
//                                      ironlb_local_check]
// A link cut is the host's switch port set down over rtnetlink from this process, timed just
// before the request (not a spawned `ip`, which took 20–150 ms to start under stress-ng).
// For ironlb contenders it also prints the speakers' own view: the mean time from the old
// owner's last advert to the claim (ironlb_l2_failover_seconds), their self-stall count, and
// during the soak the adverts each node sends a second (frames/s per node).
// ironlb_local_check (issue 18): the owner's local check (a kube-apiserver stand-in on port
// 6443) failing while its speaker runs; the VIP must move within 1 s at the default timings.
// ironlb_restart (issue 16): --trials restarts (SIGTERM, 300 ms without a speaker, a new
// process) of the owner's speaker with the client probing every 10 ms and 20 long-lived TCP
// streams through the VIP: failed requests, owner changes the client saw, streams reset.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/flags.h"
#include "test/lab/failover.h"
#include "test/lab/failover_trial.h"
#include "test/lab/host_command.h"
#include "test/lab/ironlb_holder.h"
#include "test/lab/keepalived_holder.h"
#include "test/lab/lab.h"
#include "test/lab/local_check_holder.h"

ABSL_FLAG(int, trials, 20, "trials per contender and failure (SIGKILL, link cut)");
ABSL_FLAG(int, max_seconds, 1500, "bound on the whole run; cases stop early and say so");
ABSL_FLAG(int, busy_threads, 0,
          "threads spinning on the CPU during the run, to measure on a loaded machine");
ABSL_FLAG(std::string, contenders, "keepalived_1s,keepalived_100ms",
          "comma-separated contenders to measure");
ABSL_FLAG(int, background_pps, 0,
          "LAN background traffic during every contender's run: UDP datagrams a second from the "
          "client to the speaker hosts and the LAN's broadcast address (0 = none)");
ABSL_FLAG(int, soak_seconds, 0,
          "ironlb contenders: after the trials, this long with no failure at all, counting the "
          "takeovers that happen anyway (false takeovers: a busy machine taken for a dead one)");

namespace ironlb::lab {
namespace {

struct Contender {
  std::string name;
  std::function<std::unique_ptr<VipHolder>(Lab*)> make;
  std::vector<Failure> failures = {Failure::kKill, Failure::kLinkDown};
};

std::vector<Contender> AllContenders() {
  return {
      {"keepalived_1s",
       [](Lab* lab) {
         return std::make_unique<KeepalivedHolder>(
             lab, KeepalivedOptions{.advert_interval = absl::Seconds(1)});
       }},
      {"keepalived_100ms",
       [](Lab* lab) {
         return std::make_unique<KeepalivedHolder>(
             lab, KeepalivedOptions{.advert_interval = absl::Milliseconds(100)});
       }},
      {"ironlb",
       [](Lab* lab) {
         return std::make_unique<IronlbHolder>(
             lab, IronlbHolderOptions{.speaker_binary = IRONLB_SPEAKER_BINARY});
       }},
      // The defaults before issue 16: adverts every 40 ms, dead after 160 ms.
      {"ironlb_40ms",
       [](Lab* lab) {
         return std::make_unique<IronlbHolder>(
             lab, IronlbHolderOptions{.speaker_binary = IRONLB_SPEAKER_BINARY,
                                      .extra_args = {"--layer2-advert-interval=40ms",
                                                     "--layer2-dead-after=160ms"}});
       }},
      // Health-gated ownership: "kill" is the owner's kube-apiserver stand-in dying (its
      // localCheck fails at the default 200 ms / fall 3) while its speaker runs on.
      {"ironlb_local_check",
       [](Lab* lab) {
         return std::make_unique<LocalCheckHolder>(
             lab, IronlbHolderOptions{.speaker_binary = IRONLB_SPEAKER_BINARY});
       },
       {Failure::kKill}},
  };
}

// Takeovers of every cause but the start, summed over the speakers.
double Takeovers(const Lab& lab) {
  double n = 0;
  for (const Host& h : lab.speakers()) {
    for (const char* cause : {"peer-left", "peer-died", "peer-silent", "peer-frozen",
                              "peer-restart-timeout", "rebalance", "assigned"}) {
      n += SpeakerMetric(
          lab, h,
          absl::StrCat("ironlb_l2_takeovers_total{interface=\"eth0\",cause=\"", cause, "\"}"));
    }
  }
  return n;
}

constexpr char kSelfStalls[] = "ironlb_l2_self_stalls_total{interface=\"eth0\"}";

// Sum over the speakers of one sample of their /metrics (absent counts as 0).
double SumOverSpeakers(const Lab& lab, const std::string& sample) {
  double n = 0;
  for (const Host& h : lab.speakers()) n += std::max(0.0, SpeakerMetric(lab, h, sample));
  return n;
}

// LAN background traffic: from the client's namespace, 512-byte UDP datagrams to port 9 of
// every speaker host and of the LAN's broadcast address, round-robin, `pps` a second, until
// destroyed (and at most two hours).
class BackgroundTraffic {
 public:
  BackgroundTraffic(const Lab& lab, int pps) {
    if (pps <= 0) return;
    std::vector<std::string> targets;
    for (const Host& h : lab.speakers()) targets.push_back(h.ipv4);
    targets.push_back(absl::StrCat(Lab::kLanPrefix4, "255"));
    thread_ = std::thread([this, netns = lab.client().netns, targets, pps] {
      if (!EnterNetnsForThread(netns).ok()) return;
      const int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
      if (fd < 0) return;
      const int on = 1;
      setsockopt(fd, SOL_SOCKET, SO_BROADCAST, &on, sizeof(on));
      std::vector<sockaddr_in> to(targets.size());
      for (size_t i = 0; i < targets.size(); ++i) {
        to[i].sin_family = AF_INET;
        to[i].sin_port = htons(9);
        inet_pton(AF_INET, targets[i].c_str(), &to[i].sin_addr);
      }
      const char payload[512] = {};
      const absl::Time start = absl::Now();
      const absl::Time end = start + absl::Hours(2);
      size_t next = 0;
      while (!stop_.load() && absl::Now() < end) {
        // Catch up to where `pps` says we should be, then sleep a millisecond.
        const double due = absl::ToDoubleSeconds(absl::Now() - start) * pps;
        while (static_cast<double>(sent_.load()) < due && !stop_.load()) {
          const sockaddr_in& dst = to[next++ % to.size()];
          (void)sendto(fd, payload, sizeof(payload), MSG_DONTWAIT,
                       reinterpret_cast<const sockaddr*>(&dst), sizeof(dst));
          ++sent_;
        }
        absl::SleepFor(absl::Milliseconds(1));
      }
      close(fd);
    });
  }
  ~BackgroundTraffic() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  uint64_t sent() const { return sent_.load(); }

 private:
  std::atomic<bool> stop_{false};
  std::atomic<uint64_t> sent_{0};
  std::thread thread_;
};

struct CaseResult {
  Summary summary;
  int errors = 0;
  double mean_failed_requests = 0;
};

CaseResult RunCase(Lab& lab, VipHolder& holder, Failure failure, int trials, absl::Time deadline) {
  std::vector<double> ms;
  CaseResult result;
  double failed_requests = 0;
  for (int i = 0; i < trials; ++i) {
    if (absl::Now() >= deadline) {
      printf("  %s %s: time budget reached after %d trials\n", holder.name().c_str(),
             FailureName(failure), i);
      break;
    }
    auto trial = RunFailoverTrial(lab, holder, failure);
    if (!trial.ok()) {
      ++result.errors;
      printf("  %s %s trial %d: %s\n", holder.name().c_str(), FailureName(failure), i,
             trial.status().ToString().c_str());
      if (result.errors >= 3) break;
      continue;
    }
    ms.push_back(absl::ToDoubleMilliseconds(trial->failover));
    failed_requests += trial->failed_requests;
    printf("  %s %s trial %2d: %7.1f ms (%s -> %s, %d failed requests)\n", holder.name().c_str(),
           FailureName(failure), i, ms.back(), trial->old_owner.c_str(), trial->new_owner.c_str(),
           trial->failed_requests);
    fflush(stdout);
  }
  result.summary = Summarize(ms);
  if (!ms.empty()) result.mean_failed_requests = failed_requests / static_cast<double>(ms.size());
  return result;
}

// 20 long-lived TCP streams from the client through the VIP to an echo server on every
// speaker host, each sending a line every 200 ms; then `trials` restarts of the owner.
int RunRestarts(int trials, absl::Time deadline, std::vector<std::string>& json) {
  auto lab = Lab::Create({.speakers = 3});
  if (!lab.ok()) {
    fprintf(stderr, "l2_failover_baseline: %s\n", lab.status().ToString().c_str());
    return 1;
  }
  IronlbHolder holder(lab->get(), {.speaker_binary = IRONLB_SPEAKER_BINARY, .rebalance = false});
  std::vector<std::unique_ptr<HostProcess>> keep;
  for (const Host& h : (*lab)->speakers()) {
    if (absl::Status s = holder.Start(h); !s.ok()) {
      fprintf(stderr, "l2_failover_baseline: %s\n", s.ToString().c_str());
      return 1;
    }
    auto echo =
        (*lab)->Spawn(h, {"socat", "TCP-LISTEN:9000,fork,reuseaddr", "EXEC:cat"}, "echo-" + h.name);
    if (echo.ok()) keep.push_back(std::move(*echo));
  }
  const Host& owner = holder.PreferredOwner();
  if (absl::Status s = WaitForServingHost(**lab, holder.vip(), 8080, Protocol::kTcp, owner,
                                          absl::Seconds(30), 20);
      !s.ok()) {
    fprintf(stderr, "l2_failover_baseline: %s\n", s.ToString().c_str());
    return 1;
  }
  std::vector<std::unique_ptr<HostProcess>> streams;
  for (int i = 0; i < 20; ++i) {
    auto s = (*lab)->Spawn((*lab)->client(),
                           {"sh", "-c",
                            absl::StrCat("(while sleep 0.2; do echo x; done) | socat - TCP:",
                                         holder.vip(), ":9000 >/dev/null")},
                           absl::StrCat("stream-", i));
    if (s.ok()) streams.push_back(std::move(*s));
  }
  absl::SleepFor(absl::Seconds(1));
  int streams_up = 0;
  for (auto& s : streams) streams_up += s->Running();
  ProbeOptions probe{.vip = holder.vip(), .port = 8080};
  probe.max_duration = absl::Seconds(600);
  probe.max_requests = 60000;
  auto prober = Prober::Start((*lab)->client().netns, probe);
  if (!prober.ok()) return 1;
  int done = 0;
  for (; done < trials && absl::Now() < deadline; ++done) {
    if (absl::Status s = holder.Restart(owner, absl::Milliseconds(300)); !s.ok()) {
      printf("  restart %d: %s\n", done, s.ToString().c_str());
      break;
    }
    // The new process adopted the VIP (its restart counter), then a little traffic.
    const absl::Time until = absl::Now() + absl::Seconds(10);
    while (absl::Now() < until &&
           SpeakerMetric(**lab, owner,
                         "ironlb_l2_takeovers_total{interface=\"eth0\",cause=\"restart\"}") < 1) {
      absl::SleepFor(absl::Milliseconds(50));
    }
    absl::SleepFor(absl::Milliseconds(500));
    printf("  restart %2d done\n", done);
    fflush(stdout);
  }
  absl::SleepFor(absl::Seconds(1));
  (*prober)->Stop();
  int failed = 0, owner_changes = 0, served = 0;
  std::string last = owner.name;
  for (const ProbeResult& r : (*prober)->Results()) {
    if (!r.ok) {
      ++failed;
      continue;
    }
    ++served;
    if (r.host != last) ++owner_changes;
    last = r.host;
  }
  int streams_alive = 0;
  for (auto& s : streams) streams_alive += s->Running();
  printf(
      "ironlb restart: %d restarts, %d requests served, %d failed, %d owner changes seen by the "
      "client, %d of %d TCP streams reset\n",
      done, served, failed, owner_changes, streams_up - streams_alive, streams_up);
  json.push_back(absl::StrFormat("\"ironlb_restarts\":%d", done));
  json.push_back(absl::StrFormat("\"ironlb_restart_failed_requests\":%d", failed));
  json.push_back(absl::StrFormat("\"ironlb_restart_owner_changes\":%d", owner_changes));
  json.push_back(absl::StrFormat("\"ironlb_restart_tcp_streams\":%d", streams_up));
  json.push_back(
      absl::StrFormat("\"ironlb_restart_tcp_streams_reset\":%d", streams_up - streams_alive));
  return done < trials ? 1 : 0;
}

int RunContenders(const std::vector<std::string>& wanted, int trials, absl::Time deadline,
                  std::vector<std::string>& json) {
  int exit_code = 0;
  const std::vector<Contender> contenders = AllContenders();
  for (const std::string& name : wanted) {
    if (name == "ironlb_restart") {
      exit_code = std::max(exit_code, RunRestarts(trials, deadline, json));
      continue;
    }
    const Contender* contender = nullptr;
    for (const Contender& c : contenders) {
      if (c.name == name) contender = &c;
    }
    if (contender == nullptr) {
      fprintf(stderr, "l2_failover_baseline: unknown contender \"%s\"\n", name.c_str());
      return 2;
    }
    // A fresh lab per contender: nothing one daemon leaves behind can touch the next.
    auto lab = Lab::Create({.speakers = 3});
    if (!lab.ok()) {
      fprintf(stderr, "l2_failover_baseline: %s\n", lab.status().ToString().c_str());
      return 1;
    }
    std::unique_ptr<VipHolder> holder = contender->make(lab->get());
    for (const Host& h : (*lab)->speakers()) {
      if (absl::Status s = holder->Start(h); !s.ok()) {
        fprintf(stderr, "l2_failover_baseline: %s\n", s.ToString().c_str());
        return 1;
      }
    }
    const bool ironlb = absl::StartsWith(name, "ironlb");
    BackgroundTraffic background(**lab, absl::GetFlag(FLAGS_background_pps));
    for (Failure f : contender->failures) {
      const std::string silent_sum =
          "ironlb_l2_failover_seconds_sum{interface=\"eth0\",cause=\"peer-silent\"}";
      const std::string silent_count =
          "ironlb_l2_failover_seconds_count{interface=\"eth0\",cause=\"peer-silent\"}";
      const double sum_before = ironlb ? SumOverSpeakers(**lab, silent_sum) : 0;
      const double count_before = ironlb ? SumOverSpeakers(**lab, silent_count) : 0;
      const double stalls_before = ironlb ? SumOverSpeakers(**lab, kSelfStalls) : 0;
      const CaseResult r = RunCase(**lab, *holder, f, trials, deadline);
      const Summary& s = r.summary;
      printf(
          "%s %s: n=%d median=%.1f ms p95=%.1f ms max=%.1f ms (errors %d, %.1f failed "
          "requests per trial)\n",
          name.c_str(), FailureName(f), s.count, s.median, s.p95, s.max, r.errors,
          r.mean_failed_requests);
      fflush(stdout);
      const std::string key = absl::StrCat(name, "_", FailureName(f));
      json.push_back(absl::StrFormat("\"%s_median_ms\":%.1f", key, s.median));
      json.push_back(absl::StrFormat("\"%s_p95_ms\":%.1f", key, s.p95));
      json.push_back(absl::StrFormat("\"%s_max_ms\":%.1f", key, s.max));
      json.push_back(absl::StrFormat("\"%s_trials\":%d", key, s.count));
      json.push_back(
          absl::StrFormat("\"%s_failed_requests_per_trial\":%.1f", key, r.mean_failed_requests));
      if (s.count < trials) exit_code = 1;
      if (ironlb) {
        // The speakers' own view (a killed speaker's counters restart with it; the heirs'
        // are the ones that count here).
        const double n = SumOverSpeakers(**lab, silent_count) - count_before;
        const double detect_ms =
            n > 0 ? (SumOverSpeakers(**lab, silent_sum) - sum_before) * 1000 / n : 0;
        const double self_stalls = SumOverSpeakers(**lab, kSelfStalls) - stalls_before;
        printf(
            "%s %s: speakers' view: %.0f takeovers after silence, mean %.1f ms from the last "
            "advert to the claim; %.0f self-stalls\n",
            name.c_str(), FailureName(f), n, detect_ms, self_stalls);
        json.push_back(absl::StrFormat("\"%s_silence_to_claim_mean_ms\":%.1f", key, detect_ms));
        json.push_back(absl::StrFormat("\"%s_self_stalls\":%.0f", key, self_stalls));
      }
    }
    const int soak = absl::GetFlag(FLAGS_soak_seconds);
    if (soak > 0 && ironlb) {
      // Every speaker back and settled, then nothing but the load for `soak` seconds.
      absl::SleepFor(absl::Seconds(3));
      const std::string sent = "ironlb_l2_adverts_total{interface=\"eth0\",direction=\"sent\"}";
      const double before = Takeovers(**lab);
      const double sent_before = SumOverSpeakers(**lab, sent);
      const double stalls_before = SumOverSpeakers(**lab, kSelfStalls);
      const uint64_t background_before = background.sent();
      absl::SleepFor(absl::Seconds(soak));
      const double false_takeovers = Takeovers(**lab) - before;
      const double per_node = (SumOverSpeakers(**lab, sent) - sent_before) / soak /
                              static_cast<double>((*lab)->speaker_count());
      const double stalls_n = SumOverSpeakers(**lab, kSelfStalls) - stalls_before;
      const double background_pps =
          static_cast<double>(background.sent() - background_before) / soak;
      printf(
          "%s soak: %d s without a failure, %.0f takeovers, %.1f adverts/s per node, %.0f "
          "self-stalls, background %.0f datagrams/s\n",
          name.c_str(), soak, false_takeovers, per_node, stalls_n, background_pps);
      json.push_back(absl::StrFormat("\"%s_soak_s\":%d", name, soak));
      json.push_back(absl::StrFormat("\"%s_false_takeovers\":%.0f", name, false_takeovers));
      json.push_back(absl::StrFormat("\"%s_adverts_per_s_per_node\":%.1f", name, per_node));
      json.push_back(absl::StrFormat("\"%s_soak_self_stalls\":%.0f", name, stalls_n));
      json.push_back(absl::StrFormat("\"%s_background_pps\":%.0f", name, background_pps));
    }
  }
  return exit_code;
}

int Main(int argc, char** argv) {
  ParseFlags(std::vector<std::string>(argv, argv + argc));
  const int trials = absl::GetFlag(FLAGS_trials);
  const absl::Time deadline = absl::Now() + absl::Seconds(absl::GetFlag(FLAGS_max_seconds));
  const std::vector<std::string> wanted =
      absl::StrSplit(absl::GetFlag(FLAGS_contenders), ',', absl::SkipEmpty());
  std::vector<std::string> json = {"\"bench\":\"l2_failover_baseline\"",
                                   absl::StrCat("\"trials_per_case\":", trials)};
  json.push_back(absl::StrCat("\"busy_threads\":", absl::GetFlag(FLAGS_busy_threads)));
  // Load, when asked for: spinning threads, bounded by the run itself.
  std::atomic<bool> done{false};
  std::vector<std::thread> load;
  for (int i = 0; i < absl::GetFlag(FLAGS_busy_threads); ++i) {
    load.emplace_back([&done] {
      volatile uint64_t x = 0;
      while (!done.load(std::memory_order_relaxed)) x = x + 1;
    });
  }
  printf(
      "l2_failover_baseline: %d trials per case, %d busy threads; the CPU is shared with "
      "other work, figures are noisy\n",
      trials, absl::GetFlag(FLAGS_busy_threads));
  const int exit_code = RunContenders(wanted, trials, deadline, json);
  done = true;
  for (std::thread& t : load) t.join();
  printf("{%s}\n", absl::StrJoin(json, ",").c_str());
  return exit_code;
}

}  // namespace
}  // namespace ironlb::lab

int main(int argc, char** argv) { return ironlb::lab::Main(argc, argv); }

// Connections through an HA pair of routers across failovers (issue 16): the router pair of
// test/lab/router_pair_lab.h (ironlb-speaker holding the outside address, PortForward with
// sourceNATAddresses, conntrackd driven by the speaker), 20 long-lived TCP streams from the
// outside client through it (half echo, half download, a line every 50 ms; fresh ones for each
// trial), then alternately
// --kills owner deaths (speaker and conntrackd SIGKILLed, forwarding off; the dead router is
// brought back as the standby before the next trial) and --cuts cuts of the owner's outside
// cable (restored before the next trial). Per trial: streams reset, streams stuck (not flowing
// again 10 s after the new owner took over), the longest stall of a stream not reset (from the
// failure to its next line, or to the end of the trial when stuck), the time until the new owner is
// seen from outside (polled every ~100 ms with a ping: coarse). Prints one JSON line.
//   router_conntrack_bench [--kills 20] [--cuts 20] [--streams 20] [--max-seconds 1500]
//                          [--contenders ironlb,keepalived]
//                          [--conntrackd=false]   (the same without replication, for contrast)
// keepalived: the same lab and nftables forward, the addresses held by keepalived VRRPv3
// (advert_int 0.1, a sync group of the outside and the source NAT address) whose notify
// scripts run conntrack-tools' primary-backup.sh commands (see router_pair_lab.h).
// The CPU is shared with other work; figures are noisy.
#include <algorithm>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/flags.h"
#include "test/lab/router_pair_lab.h"

ABSL_FLAG(int, kills, 20, "owner deaths");
ABSL_FLAG(int, cuts, 20, "cuts of the owner's outside cable");
ABSL_FLAG(int, streams, 20, "long-lived TCP streams through the pair");
ABSL_FLAG(int, max_seconds, 1500, "bound on the whole run; trials stop early and say so");
ABSL_FLAG(bool, conntrackd, true, "replicate connections with conntrackd (false: contrast)");
ABSL_FLAG(std::string, contenders, "ironlb",
          "comma-separated: ironlb, keepalived (VRRPv3 advert_int 0.1 + conntrackd, its recipe)");

namespace ironlb::lab {
namespace {

struct Figures {
  int trials = 0;
  int reset = 0;
  int stuck = 0;                    // neither reset nor flowing again by the end of the trial
  std::vector<double> stall_ms;     // per trial, the longest stall of any stream
  std::vector<double> takeover_ms;  // per trial, failure to the new owner seen outside
};

double Quantile(std::vector<double> v, double q) {
  if (v.empty()) return -1;
  std::sort(v.begin(), v.end());
  return v[static_cast<size_t>(q * static_cast<double>(v.size() - 1) + 0.5)];
}

// One contender's trials; false when it could not go on.
bool RunContender(RouterPairHolder holder, bool conntrackd, int n_kills, int n_cuts, int n_streams,
                  absl::Time deadline, Figures& kills, Figures& cuts) {
  auto pair = RouterPairLab::Create(
      {.speaker_binary = IRONLB_SPEAKER_BINARY, .conntrackd = conntrackd, .holder = holder});
  if (!pair.ok()) {
    fprintf(stderr, "router_conntrack_bench: %s\n", pair.status().ToString().c_str());
    return false;
  }
  RouterPairLab& p = **pair;
  auto owner = p.WaitForSettledOwner(0, absl::Seconds(60));
  if (!owner.ok()) {
    fprintf(stderr, "router_conntrack_bench: %s\n", owner.status().ToString().c_str());
    return false;
  }
  // Fresh streams for every trial, so that one stuck in a trial does not count again later.
  auto trial = [&](bool cut, Figures& f) -> bool {
    auto settled = p.WaitForSettledOwner(0, absl::Seconds(60));
    if (!settled.ok()) {
      printf("  %s\n", settled.status().ToString().c_str());
      return false;
    }
    auto streams =
        TcpStreams::Start(p.lab().outside_client()->netns, RouterPairLab::kOutsideAddress,
                          RouterPairLab::kPort, n_streams, absl::Milliseconds(50));
    if (!streams.ok()) {
      printf("  %s\n", streams.status().ToString().c_str());
      return false;
    }
    // A router just back may take the address over once ready (within the holder's settling
    // time); the failure comes once that has happened and the standby has the connections.
    settled = p.WaitForSettledOwner(conntrackd ? n_streams : 0, absl::Seconds(60));
    if (!settled.ok()) {
      printf("  %s\n", settled.status().ToString().c_str());
      return false;
    }
    const std::string current = *settled;
    const std::string standby = p.Other(current);
    (*streams)->ResetGaps();
    const absl::Time failed = absl::Now();
    absl::Status s = cut ? p.CutOutsideCable(current) : p.KillRouter(current);
    if (!s.ok()) {
      printf("  %s\n", s.ToString().c_str());
      return false;
    }
    auto next = p.WaitForOwner(absl::Seconds(30));
    if (!next.ok() || *next != standby) {
      printf("  the address did not move to %s\n", standby.c_str());
      return false;
    }
    const absl::Time moved = absl::Now();
    const double takeover = absl::ToDoubleMilliseconds(moved - failed);
    const bool flowing = (*streams)->WaitAllFlowingSince(moved, absl::Seconds(conntrackd ? 10 : 5));
    double stall = 0;
    int reset = 0, stuck = 0;
    for (const StreamStats& st : (*streams)->Stats()) {
      if (st.reset) {
        ++reset;
      } else {
        stall = std::max(stall, absl::ToDoubleMilliseconds(st.max_gap));
        if (st.last_line <= moved) ++stuck;
      }
    }
    (*streams)->Stop();
    f.trials++;
    f.reset += reset;
    f.stuck += stuck;
    f.stall_ms.push_back(stall);
    f.takeover_ms.push_back(takeover);
    printf(
        "  %s %2d: %s -> %s, new owner seen after %.0f ms, longest stall %.0f ms%s, %d reset, "
        "%d stuck\n",
        cut ? "cut " : "kill", f.trials, current.c_str(), standby.c_str(), takeover, stall,
        flowing ? "" : " (some never flowed again)", reset, stuck);
    fflush(stdout);
    s = cut ? p.RestoreOutsideCable(current) : p.ReviveRouter(current);
    if (!s.ok()) {
      printf("  %s\n", s.ToString().c_str());
      return false;
    }
    return true;
  };
  const int total = std::max(n_kills, n_cuts);
  bool ok = true;
  for (int i = 0; i < total && absl::Now() < deadline && ok; ++i) {
    if (i < n_kills) ok = trial(false, kills);
    if (ok && i < n_cuts && absl::Now() < deadline) ok = trial(true, cuts);
  }
  if (absl::Now() >= deadline) printf("stopped at --max-seconds\n");
  return ok;
}

int Main(int argc, char** argv) {
  ParseFlags(std::vector<std::string>(argv, argv + argc));
  const int n_streams = absl::GetFlag(FLAGS_streams);
  const bool conntrackd = absl::GetFlag(FLAGS_conntrackd);
  const std::vector<std::string> contenders =
      absl::StrSplit(absl::GetFlag(FLAGS_contenders), ',', absl::SkipEmpty());
  printf(
      "router_conntrack_bench: %d kills, %d cuts, %d streams, conntrackd %s, contenders %s; "
      "the CPU is shared with other work, figures are noisy\n",
      absl::GetFlag(FLAGS_kills), absl::GetFlag(FLAGS_cuts), n_streams, conntrackd ? "on" : "off",
      absl::GetFlag(FLAGS_contenders).c_str());
  const absl::Time deadline = absl::Now() + absl::Seconds(absl::GetFlag(FLAGS_max_seconds));
  std::vector<std::string> json = {"\"bench\":\"router_conntrack\"",
                                   absl::StrCat("\"conntrackd\":", conntrackd ? "true" : "false"),
                                   absl::StrCat("\"streams\":", n_streams)};
  int exit_code = 0;
  std::map<std::string, double> stall_median;
  for (const std::string& c : contenders) {
    const RouterPairHolder holder =
        c == "keepalived" ? RouterPairHolder::kKeepalived : RouterPairHolder::kIronlb;
    printf("%s (%s):\n", c.c_str(),
           holder == RouterPairHolder::kIronlb
               ? "ironlb-speaker holds the addresses, --conntrackd-config"
               : "keepalived VRRPv3 advert_int 0.1, sync group, notify primary-backup.sh");
    // Each contender gets its share of the time left.
    const absl::Time until =
        absl::Now() +
        (deadline - absl::Now()) / static_cast<double>(contenders.size() - (&c - &contenders[0]));
    Figures kills, cuts;
    if (!RunContender(holder, conntrackd, absl::GetFlag(FLAGS_kills), absl::GetFlag(FLAGS_cuts),
                      n_streams, until, kills, cuts)) {
      exit_code = 1;
    }
    for (auto& [name, f] : {std::pair<const char*, Figures&>{"kill", kills}, {"cut", cuts}}) {
      printf(
          "%s %s: %d trials, %d streams reset, longest stall median %.0f ms, max %.0f ms; new "
          "owner seen (coarse) median %.0f ms\n",
          c.c_str(), name, f.trials, f.reset, Quantile(f.stall_ms, 0.5), Quantile(f.stall_ms, 1),
          Quantile(f.takeover_ms, 0.5));
      json.push_back(absl::StrFormat("\"%s_%s_trials\":%d", c, name, f.trials));
      json.push_back(absl::StrFormat("\"%s_%s_streams_reset\":%d", c, name, f.reset));
      json.push_back(absl::StrFormat("\"%s_%s_streams_stuck\":%d", c, name, f.stuck));
      json.push_back(
          absl::StrFormat("\"%s_%s_stall_median_ms\":%.1f", c, name, Quantile(f.stall_ms, 0.5)));
      json.push_back(
          absl::StrFormat("\"%s_%s_stall_max_ms\":%.1f", c, name, Quantile(f.stall_ms, 1)));
      json.push_back(absl::StrFormat("\"%s_%s_new_owner_seen_median_ms\":%.1f", c, name,
                                     Quantile(f.takeover_ms, 0.5)));
      stall_median[absl::StrCat(c, "_", name)] = Quantile(f.stall_ms, 0.5);
    }
  }
  for (const char* name : {"kill", "cut"}) {
    const auto k = stall_median.find(absl::StrCat("keepalived_", name));
    const auto i = stall_median.find(absl::StrCat("ironlb_", name));
    if (k != stall_median.end() && i != stall_median.end() && i->second > 0 && k->second > 0) {
      json.push_back(absl::StrFormat("\"keepalived_over_ironlb_%s_stall_median\":%.2f", name,
                                     k->second / i->second));
    }
  }
  printf("{%s}\n", absl::StrJoin(json, ",").c_str());
  return exit_code;
}

}  // namespace
}  // namespace ironlb::lab

int main(int argc, char** argv) { return ironlb::lab::Main(argc, argv); }

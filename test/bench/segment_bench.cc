// Layer-2 membership timing on a real bridge (network namespaces, test/arp/netns_lab.h): how
// long the other speakers take to count a member gone when its link is cut (silence, bounded by
// dead_after) and when it leaves gracefully (its leaving advert). These figures were upper
// bounds in speaker_segment_netns_test; they are measured here instead, never asserted.
//   segment_bench [--trials 5]
// Prints each trial, then one JSON line:
//   {"bench":"segment","silence_median_ms":..,"silence_max_ms":..,"leave_median_ms":..,...}
#include <algorithm>
#include <cstdio>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "common/flags.h"
#include "test/speaker/segment_node.h"

ABSL_FLAG(int, trials, 5, "trials (each: three speakers join, one is cut off, one leaves)");

namespace ironlb::speaker::testing {
namespace {

double Median(std::vector<double> v) {
  if (v.empty()) return -1;
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

double Max(const std::vector<double>& v) {
  return v.empty() ? -1 : *std::max_element(v.begin(), v.end());
}

int Run(int trials) {
  auto l = lab::Lab::Create(3);
  if (!l.ok()) {
    std::fprintf(stderr, "segment_bench: %s\n", l.status().ToString().c_str());
    return 1;
  }
  std::unique_ptr<lab::Lab> net = std::move(*l);
  for (int i = 0; i < 3; ++i) {
    lab::Lab::Exec(net->speaker(i), absl::StrCat("ip addr add 10.77.0.", 11 + i, "/24 dev eth0"));
  }
  std::vector<double> join, silence, leave;
  const std::vector<std::string> all = {"node-0", "node-1", "node-2"};
  for (int t = 0; t < trials; ++t) {
    Node n0(net->speaker(0), 0, "key"), n1(net->speaker(1), 1, "key"),
        n2(net->speaker(2), 2, "key");
    if (!n0.status().ok() || !n1.status().ok() || !n2.status().ok()) {
      std::fprintf(stderr, "segment_bench: a speaker did not start\n");
      return 1;
    }
    const auto joined = WaitAlive(n0, all, std::chrono::seconds(10));
    lab::Lab::Exec(net->speaker(2), "ip link set eth0 down");
    const auto cut = WaitAlive(n0, {"node-0", "node-1"}, std::chrono::seconds(10));
    lab::Lab::Exec(net->speaker(2), "ip link set eth0 up");
    WaitAlive(n0, all, std::chrono::seconds(10));
    n1.Leave();
    const auto left = WaitAlive(n0, {"node-0", "node-2"}, std::chrono::seconds(10));
    std::printf("trial %d: joined %lld ms, cut noticed %lld ms, leave noticed %lld ms\n", t,
                static_cast<long long>(joined.count()), static_cast<long long>(cut.count()),
                static_cast<long long>(left.count()));
    if (joined.count() >= 0) join.push_back(static_cast<double>(joined.count()));
    if (cut.count() >= 0) silence.push_back(static_cast<double>(cut.count()));
    if (left.count() >= 0) leave.push_back(static_cast<double>(left.count()));
  }
  std::printf(
      "{\"bench\":\"segment\",\"trials\":%d,\"join_median_ms\":%.0f,\"silence_median_ms\":%.0f,"
      "\"silence_max_ms\":%.0f,\"leave_median_ms\":%.0f,\"leave_max_ms\":%.0f}\n",
      trials, Median(join), Median(silence), Max(silence), Median(leave), Max(leave));
  return 0;
}

}  // namespace
}  // namespace ironlb::speaker::testing

int main(int argc, char** argv) {
  ironlb::ParseFlags(std::vector<std::string>(argv, argv + argc));
  return ironlb::speaker::testing::Run(absl::GetFlag(FLAGS_trials));
}

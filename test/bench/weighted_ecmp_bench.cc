// Weighted ECMP benchmark (lab, root): two speakers announce a Local Service with endpoints 3:1
// to a real FRR router (test/lab/weighted_ecmp_lab.h). Measures how far 1,000 new connections
// are from the 3:1 split, and how long the router's kernel weights take to follow an endpoint
// change (Kubernetes EndpointSlice replaced -> speakers -> FRR -> router's kernel route).
//   weighted_ecmp_bench [--changes N] [--connections N]
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "absl/strings/str_format.h"
#include "test/lab/weighted_ecmp_lab.h"

namespace {

double Ms(absl::Duration d) { return absl::ToDoubleMilliseconds(d); }

}  // namespace

int main(int argc, char** argv) {
  using ironlb::lab::WeightedEcmpLab;
  int changes = 10;
  int connections = 1000;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--changes") == 0) changes = std::max(1, std::atoi(argv[i + 1]));
    if (std::strcmp(argv[i], "--connections") == 0) {
      connections = std::max(1, std::atoi(argv[i + 1]));
    }
  }
  const absl::Time start = absl::Now();
  auto lab = WeightedEcmpLab::Start(IRONLB_SPEAKER_BINARY);
  if (!lab.ok()) {
    std::fprintf(stderr, "lab: %s\n", lab.status().ToString().c_str());
    return 1;
  }
  WeightedEcmpLab& l = **lab;
  l.SetEndpoints({{"s0", 3}, {"s1", 1}});
  auto first = l.WaitForWeights({{"s0", 75}, {"s1", 25}}, absl::Seconds(120));
  if (!first.ok()) {
    std::fprintf(stderr, "%s\n%s\n", first.status().ToString().c_str(), l.Diagnostics().c_str());
    return 1;
  }
  std::printf("lab up and weights 75/25 after %.0f ms (from the lab's start)\n",
              Ms(absl::Now() - start));

  const auto split = l.Connections(connections);
  const int s0 = split.count("s0") ? split.at("s0") : 0;
  const int failed = split.count("") ? split.at("") : 0;
  const double share = 100.0 * s0 / connections;
  const double error_pct = 100.0 * std::abs(share - 75.0) / 75.0;
  std::printf("%d connections: s0 %d (%.1f%%, want 75%%), s1 %d, failed %d; split error %.2f%%\n",
              connections, s0, share, split.count("s1") ? split.at("s1") : 0, failed, error_pct);

  // Endpoint changes back and forth: the time until the router's kernel route has the new
  // weights.
  std::vector<double> follow;
  for (int i = 0; i < changes; ++i) {
    const bool flip = i % 2 == 0;
    l.SetEndpoints(flip ? std::map<std::string, int>{{"s0", 1}, {"s1", 3}}
                        : std::map<std::string, int>{{"s0", 3}, {"s1", 1}});
    auto took = l.WaitForWeights(flip ? std::map<std::string, int>{{"s0", 25}, {"s1", 75}}
                                      : std::map<std::string, int>{{"s0", 75}, {"s1", 25}},
                                 absl::Seconds(60));
    if (!took.ok()) {
      std::fprintf(stderr, "change %d: %s\n", i, took.status().ToString().c_str());
      return 1;
    }
    follow.push_back(Ms(*took));
    std::printf("change %d: weights followed in %.1f ms\n", i, follow.back());
  }
  std::sort(follow.begin(), follow.end());
  const double median = follow[follow.size() / 2];
  std::printf("%s\n",
              absl::StrFormat("{\"bench\":\"weighted_ecmp\",\"connections\":%d,"
                              "\"s0_share_pct\":%.1f,\"split_error_pct\":%.2f,"
                              "\"failed_connections\":%d,\"follow_median_ms\":%.1f,"
                              "\"follow_max_ms\":%.1f,\"changes\":%d}",
                              connections, share, error_pct, failed, median, follow.back(), changes)
                  .c_str());
  return 0;
}

// Allocation engine benchmark: prints figures, then one JSON line of headline figures.
// Not a timed assertion. The machine's 2 cores are shared with other sessions, so figures
// are noisy; compare them with care.
//
//   place_{1k,10k,100k}: Services upserted one by one into a /16; every pair of Services shares
//                        an IP (same sharing key, ports 80 and 443), so 100k fit in 50k IPs.
//   place_100k_unshared: 100k Services, one IP each, from a /8.
//   rebuild_10k:         a fresh engine given 10k Services whose status already holds their IPs
//                        (a controller restart): all must be kept.
//   one_more:            one Service upserted into a 100,100-address pool with 100k in use
//                        (after 1k leave and 1k others arrive), then deleted; median and
//                        worst of 200.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "controller/allocator.h"

namespace ironlb::controller {
namespace {

using Clock = std::chrono::steady_clock;

double MsSince(Clock::time_point t) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}

// VmHWM (peak) or VmRSS (now) of this process, in MB.
double ProcStatusMb(const char* field) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(field, 0) == 0) return std::atof(line.c_str() + std::strlen(field)) / 1024.0;
  }
  return -1;
}

config::Config OnePool(const char* range) {
  config::Config c;
  config::AddressPool p;
  p.meta.name = "bench";
  p.ranges.push_back(*IpRange::Parse(range));
  c.pools.push_back(p);
  return c;
}

Service MakeService(int i, bool paired) {
  Service s;
  s.namespace_ = "ns" + std::to_string(i % 50);
  s.name = "svc-" + std::to_string(i);
  s.labels["app"] = "bench";
  s.ports = {{PortProtocol::kTCP, static_cast<uint16_t>(paired && i % 2 ? 443 : 80)}};
  if (paired) s.annotations["ironlb.io/sharing-key"] = "pair-" + std::to_string(i / 2);
  // Pairs must share a namespace to share an IP.
  if (paired) s.namespace_ = "ns" + std::to_string((i / 2) % 50);
  s.ip_families = {IpFamily::kV4};
  return s;
}

void Require(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "alloc_bench: %s\n", what);
    std::exit(1);
  }
}

double Place(Allocator& a, int n, bool paired) {
  const auto t = Clock::now();
  for (int i = 0; i < n; ++i) {
    const Allocation& r = a.Upsert(MakeService(i, paired));
    Require(r.status == AllocationStatus::kAssigned, "a Service was left pending");
  }
  return MsSince(t);
}

}  // namespace
}  // namespace ironlb::controller

int main() {
  using namespace ironlb::controller;  // NOLINT: a benchmark program
  using ironlb::IpFamily;
  std::printf("alloc_bench (2 CPU cores shared with other sessions: figures are noisy)\n");
  const auto slash16 = OnePool("10.0.0.0/16");

  double place_ms[3];
  const int sizes[3] = {1000, 10000, 100000};
  double rss_before = 0, rss_after = 0;
  std::vector<Service> rebuild_input;
  for (int k = 0; k < 3; ++k) {
    if (k == 2) rss_before = ProcStatusMb("VmRSS:");
    Allocator a;
    a.SetConfig(slash16);
    place_ms[k] = Place(a, sizes[k], /*paired=*/true);
    if (k == 2) rss_after = ProcStatusMb("VmRSS:");
    const auto stats = a.Stats();
    std::printf("place %6d services (paired sharing, /16): %9.1f ms  (%.2f us/service, %s IPs)\n",
                sizes[k], place_ms[k], place_ms[k] * 1000 / sizes[k],
                ironlb::Uint128ToString(stats[0].in_use_v4).c_str());
    if (k == 1) {
      for (int i = 0; i < sizes[k]; ++i) {
        Service s = MakeService(i, true);
        s.current = a.Find(s.Key())->addresses;
        rebuild_input.push_back(std::move(s));
      }
    }
  }
  const double peak_rss = ProcStatusMb("VmHWM:");
  std::printf("resident memory: peak %.1f MB; 100k-service engine grew RSS by %.1f MB\n", peak_rss,
              rss_after - rss_before);

  double unshared_ms;
  {
    Allocator a;
    a.SetConfig(OnePool("10.0.0.0/8"));
    unshared_ms = Place(a, 100000, /*paired=*/false);
    std::printf("place 100000 services (no sharing, /8):    %9.1f ms\n", unshared_ms);
  }

  double rebuild_ms;
  {
    // Reverse the arrival order: the restart must keep every address regardless.
    std::reverse(rebuild_input.begin(), rebuild_input.end());
    Allocator a;
    a.SetConfig(slash16);
    const auto t = Clock::now();
    a.UpsertAll(rebuild_input);
    rebuild_ms = MsSince(t);
    for (const Service& s : rebuild_input) {
      Require(a.Find(s.Key())->addresses == s.current, "rebuild moved an address");
    }
    std::printf("rebuild from 10000 existing assignments:   %9.1f ms (all kept)\n", rebuild_ms);
  }

  double one_more_median_us, one_more_max_us;
  {
    Allocator a;
    a.SetConfig(OnePool("10.0.0.0-10.1.135.3"));  // 100,100 addresses
    Place(a, 100000, /*paired=*/false);
    // Churn: 1,000 Services leave and 1,000 others take their addresses.
    for (int i = 0; i < 100000; i += 100) a.Delete(MakeService(i, false).Key());
    for (int i = 0; i < 1000; ++i) a.Upsert(MakeService(200000 + i, false));
    std::vector<double> us;
    for (int r = 0; r < 200; ++r) {
      Service s = MakeService(1000000 + r, false);
      const auto t = Clock::now();
      const Allocation& got = a.Upsert(s);
      us.push_back(MsSince(t) * 1000);
      Require(got.status == AllocationStatus::kAssigned, "one more was left pending");
      a.Delete(s.Key());
    }
    std::sort(us.begin(), us.end());
    one_more_median_us = us[us.size() / 2];
    one_more_max_us = us.back();
    const auto stats = a.Stats();
    std::printf("one more service, pool of %s with %s in use: median %.1f us, worst %.1f us\n",
                ironlb::Uint128ToString(stats[0].total_v4).c_str(),
                ironlb::Uint128ToString(stats[0].in_use_v4).c_str(), one_more_median_us,
                one_more_max_us);
  }

  std::printf(
      "{\"bench\":\"alloc\",\"place_1k_ms\":%.1f,\"place_10k_ms\":%.1f,\"place_100k_ms\":%.1f,"
      "\"place_100k_unshared_ms\":%.1f,\"peak_rss_mb\":%.1f,\"rss_100k_mb\":%.1f,"
      "\"rebuild_10k_ms\":%.1f,\"one_more_median_us\":%.1f,\"one_more_max_us\":%.1f}\n",
      place_ms[0], place_ms[1], place_ms[2], unshared_ms, peak_rss, rss_after - rss_before,
      rebuild_ms, one_more_median_us, one_more_max_us);
  return 0;
}

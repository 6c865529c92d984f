// nft_bench: the nftables reconciler against the real kernel, inside network namespaces this
// program creates. Prints figures, then one JSON line. Not a timed assertion.
//   1. empty -> 10,000 forwards + 10,000 clamped VIPs in one transaction, vs `nft -f` loading
//      the same final ruleset (fresh namespace each run; nft's time includes its start-up).
//   2. one forward added / removed with 10,000 present (in-process Reconcile call).
//   3. TCP throughput client -> router (DNAT) -> server with 10 vs 10,000 forwards.
#include <arpa/inet.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "nft/mnl_transport.h"
#include "nft/reconciler.h"
#include "test/nft/nft_test_util.h"
#include "test/nft/traffic_util.h"

namespace ironlb::nft {
namespace {

using testing::Lab;
using testing::RunIn;
using testing::ScopedNetns;
using Clock = std::chrono::steady_clock;

double MsSince(Clock::time_point t) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

// Thrown, not exit(): unwinding runs the ScopedNetns destructors, so a failed run leaves no
// namespace behind.
struct Fatal {
  std::string message;
};

[[noreturn]] void Die(const absl::Status& s) { throw Fatal{std::string(s.message())}; }

// Applies `state` in a fresh namespace; returns the Reconcile wall time.
double ApplyFromEmpty(const DesiredState& state) {
  ScopedNetns ns("ilbbench");
  std::unique_ptr<MnlTransport> transport;
  if (!RunIn(ns,
             [&] {
               auto t = MnlTransport::Create();
               if (t.ok()) transport = std::move(*t);
             })
           .ok() ||
      transport == nullptr) {
    Die(absl::InternalError("cannot open netlink in namespace"));
  }
  Reconciler r(transport.get());
  const auto start = Clock::now();
  auto result = r.Reconcile(state);
  const double ms = MsSince(start);
  if (!result.ok()) Die(result.status());
  return ms;
}

double NftLoad(const std::string& file) {
  ScopedNetns ns("ilbbenchnft");
  const auto start = Clock::now();
  auto out = testing::Run(ns.Exec() + "nft -f " + file, 60);
  const double ms = MsSince(start);
  if (!out.ok()) Die(out.status());
  return ms;
}

// Sends `bytes` from client to 10.0.1.1:8080 (DNAT to the server); returns Mbit/s.
double Throughput(Lab& lab, size_t bytes) {
  int listener = -1;
  (void)RunIn(lab.server, [&] {
    listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(5001);
    bind(listener, reinterpret_cast<sockaddr*>(&a), sizeof(a));
    listen(listener, 1);
  });
  size_t received = 0;
  Clock::time_point first, last;
  std::thread receiver([&] {
    timeval tv{10, 0};
    setsockopt(listener, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    const int c = accept(listener, nullptr, nullptr);
    if (c < 0) return;
    setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    std::vector<char> buf(1 << 20);
    first = Clock::now();
    while (received < bytes) {
      const ssize_t n = recv(c, buf.data(), buf.size(), 0);
      if (n <= 0) break;
      received += static_cast<size_t>(n);
    }
    last = Clock::now();
    close(c);
  });
  int fd = -1;
  (void)RunIn(lab.client, [&] { fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0); });
  sockaddr_in dst{};
  dst.sin_family = AF_INET;
  dst.sin_port = htons(8080);
  inet_pton(AF_INET, "10.0.1.1", &dst.sin_addr);
  timeval tv{10, 0};
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
  if (connect(fd, reinterpret_cast<sockaddr*>(&dst), sizeof(dst)) == 0) {
    std::vector<char> buf(1 << 20, 'x');
    size_t sent = 0;
    while (sent < bytes) {
      const ssize_t n = send(fd, buf.data(), std::min(buf.size(), bytes - sent), MSG_NOSIGNAL);
      if (n <= 0) break;
      sent += static_cast<size_t>(n);
    }
  }
  close(fd);
  receiver.join();
  close(listener);
  const double secs = std::chrono::duration<double>(last - first).count();
  if (received < bytes || secs <= 0) Die(absl::InternalError("throughput transfer incomplete"));
  return static_cast<double>(received) * 8 / secs / 1e6;
}

DesiredState WithWebForward(DesiredState s) {
  PortForwardEntry f;
  f.name = "bench-web";
  f.outside_address = *IpAddress::Parse("10.0.1.1");
  f.port = 8080;
  f.target_address = *IpAddress::Parse("10.0.2.2");
  f.target_port = 5001;
  f.source_nat = true;
  s.forwards.push_back(f);
  return s;
}

int Main() {
  constexpr int kRuns = 5;
  const DesiredState big = testing::SampleState(10000, 10000);
  std::printf("state: %zu forwards, %zu clamped VIPs (2 cores shared with other sessions)\n",
              big.forwards.size(), big.clamped_vips.size());

  std::vector<double> ours, theirs;
  const std::string file = absl::StrCat("/tmp/nft_bench_", getpid(), ".nft");
  std::ofstream(file) << testing::NftText(big);
  for (int i = 0; i < kRuns; ++i) {
    ours.push_back(ApplyFromEmpty(big));
    theirs.push_back(NftLoad(file));
  }
  std::remove(file.c_str());
  const double apply_ms = Median(ours), nft_ms = Median(theirs);
  std::printf(
      "empty -> full, one transaction: ironlb %.1f ms, nft -f %.1f ms (median of %d), "
      "nft/ironlb %.2fx\n",
      apply_ms, nft_ms, kRuns, nft_ms / apply_ms);

  // One element added/removed with 10,000 present.
  std::vector<double> add_ms, remove_ms, add_commit_ms, remove_commit_ms;
  {
    ScopedNetns ns("ilbbenchinc");
    std::unique_ptr<MnlTransport> transport;
    (void)RunIn(ns, [&] {
      auto t = MnlTransport::Create();
      if (t.ok()) transport = std::move(*t);
    });
    if (transport == nullptr) Die(absl::InternalError("no netlink"));
    Reconciler r(transport.get());
    if (auto s = r.Reconcile(big); !s.ok()) Die(s.status());
    DesiredState plus = big;
    PortForwardEntry extra = big.forwards.front();
    extra.name = "extra";
    extra.outside_address = *IpAddress::Parse("10.1.9.9");
    plus.forwards.push_back(extra);
    for (int i = 0; i < 20; ++i) {
      auto t0 = Clock::now();
      auto a = r.Reconcile(plus);
      add_ms.push_back(MsSince(t0));
      if (!a.ok()) Die(a.status());
      // The DNAT map element and its traffic-counter element.
      if (a->operations != 2) Die(absl::InternalError("add was not two element operations"));
      add_commit_ms.push_back(absl::ToDoubleMilliseconds(a->commit_time));
      t0 = Clock::now();
      auto d = r.Reconcile(big);
      remove_ms.push_back(MsSince(t0));
      if (!d.ok()) Die(d.status());
      remove_commit_ms.push_back(absl::ToDoubleMilliseconds(d->commit_time));
    }
  }
  std::printf(
      "one forward added with 10,000 present: %.3f ms, removed: %.3f ms (median of 20, "
      "whole Reconcile call: generation check, diff, batch, ACKs)\n",
      Median(add_ms), Median(remove_ms));
  std::printf(
      "  of which the kernel transaction (send batch, read ACKs): add %.3f ms, remove %.3f ms\n",
      Median(add_commit_ms), Median(remove_commit_ms));

  // Throughput through the router with 10 vs 10,000 forwards.
  constexpr size_t kBytes = 256u << 20;
  double small_tput = 0, large_tput = 0;
  {
    Lab lab;
    if (!lab.ok) Die(absl::InternalError("lab setup failed"));
    std::unique_ptr<MnlTransport> transport;
    (void)RunIn(lab.router, [&] {
      auto t = MnlTransport::Create();
      if (t.ok()) transport = std::move(*t);
    });
    Reconciler r(transport.get());
    std::vector<double> s10, s10k;
    for (int i = 0; i < kRuns; ++i) {
      if (auto s = r.Reconcile(WithWebForward(testing::SampleState(10, 10))); !s.ok()) {
        Die(s.status());
      }
      s10.push_back(Throughput(lab, kBytes));
      if (auto s = r.Reconcile(WithWebForward(big)); !s.ok()) Die(s.status());
      s10k.push_back(Throughput(lab, kBytes));
    }
    small_tput = Median(s10);
    large_tput = Median(s10k);
  }
  std::printf(
      "TCP through router (DNAT, %zu MiB, median of 5): 10 forwards %.0f Mbit/s, 10,000 forwards "
      "%.0f Mbit/s, ratio %.3f\n",
      kBytes >> 20, small_tput, large_tput, large_tput / small_tput);

  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  std::printf(
      "{\"bench\":\"nft_apply\",\"apply_10k_fwd_10k_vip_ms\":%.1f,\"nft_f_same_ruleset_ms\":%.1f,"
      "\"nft_f_over_ironlb_ratio\":%.2f,\"add_one_forward_ms\":%.3f,\"remove_one_forward_ms\":%."
      "3f,\"add_one_commit_ms\":%.3f,\"remove_one_commit_ms\":%.3f,\"tcp_10_fwd_mbps\":%.0f,\"tcp_"
      "10k_fwd_mbps\":%.0f,\"tcp_10k_over_10_ratio\":%.3f,"
      "\"peak_rss_mb\":%.1f,\"cpu_shared\":true}\n",
      apply_ms, nft_ms, nft_ms / apply_ms, Median(add_ms), Median(remove_ms), Median(add_commit_ms),
      Median(remove_commit_ms), small_tput, large_tput, large_tput / small_tput,
      ru.ru_maxrss / 1024.0);
  return 0;
}

}  // namespace
}  // namespace ironlb::nft

int main() {
  try {
    return ironlb::nft::Main();
  } catch (const ironlb::nft::Fatal& f) {
    std::fprintf(stderr, "nft_bench: %s\n", f.message.c_str());
    return 1;
  }
}

// arp/ benchmark, run inside network namespaces it creates (test/arp/netns_lab.h): a speaker
// namespace runs the real Layer2Service; a client namespace on the same bridge measures
//  1. takeover: 1,000 VIPs (IPv4, then IPv6) claimed at once -> time until the first gratuitous
//     ARP / unsolicited NA of every one of them has reached the client;
//  2. with 10,000 owned VIPs, ARP requests at 10,000/s for 3 s -> reply latency percentiles
//     (client send to the client kernel's receive timestamp, through veth + bridge both ways).
// Ends with one JSON line. The machine's CPUs are shared with other work: figures are noisy.
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <set>
#include <thread>
#include <vector>

#include "absl/strings/str_format.h"
#include "arp/arp_packet.h"
#include "arp/ndp_packet.h"
#include "test/arp/netns_lab.h"

namespace ironlb::arp {
namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;
using testing::Lab;
using testing::Speaker;

constexpr int kTakeoverVips = 1000;
constexpr int kOwnedVips = 10000;
constexpr int kRequestsPerSecond = 10000;
constexpr int kSeconds = 3;

int64_t RealtimeNs() {
  timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

// Thrown, not exit(): unwinding runs the lab's destructors, so a failed run leaves no
// namespace or speaker thread behind.
struct Fatal {
  std::string message;
};

[[noreturn]] void Die(const std::string& what) { throw Fatal{what}; }

// A client-side packet socket on br0 that sees every frame (no filter).
int OpenClientSocket() {
  int fd = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
  if (fd < 0) Die("client socket");
  int rcvbuf = 32 << 20;
  setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf));
  int one = 1;
  setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof(one));
  sockaddr_ll addr{};
  addr.sll_family = AF_PACKET;
  addr.sll_protocol = htons(ETH_P_ALL);
  addr.sll_ifindex = static_cast<int>(if_nametoindex("br0"));
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) Die("client bind");
  return fd;
}

// Receives until `want` distinct VIPs were announced or 5 s passed; returns the arrival time
// of the last first announcement.
Clock::time_point WaitForAnnouncements(int fd, bool v6, int want) {
  std::set<IpAddress> seen;
  Clock::time_point last{};
  Clock::time_point deadline = Clock::now() + 5s;
  uint8_t buf[2048];
  while (static_cast<int>(seen.size()) < want && Clock::now() < deadline) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 100) <= 0) continue;
    ssize_t n = recv(fd, buf, sizeof(buf), 0);
    if (n <= 0) continue;
    absl::Span<const uint8_t> frame(buf, static_cast<size_t>(n));
    if (!v6) {
      auto m = ParseArp(frame);
      if (!m.ok() || m->sender_ip != m->target_ip) continue;
      if (seen.insert(m->sender_ip).second) last = Clock::now();
    } else {
      auto m = ParseNdp(frame);
      if (!m.ok() || m->type != NdpType::kNeighborAdvertisement) continue;
      if (seen.insert(m->target).second) last = Clock::now();
    }
  }
  if (static_cast<int>(seen.size()) < want) {
    Die(absl::StrFormat("only %d of %d VIPs announced within 5 s", seen.size(), want));
  }
  return last;
}

double TakeoverMs(Lab& lab, Speaker& speaker, const std::vector<VipClaim>& claims, bool v6) {
  std::atomic<bool> listening{false};
  Clock::time_point last;
  std::thread client([&] {
    if (!testing::EnterNetns(lab.client()).ok()) Die("enter client netns");
    int fd = OpenClientSocket();
    listening = true;
    last = WaitForAnnouncements(fd, v6, static_cast<int>(claims.size()));
    close(fd);
  });
  while (!listening) std::this_thread::sleep_for(1ms);
  std::this_thread::sleep_for(50ms);
  Clock::time_point start = Clock::now();
  speaker.SetOwnedVips(claims);
  client.join();
  return std::chrono::duration<double, std::milli>(last - start).count();
}

IpAddress Vip4(int base, int i) {
  return IpAddress::FromValue(
      IpFamily::kV4, (uint32_t{10} << 24 | uint32_t(base) << 16) + 1 + static_cast<uint32_t>(i));
}

struct LatencyResult {
  int sent = 0;
  int answered = 0;
  std::vector<double> latencies_us;
};

LatencyResult MeasureReplies(Lab& lab, const std::vector<IpAddress>& vips) {
  LatencyResult result;
  std::vector<std::atomic<int64_t>> sent_at(vips.size());
  std::atomic<bool> sending_done{false};
  std::atomic<bool> receiver_ready{false};
  MacAddress me = lab.ClientMac();
  IpAddress my_ip = *IpAddress::Parse("10.77.0.1");
  uint32_t first = static_cast<uint32_t>(vips.front().value());

  std::thread receiver([&] {
    if (!testing::EnterNetns(lab.client()).ok()) Die("enter client netns");
    int fd = OpenClientSocket();
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof(one));
    receiver_ready = true;
    uint8_t buf[2048];
    Clock::time_point stop_at = Clock::time_point::max();
    while (Clock::now() < stop_at) {
      if (sending_done && stop_at == Clock::time_point::max()) stop_at = Clock::now() + 200ms;
      pollfd p{fd, POLLIN, 0};
      if (poll(&p, 1, 10) <= 0) continue;
      // The kernel's receive timestamp, so the receiving thread's own wake-up delay on a busy
      // machine is not counted against the speaker.
      char control[256];
      iovec iov{buf, sizeof(buf)};
      msghdr msg{};
      msg.msg_iov = &iov;
      msg.msg_iovlen = 1;
      msg.msg_control = control;
      msg.msg_controllen = sizeof(control);
      ssize_t n = recvmsg(fd, &msg, 0);
      if (n <= 0) continue;
      int64_t now = RealtimeNs();
      for (cmsghdr* cm = CMSG_FIRSTHDR(&msg); cm != nullptr; cm = CMSG_NXTHDR(&msg, cm)) {
        if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_TIMESTAMPNS) {
          timespec ts;
          memcpy(&ts, CMSG_DATA(cm), sizeof(ts));
          now = int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
        }
      }
      auto m = ParseArp(absl::Span<const uint8_t>(buf, static_cast<size_t>(n)));
      if (!m.ok() || m->op != ArpOp::kReply || m->target_ip != my_ip) continue;
      size_t index = static_cast<uint32_t>(m->sender_ip.value()) - first;
      if (index >= vips.size()) continue;
      int64_t t = sent_at[index].exchange(0, std::memory_order_acquire);
      if (t == 0) continue;
      result.latencies_us.push_back(static_cast<double>(now - t) / 1000.0);
    }
    close(fd);
  });
  while (!receiver_ready) std::this_thread::sleep_for(1ms);

  std::thread sender([&] {
    if (!testing::EnterNetns(lab.client()).ok()) Die("enter client netns");
    int fd = OpenClientSocket();
    prctl(PR_SET_TIMERSLACK, 1);  // 100 us slots need a precise sleep
    Clock::time_point start = Clock::now();
    int total = kRequestsPerSecond * kSeconds;
    auto gap = std::chrono::nanoseconds(1'000'000'000 / kRequestsPerSecond);
    for (int i = 0; i < total; ++i) {
      // Sleeps to each request's slot: a spinning sender would take the CPU from the speaker
      // on a small machine.
      std::this_thread::sleep_until(start + i * gap);
      size_t index = static_cast<size_t>(i) % vips.size();
      Frame request = BuildArpRequest(me, my_ip, vips[index]);
      sent_at[index].store(RealtimeNs(), std::memory_order_release);
      if (send(fd, request.bytes.data(), request.size, 0) < 0) Die("client send");
      ++result.sent;
    }
    close(fd);
    sending_done = true;
  });
  sender.join();
  receiver.join();
  result.answered = static_cast<int>(result.latencies_us.size());
  return result;
}

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return -1;
  std::sort(v.begin(), v.end());
  size_t i = std::min(v.size() - 1, static_cast<size_t>(p / 100.0 * static_cast<double>(v.size())));
  return v[i];
}

int Main() {
  auto lab = Lab::Create(1);
  if (!lab.ok()) Die(lab.status().ToString());
  // The lab's client learns neighbours from gratuitous ARP; with 10,000 VIPs its kernel would
  // spend the benchmark garbage-collecting its neighbour table inside the veth transmit path,
  // which is the lab's cost, not the speaker's. Here the client only listens.
  if (Lab::Exec((*lab)->client(),
                "sysctl -qw net.ipv4.conf.br0.arp_accept=0 "
                "net.ipv6.conf.br0.accept_untracked_na=0") != 0) {
    Die("client sysctl");
  }
  // One gratuitous round per VIP: the repeats would otherwise add 20,000 frames/s to the
  // latency phase. The first round is what the takeover figure measures.
  auto speaker = Speaker::Start((*lab)->speaker(0), {.gratuitous_count = 1});
  if (!speaker.ok()) Die(speaker.status().ToString());

  std::vector<VipClaim> takeover4, takeover6;
  for (int i = 0; i < kTakeoverVips; ++i) {
    takeover4.push_back({Vip4(79, i), {"eth0"}});
    takeover6.push_back(
        {IpAddress::FromValue(IpFamily::kV6, (uint128{0xfd00} << 112 | uint128{0x79} << 96) +
                                                 static_cast<uint128>(i) + 1),
         {"eth0"}});
  }
  double takeover4_ms = TakeoverMs(**lab, **speaker, takeover4, false);
  (*speaker)->SetOwnedVips({});
  double takeover6_ms = TakeoverMs(**lab, **speaker, takeover6, true);
  (*speaker)->SetOwnedVips({});

  std::vector<VipClaim> owned;
  std::vector<IpAddress> vips;
  for (int i = 0; i < kOwnedVips; ++i) {
    vips.push_back(Vip4(78, i));
    owned.push_back({vips.back(), {"eth0"}});
  }
  Clock::time_point t0 = Clock::now();
  (*speaker)->SetOwnedVips(owned);
  double set_ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
  std::this_thread::sleep_for(500ms);  // let the 10,000 announcements drain

  LatencyResult r = MeasureReplies(**lab, vips);
  Layer2Counters::Snapshot c = (*speaker)->Counters();
  speaker->reset();
  lab->reset();

  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  printf("takeover of %d IPv4 VIPs: %.2f ms; IPv6: %.2f ms\n", kTakeoverVips, takeover4_ms,
         takeover6_ms);
  printf(
      "%d owned VIPs, %d requests at %d/s: %d answered, p50 %.1f us, p99 %.1f us, max %.1f "
      "us (speaker counted %lu requests, %lu replies)\n",
      kOwnedVips, r.sent, kRequestsPerSecond, r.answered, Percentile(r.latencies_us, 50),
      Percentile(r.latencies_us, 99), Percentile(r.latencies_us, 100),
      static_cast<unsigned long>(c.arp_requests_seen),
      static_cast<unsigned long>(c.arp_replies_sent));
  printf(
      "{\"bench\":\"arp\",\"owned_vips\":%d,\"request_rate_per_s\":%d,\"requests\":%d,"
      "\"replies\":%d,\"reply_p50_us\":%.1f,\"reply_p99_us\":%.1f,\"reply_max_us\":%.1f,"
      "\"takeover_1k_v4_ms\":%.2f,\"takeover_1k_v6_ms\":%.2f,\"set_10k_vips_ms\":%.2f,"
      "\"peak_rss_mb\":%.1f}\n",
      kOwnedVips, kRequestsPerSecond, r.sent, r.answered, Percentile(r.latencies_us, 50),
      Percentile(r.latencies_us, 99), Percentile(r.latencies_us, 100), takeover4_ms, takeover6_ms,
      set_ms, static_cast<double>(usage.ru_maxrss) / 1024.0);
  return 0;
}

}  // namespace
}  // namespace ironlb::arp

int main() {
  try {
    return ironlb::arp::Main();
  } catch (const ironlb::arp::Fatal& f) {
    fprintf(stderr, "arp_bench: %s\n", f.message.c_str());
    return 1;
  }
}

// Issue 18's seed scenario end to end: an outside client -> VIP:80 and VIP:443 held by the
// layer-2 election on a router PAIR ("router" and "router2", each an ironlb-speaker in router
// role reading the same standalone config directory) -> three backends on the LAN (s0..s2,
// ironlb_lab_backend --hold: name, then echo). The VIP's pool has tcpMSS 1300.
//
// Checked on the wire, each step waiting on its condition (no wall-clock bound):
// - new connections to both ports reach all three backends;
// - MSS: the SYN-ACK the client receives carries MSS 1300 (its own SYN did not), and the SYN the
//   backend receives carries MSS 1300 (tcpdump in the client's and the backends' namespaces);
// - long-lived connections to every backend are kept open through the whole test;
// - one backend killed: the long-lived connections to the other two still echo; new
//   connections avoid the dead one; both routers' `ironlbctl status` say it is down;
// - it comes back: it gets new connections again;
// - one backend drained (config change + SIGHUP to both routers): its long-lived connection
//   still echoes, new connections avoid it;
// - the owner router's outside cable cut: the other router takes the VIP (the client's
//   neighbour entry names it), new connections to both ports succeed at once on the backends
//   that take them (the new owner already knew their health), never on the drained one.
//
// Replies must come back through the router that forwarded a connection, so the pair uses
// sourceNAT: Always (the LAN's default route points at "router"; docs/router.md).
#include <signal.h>

#include <filesystem>
#include <map>
#include <regex>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "test/lab/held_connection.h"
#include "test/lab/host_command.h"
#include "test/lab/lab.h"
#include "test/lab/neighbour.h"
#include "test/lab/prober.h"
#include "test/support/status_matchers.h"

#ifndef IRONLB_SPEAKER_BINARY
#error "IRONLB_SPEAKER_BINARY must name ironlb-speaker (set by test/lab/CMakeLists.txt)"
#endif

namespace ironlb::lab {
namespace {

using ::ironlb::testing::IsOk;
using ::testing::HasSubstr;

constexpr char kVip[] = "10.91.0.100";
constexpr uint16_t kPorts[] = {80, 443};
constexpr absl::Duration kGenerous = absl::Seconds(30);

uint16_t BackendPort(uint16_t outside) { return outside == 80 ? 8080 : 8443; }

std::string Target(uint16_t port, bool drain_s1) {
  return absl::StrCat("  - protocol: TCP\n    port: ", port,
                      "\n    targetPort: ", BackendPort(port),
                      "\n    backends:\n    - {address: 10.90.0.11}\n"
                      "    - {address: 10.90.0.12, draining: ",
                      drain_s1 ? "true" : "false", "}\n    - {address: 10.90.0.13}\n");
}

// Both routers read this: the VIP as a layer-2 address on eth1 (clamped to 1300), and the
// balanced forward of its ports 80 and 443.
std::string RouterConfig(bool drain_s1) {
  return absl::StrCat(
      "apiVersion: ironlb.io/v1alpha1\nkind: AddressPool\nmetadata: {name: outside}\n"
      "spec: {addresses: [",
      kVip,
      "/32], autoAssign: false, tcpMSS: 1300}\n---\n"
      "apiVersion: ironlb.io/v1alpha1\nkind: L2Advertisement\nmetadata: {name: outside}\n"
      "spec: {ipAddressPools: [outside], interfaces: [eth1]}\n---\n"
      "apiVersion: v1\nkind: Service\nmetadata:\n  name: seed\n  namespace: edge\n"
      "  annotations: {ironlb.io/addresses: ",
      kVip,
      "}\nspec:\n  type: LoadBalancer\n  ports: [{protocol: TCP, port: 80}, "
      "{protocol: TCP, port: 443}]\n---\n"
      "apiVersion: ironlb.io/v1alpha1\nkind: PortForward\nmetadata: {name: seed}\n"
      "spec:\n  addresses: [",
      kVip, "]\n  sourceNAT: Always\n  targets:\n", Target(80, drain_s1), Target(443, drain_s1),
      "---\n");
}

// MSS of SYN ([S]) and SYN-ACK ([S.]) lines in `tcpdump -v` text that involve `port`.
struct SynMss {
  int syn = 0;
  int syn_ack = 0;
};
SynMss MssFor(const std::string& tcpdump_text, uint16_t port) {
  SynMss out;
  static const std::regex kLine(R"(Flags \[(S|S\.)\].*mss (\d+))");
  const std::string tag = absl::StrCat(".", port);
  for (absl::string_view line : absl::StrSplit(tcpdump_text, '\n')) {
    if (!absl::StrContains(line, absl::StrCat(tag, " >")) &&
        !absl::StrContains(line, absl::StrCat(tag, ":"))) {
      continue;
    }
    std::match_results<absl::string_view::const_iterator> m;
    if (!std::regex_search(line.begin(), line.end(), m, kLine)) continue;
    int mss = 0;
    if (!absl::SimpleAtoi(m[2].str(), &mss)) continue;
    (m[1].str() == "S" ? out.syn : out.syn_ack) = mss;
  }
  return out;
}

class SeedScenarioLabTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto l =
        Lab::Create({.speakers = 3, .router = true, .second_router = true, .backend_ports = {}});
    ASSERT_THAT(l, IsOk());
    lab_ = std::move(*l);
    routers_ = {lab_->router(), lab_->second_router()};
    for (int i = 0; i < 3; ++i) ASSERT_THAT(StartBackend(i), IsOk());
    dir_ = lab_->work_dir() + "/router";
    std::filesystem::create_directories(dir_);
    WriteFile(dir_ + "/key", "seed-scenario-lab-pair-key-0123456789\n");
    WriteFile(dir_ + "/config.yaml", RouterConfig(false));
    for (const Host* r : routers_) {
      auto p = lab_->Spawn(*r, lab_->SpeakerArgv(IRONLB_SPEAKER_BINARY, *r, dir_), r->name);
      ASSERT_THAT(p, IsOk());
      router_procs_[r->name] = std::move(*p);
    }
  }

  void TearDown() override {
    if (HasFailure()) lab_->PrintLogs({"router", "router2"});
    held_.clear();
    captures_.clear();
    router_procs_.clear();
    backends_.clear();
    lab_.reset();
  }

  const std::string& Outside() const { return lab_->outside_client()->netns; }

  absl::Status StartBackend(int i) {
    const Host& h = lab_->speaker(i);
    auto p = lab_->Spawn(
        h,
        {IRONLB_LAB_BACKEND_BINARY, "--name", h.name, "--port", "8080", "--port", "8443", "--hold"},
        "backend-" + h.name);
    if (!p.ok()) return p.status();
    backends_[i] = std::move(*p);
    absl::Status last = absl::UnavailableError("not tried");
    for (int n = 0; n < 500; ++n) {
      bool all = true;
      for (uint16_t port : {8080, 8443}) {
        auto name = ProbeOnce(h.netns, "127.0.0.1", port, Protocol::kTcp, absl::Milliseconds(200));
        if (!name.ok() || *name != h.name) {
          all = false;
          last = name.ok() ? absl::InternalError(*name) : name.status();
        }
      }
      if (all) return absl::OkStatus();
      absl::SleepFor(absl::Milliseconds(20));
    }
    return last;
  }

  // One new connection from outside to VIP:port; who answered, or "error". A dead backend
  // answers with a reset at once; the long default is for a busy machine, not for a loss.
  std::string NewConnection(uint16_t port, absl::Duration timeout = absl::Seconds(5)) {
    auto r = ProbeOnce(Outside(), kVip, port, Protocol::kTcp, timeout);
    return r.ok() ? *r : "error";
  }

  // Waits (bounded) until `n` consecutive new connections, alternating ports 80 and 443, all
  // satisfy `good`; returns when the first of them was opened.
  absl::StatusOr<absl::Time> UntilConsecutive(int n,
                                              const std::function<bool(const std::string&)>& good,
                                              const std::string& what) {
    const absl::Time end = absl::Now() + kGenerous;
    int streak = 0, i = 0;
    absl::Time streak_start;
    std::map<std::string, int> last_seen;
    while (absl::Now() < end) {
      const absl::Time opened = absl::Now();
      const std::string who = NewConnection(kPorts[i++ % 2]);
      ++last_seen[who];
      streak = good(who) ? streak + 1 : 0;
      if (streak == 1) streak_start = opened;
      if (streak >= n) return streak_start;
    }
    return absl::DeadlineExceededError(absl::StrCat("no ", n, " consecutive new connections ", what,
                                                    "; seen ",
                                                    ::testing::PrintToString(last_seen)));
  }

  // Once settled: `n` more new connections (alternating ports) and who took them. A streak of
  // good ones can happen by chance on a broken path; a settled one must hold for every one.
  std::map<std::string, int> Sample(int n) {
    std::map<std::string, int> seen;
    for (int i = 0; i < n; ++i) ++seen[NewConnection(kPorts[i % 2])];
    return seen;
  }

  // Waits (bounded) until new connections on each port have reached every name in `names`.
  absl::Status UntilReached(const std::set<std::string>& names) {
    const absl::Time end = absl::Now() + kGenerous;
    std::map<uint16_t, std::set<std::string>> seen;
    while (absl::Now() < end) {
      bool all = true;
      for (uint16_t port : kPorts) {
        seen[port].insert(NewConnection(port));
        for (const std::string& n : names) all = all && seen[port].count(n) > 0;
      }
      if (all) return absl::OkStatus();
    }
    return absl::DeadlineExceededError(absl::StrCat("new connections did not reach ",
                                                    ::testing::PrintToString(names), "; seen ",
                                                    ::testing::PrintToString(seen)));
  }

  std::string Status(const Host& r) {
    auto out =
        lab_->Run(r, {IRONLB_CTL_BINARY, "status", "--status-socket", lab_->StatusSocket(r)});
    return out.ok() ? out->output : std::string(out.status().message());
  }

  // Waits (bounded) until both routers' status contains every one of `lines`.
  absl::Status UntilBothRoutersSay(const std::vector<std::string>& lines) {
    const absl::Time end = absl::Now() + kGenerous;
    std::string last;
    while (absl::Now() < end) {
      bool all = true;
      for (const Host* r : routers_) {
        last = Status(*r);
        for (const std::string& l : lines) all = all && absl::StrContains(last, l);
        if (!all) break;
      }
      if (all) return absl::OkStatus();
      absl::SleepFor(absl::Milliseconds(100));
    }
    return absl::DeadlineExceededError(
        absl::StrCat("status lacks ", ::testing::PrintToString(lines), ":\n", last));
  }

  // The router the outside client's neighbour entry for the VIP names ("" when none).
  std::string RouterInNeighbours() {
    auto n = NeighbourFor(*lab_, *lab_->outside_client(), kVip);
    if (!n.ok()) return "";
    for (const Host* r : routers_) {
      if (r->outside_mac == n->mac) return r->name;
    }
    return "";
  }

  // Opens long-lived connections (bounded) until each backend in `names` holds two per port.
  absl::Status HoldConnections(const std::set<std::string>& names) {
    std::map<std::pair<std::string, uint16_t>, int> count;
    for (int i = 0; i < 200; ++i) {
      bool done = true;
      for (const std::string& n : names) {
        for (uint16_t p : kPorts) done = done && count[{n, p}] >= 2;
      }
      if (done) return absl::OkStatus();
      const uint16_t port = kPorts[i % 2];
      auto c = HeldConnection::Open(Outside(), kVip, port);
      if (!c.ok()) continue;
      const std::pair<std::string, uint16_t> key = {(*c)->backend(), port};
      if (count[key]++ >= 2) continue;  // enough on that one; this connection closes
      held_.push_back({port, std::move(*c)});
    }
    return absl::DeadlineExceededError("could not hold two connections per backend and port");
  }

  // Every held connection to a backend in `names` still echoes.
  void ExpectHeldEcho(const std::set<std::string>& names, const std::string& when) {
    int checked = 0;
    for (auto& [port, c] : held_) {
      if (names.count(c->backend()) == 0) continue;
      ++checked;
      EXPECT_THAT(c->Echo(absl::StrCat("still there ", when, "\n")), IsOk())
          << "long-lived connection on port " << port << " to " << c->backend() << " " << when;
    }
    EXPECT_GE(checked, static_cast<int>(names.size()) * 4) << when;
  }

  // tcpdump -v of SYNs in `host`'s namespace (eth0), line-buffered into a log.
  absl::Status StartCapture(const Host& host) {
    const std::string name = "tcpdump-" + host.name;
    auto p = lab_->Spawn(
        host, {"tcpdump", "-i", "eth0", "-nn", "-v", "-l", "tcp[tcpflags] & tcp-syn != 0"}, name);
    if (!p.ok()) return p.status();
    captures_[host.name] = std::move(*p);
    const absl::Time end = absl::Now() + kGenerous;
    while (absl::Now() < end) {
      if (absl::StrContains(CaptureText(host), "listening on")) return absl::OkStatus();
      absl::SleepFor(absl::Milliseconds(20));
    }
    return absl::DeadlineExceededError("tcpdump did not start in " + host.name);
  }
  std::string CaptureText(const Host& host) {
    return ReadFile(lab_->work_dir() + "/tcpdump-" + host.name + ".log");
  }
  // Waits (bounded) until `host`'s capture shows a SYN and a SYN-ACK with MSS for `port`.
  SynMss WaitForMss(const Host& host, uint16_t port) {
    const absl::Time end = absl::Now() + kGenerous;
    SynMss m;
    while (absl::Now() < end) {
      m = MssFor(CaptureText(host), port);
      if (m.syn != 0 && m.syn_ack != 0) break;
      absl::SleepFor(absl::Milliseconds(50));
    }
    return m;
  }

  const Host& Backend(const std::string& name) {
    for (const Host& h : lab_->speakers()) {
      if (h.name == name) return h;
    }
    return lab_->speaker(0);
  }

  std::unique_ptr<Lab> lab_;
  std::vector<const Host*> routers_;
  std::string dir_;
  std::map<std::string, std::unique_ptr<HostProcess>> router_procs_;
  std::map<int, std::unique_ptr<HostProcess>> backends_;
  std::map<std::string, std::unique_ptr<HostProcess>> captures_;
  std::vector<std::pair<uint16_t, std::unique_ptr<HeldConnection>>> held_;
};

TEST_F(SeedScenarioLabTest, RouterPairBalancesClampsAndSurvivesBackendAndRouterFailures) {
  // The VIP is held by one router; new connections on both ports reach all three backends.
  ASSERT_THAT(UntilReached({"s0", "s1", "s2"}), IsOk());
  const std::string owner = RouterInNeighbours();
  ASSERT_FALSE(owner.empty()) << "the client has no neighbour entry naming a router for " << kVip;

  // MSS clamped to 1300 on the balanced path, seen by the client and by the backend: a
  // connection from a fixed client port per outside port (above the routers' ephemeral range,
  // so masquerading keeps it and the backend's capture can tell it from health checks).
  ASSERT_THAT(StartCapture(*lab_->outside_client()), IsOk());
  for (const Host& h : lab_->speakers()) ASSERT_THAT(StartCapture(h), IsOk());
  for (uint16_t port : kPorts) {
    const uint16_t client_port = static_cast<uint16_t>(20000 + port);
    auto c = HeldConnection::Open(Outside(), kVip, port, client_port);
    ASSERT_THAT(c, IsOk());
    const SynMss at_client = WaitForMss(*lab_->outside_client(), client_port);
    EXPECT_EQ(at_client.syn_ack, 1300) << "SYN-ACK MSS at the client, port " << port << "\n"
                                       << CaptureText(*lab_->outside_client());
    EXPECT_NE(at_client.syn, 1300) << "the client's own SYN already had 1300: nothing proven";
    const Host& b = Backend((*c)->backend());
    const SynMss at_backend = WaitForMss(b, client_port);
    EXPECT_EQ(at_backend.syn, 1300)
        << "SYN MSS at backend " << b.name << ", port " << BackendPort(port) << "\n"
        << CaptureText(b);
    std::cout << "MSS on port " << port << ": client sent " << at_client.syn << ", received "
              << at_client.syn_ack << "; backend " << b.name << " received " << at_backend.syn
              << ", sent " << at_backend.syn_ack << "\n";
  }
  captures_.clear();

  // Long-lived connections on both ports to every backend.
  ASSERT_THAT(HoldConnections({"s0", "s1", "s2"}), IsOk());
  ExpectHeldEcho({"s0", "s1", "s2"}, "before any change");

  // s0's backend dies: the others' connections are unaffected, new ones avoid s0.
  const absl::Time killed = absl::Now();
  backends_[0]->Kill();
  const absl::StatusOr<absl::Time> avoided = UntilConsecutive(
      30, [](const std::string& who) { return who == "s1" || who == "s2"; },
      "avoiding the dead s0");
  ASSERT_THAT(avoided, IsOk());
  std::cout << "s0 killed: new connections avoided it from "
            << absl::ToDoubleMilliseconds(*avoided - killed)
            << " ms after the kill on (measured: the first of 30 in a row)\n";
  std::map<std::string, int> settled = Sample(60);
  EXPECT_EQ(settled["s1"] + settled["s2"], 60) << ::testing::PrintToString(settled);
  ExpectHeldEcho({"s1", "s2"}, "after s0 died");
  // Both routers know (the standby checks too, so a takeover starts with the right state).
  ASSERT_THAT(UntilBothRoutersSay({"10.90.0.11:8080 w1 down", "10.90.0.11:8443 w1 down"}), IsOk());

  // s0 comes back: it takes new connections again.
  ASSERT_THAT(StartBackend(0), IsOk());
  ASSERT_THAT(UntilReached({"s0"}), IsOk());
  ExpectHeldEcho({"s1", "s2"}, "after s0 came back");

  // s1 drained: its connections keep working, it gets no new ones.
  WriteFile(dir_ + "/config.yaml", RouterConfig(true));
  for (auto& [name, p] : router_procs_) p->Signal(SIGHUP);
  ASSERT_THAT(UntilConsecutive(
                  30, [](const std::string& who) { return who == "s0" || who == "s2"; },
                  "avoiding the draining s1"),
              IsOk());
  settled = Sample(60);
  EXPECT_EQ(settled["s0"] + settled["s2"], 60) << ::testing::PrintToString(settled);
  ASSERT_THAT(UntilBothRoutersSay({"10.90.0.12:8080 w1 draining", "10.90.0.12:8443 w1 draining",
                                   "10.90.0.11:8080 w1 up"}),
              IsOk());
  ExpectHeldEcho({"s1", "s2"}, "after s1 was drained");

  // The owner router's outside cable is cut: the other router takes the VIP and serves new
  // connections on both ports, spread over s0 and s2 (its checks already knew them up), never
  // to the draining s1.
  const Host& cut = owner == "router" ? *routers_[0] : *routers_[1];
  const std::string standby = owner == "router" ? "router2" : "router";
  ASSERT_THAT(lab_->CutOutsideLink(cut), IsOk());
  const absl::Time cut_at = absl::Now();
  const absl::Time end = absl::Now() + kGenerous;
  std::string through;
  std::string who = "error";
  while (absl::Now() < end) {
    // Short attempts: one whose SYN went to the cut router must not hide the takeover for long.
    who = NewConnection(80, absl::Milliseconds(200));
    through = RouterInNeighbours();
    if (who != "error" && through == standby) break;
    absl::SleepFor(absl::Milliseconds(50));
  }
  ASSERT_EQ(through, standby) << "the client's neighbour entry after cutting " << owner
                              << "'s cable";
  ASSERT_NE(who, "error") << "no new connection through " << standby;
  std::cout << "cable of " << owner << " cut: first new connection through " << standby << " "
            << absl::ToDoubleMilliseconds(absl::Now() - cut_at) << " ms later (measured)\n";
  std::map<std::string, int> after = Sample(60);
  EXPECT_EQ(after.count("error"), 0u) << ::testing::PrintToString(after);
  EXPECT_EQ(after.count("s1"), 0u) << ::testing::PrintToString(after);
  EXPECT_GT(after["s0"], 0) << ::testing::PrintToString(after);
  EXPECT_GT(after["s2"], 0) << ::testing::PrintToString(after);
  std::cout << "after cutting " << owner << "'s cable, through " << standby << ": "
            << ::testing::PrintToString(after) << "\n";
}

}  // namespace
}  // namespace ironlb::lab

// Time from a desired-state change to the route on the router: a lab router running FRR
// (zebra, bgpd) and one speaker host with FRR (zebra, staticd, bgpd with gRPC), iBGP between
// them. ironlb's FrrReconciler applies 1 VIP (repeated), then 1,000 VIPs, then 1,000 VIPs that
// are local addresses of the node; for comparison the same VIPs go in as `network` statements
// through vtysh (1 VIP repeated, then 1,000 in one vtysh run). "Visible" = the router's bgpd
// counts the prefixes as received (pfxRcd, read over its vty socket every millisecond by a
// thread started before the change, so the time does not depend on when the apply call
// returns: ironlb installs the node's own routes to lo after bgpd has the announcement). Also:
// the first announcement after the session comes up. Prints the figures and ends with one JSON
// line.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <future>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "bgp/frr_reconciler.h"
#include "bgp/vty_client.h"
#include "nlohmann/json.hpp"
#include "test/lab/frr_host.h"
#include "test/lab/host_command.h"
#include "test/lab/lab.h"

namespace ironlb::lab {
namespace {

constexpr uint32_t kAsn = 64512;

[[noreturn]] void Fail(const std::string& what) {
  std::fprintf(stderr, "bgp_apply_bench: %s\n", what.c_str());
  throw std::runtime_error(what);  // unwinds: the lab and FRR are torn down
}

void Check(const absl::Status& st, const std::string& what) {
  if (!st.ok()) Fail(absl::StrCat(what, ": ", st.ToString()));
}

// Prefixes the router has from the speaker; -1 while the session is not established.
int64_t Received(bgp::VtyClient& router, const std::string& speaker) {
  auto out = router.Execute("show bgp ipv4 unicast summary json");
  if (!out.ok()) return -1;
  auto j = nlohmann::json::parse(*out, nullptr, false);
  if (j.is_discarded() || !j.contains("peers") || !j["peers"].contains(speaker)) return -1;
  if (j["peers"][speaker].value("state", "") != "Established") return -1;
  return j["peers"][speaker].value("pfxRcd", int64_t{-1});
}

// Waits (at most 30 s) until the router has `want` prefixes; the time since `start`.
absl::Duration WaitReceived(bgp::VtyClient& router, const std::string& speaker, int64_t want,
                            absl::Time start) {
  while (absl::Now() - start < absl::Seconds(30)) {
    if (Received(router, speaker) == want) return absl::Now() - start;
    absl::SleepFor(absl::Milliseconds(1));
  }
  Fail(absl::StrCat("router did not see ", want, " prefixes within 30 s"));
}

// `vips` VIPs 10.<second>.x.y/32 to the router.
bgp::DesiredState State(int vips, uint32_t second = 92) {
  bgp::DesiredState d;
  d.peers.push_back({.name = "router",
                     .my_asn = kAsn,
                     .peer_asn = kAsn,
                     .address = *IpAddress::Parse("10.90.0.1"),
                     .hold_time_s = 9,
                     .keepalive_time_s = 3});
  for (int i = 0; i < vips; ++i) {
    const IpAddress ip =
        IpAddress::FromValue(IpFamily::kV4, (10u << 24) | (second << 16) | (i + 1));
    bgp::Announcement a{.prefix = bgp::PrefixOf(ip, 32)};
    bgp::MergeAttributes(a, "router", {});
    d.announcements.push_back(a);
  }
  return d;
}

double Ms(absl::Duration d) { return absl::ToDoubleMilliseconds(d); }

// Runs `change` while another thread waits for the router to count `want` prefixes; the time
// from just before the change to the router's count (ms), and the change call's own time.
template <typename F>
std::pair<double, double> Timed(bgp::VtyClient& router, const std::string& speaker, int64_t want,
                                F change) {
  const absl::Time t = absl::Now();
  auto seen = std::async(std::launch::async, [&router, &speaker, want, t] {
    return WaitReceived(router, speaker, want, t);
  });
  change();
  const double call = Ms(absl::Now() - t);
  return {Ms(seen.get()), call};
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

int Run() {
  auto l = Lab::Create({.speakers = 1, .router = true, .backend_ports = {}});
  Check(l.status(), "lab");
  Lab& lab = **l;
  const Host& s0 = lab.speaker(0);
  FrrHost router_frr(&lab, *lab.router());
  FrrHost speaker_frr(&lab, s0);
  Check(router_frr.Start({"zebra", "bgpd"}), "router FRR");
  Check(speaker_frr.Start({"zebra", "staticd", "bgpd"}), "speaker FRR");
  Check(router_frr
            .Vtysh({"configure terminal", absl::StrCat("router bgp ", kAsn),
                    "bgp router-id 10.90.0.1",
                    absl::StrCat("neighbor ", s0.ipv4, " remote-as ", kAsn),
                    absl::StrCat("neighbor ", s0.ipv4, " timers connect 1")})
            .status(),
        "router config");
  auto router_vty =
      bgp::VtyClient::Connect("router bgpd", router_frr.vty_dir() + "/bgpd.vty", absl::Seconds(10));
  Check(router_vty.status(), "router vty");

  // gRPC's threads are created later, from this thread, so they live in s0's namespace too.
  Check(EnterNetnsForThread(s0.netns), "enter speaker namespace");
  auto target = [](int port) { return absl::StrCat("127.0.0.1:", port); };
  auto staticd = bgp::GrpcNorthboundClient::Create("staticd", target(FrrHost::kStaticdGrpc),
                                                   absl::Seconds(60));
  auto bgpd =
      bgp::GrpcNorthboundClient::Create("bgpd", target(FrrHost::kBgpdGrpc), absl::Seconds(60));
  bgp::SocketVtySession vty("bgpd", speaker_frr.vty_dir() + "/bgpd.vty");
  // IRONLB_BENCH_NO_NODE_ROUTES=1: without staticd (no `VIP dev lo` routes for the node's own
  // traffic), to show what installing them costs the announcement on a busy machine.
  const bool node_routes = std::getenv("IRONLB_BENCH_NO_NODE_ROUTES") == nullptr;
  bgp::FrrReconciler reconciler({node_routes ? staticd.get() : nullptr, bgpd.get(), nullptr, &vty});

  auto& rv = **router_vty;
  const std::string peer = s0.ipv4;

  // The first announcement after the session comes up: the session and 1 VIP are configured
  // at once; the time from the router seeing the session established to its counting the VIP.
  Check(reconciler.Apply(State(1)).status(), "session and first VIP");
  double first_ms = 0;
  {
    const absl::Time start = absl::Now();
    absl::Time established;
    while (true) {
      const int64_t n = Received(rv, peer);
      if (n >= 0 && established == absl::Time()) established = absl::Now();
      if (n == 1) break;
      if (absl::Now() - start > absl::Seconds(60)) Fail("session with the VIP not up in 60 s");
      absl::SleepFor(absl::Milliseconds(1));
    }
    first_ms = Ms(absl::Now() - established);
    Check(reconciler.Apply(State(0)).status(), "withdraw first VIP");
    WaitReceived(rv, peer, 0, absl::Now());
  }

  // 1 VIP, added and withdrawn, several times; each run's figures are printed, so an outlier
  // can be placed (the apply call, or bgpd/the router afterwards).
  std::vector<double> one_ms;
  constexpr int kOneRuns = 20;
  for (int i = 0; i < kOneRuns; ++i) {
    const auto [seen, call] =
        Timed(rv, peer, 1, [&] { Check(reconciler.Apply(State(1)).status(), "apply 1 VIP"); });
    one_ms.push_back(seen);
    std::printf("  1 VIP run %2d: apply call %5.1f ms, on the router after %6.1f ms\n", i, call,
                seen);
    Timed(rv, peer, 0, [&] { Check(reconciler.Apply(State(0)).status(), "withdraw 1 VIP"); });
  }

  // 1,000 VIPs at once through ironlb.
  absl::StatusOr<bgp::ApplyResult> applied;
  const auto [ironlb_1k, apply_1k_call] =
      Timed(rv, peer, 1000, [&] { applied = reconciler.Apply(State(1000)); });
  Check(applied.status(), "apply 1000 VIPs");
  const auto [withdraw_1k, withdraw_1k_call] =
      Timed(rv, peer, 0, [&] { Check(reconciler.Apply(State(0)).status(), "withdraw 1000 VIPs"); });

  // 1,000 VIPs that are also local addresses of the node (as kube-proxy's IPVS mode has them on
  // kube-ipvs0).
  {
    std::string batch;
    for (const auto& a : State(1000, 93).announcements) {
      absl::StrAppend(&batch, "address add ", a.prefix.ToString(), " dev lo\n");
    }
    const std::string file = lab.work_dir() + "/bgp-bench-local-vips.batch";
    std::FILE* f = std::fopen(file.c_str(), "w");
    if (f == nullptr) Fail("cannot write " + file);
    std::fputs(batch.c_str(), f);
    std::fclose(f);
    Check(RunChecked({"ip", "-batch", file}, s0.netns), "add 1000 local addresses");
  }
  absl::StatusOr<bgp::ApplyResult> applied_local;
  const auto [local_1k, local_call] =
      Timed(rv, peer, 1000, [&] { applied_local = reconciler.Apply(State(1000, 93)); });
  Check(applied_local.status(), "apply 1000 local VIPs");
  const auto [local_withdraw_1k, local_withdraw_call] = Timed(
      rv, peer, 0, [&] { Check(reconciler.Apply(State(0)).status(), "withdraw 1000 local VIPs"); });

  // The same as `network` statements through vtysh (the route-map binding and import check out
  // of the way, as a hand-written config would have them).
  std::vector<std::string> cmds = {
      "configure terminal", absl::StrCat("router bgp ", kAsn), "no bgp network import-check",
      "address-family ipv4 unicast",
      absl::StrCat("no neighbor 10.90.0.1 route-map ", bgp::PeerRouteMapName("router"), " out")};
  Check(speaker_frr.Vtysh(cmds).status(), "vtysh setup");
  cmds.resize(4);
  cmds.erase(cmds.begin() + 2);  // configure terminal, router bgp, address-family
  auto with = [&](const std::vector<std::string>& lines) {
    std::vector<std::string> all = cmds;
    all.insert(all.end(), lines.begin(), lines.end());
    return all;
  };
  const std::string one_vip = State(1).announcements[0].prefix.ToString();
  std::vector<double> vtysh_one_ms;
  for (int i = 0; i < 10; ++i) {
    vtysh_one_ms.push_back(Timed(rv, peer, 1, [&] {
                             Check(speaker_frr.Vtysh(with({"network " + one_vip})).status(),
                                   "vtysh 1 network");
                           }).first);
    Timed(rv, peer, 0, [&] {
      Check(speaker_frr.Vtysh(with({"no network " + one_vip})).status(), "vtysh no network");
    });
  }
  // bgpd's own floor: the same `network` statement written on an open vty socket already in
  // configure mode's reach (one round trip, no route-map, no process started) — the fastest any
  // speaker driving bgpd can announce a VIP. What remains is bgpd's route-processing hold (50
  // ms in FRR 8.4, not configurable) and the UPDATE.
  auto raw_vty = bgp::VtyClient::Connect("speaker bgpd", speaker_frr.vty_dir() + "/bgpd.vty",
                                         absl::Seconds(10));
  Check(raw_vty.status(), "speaker vty");
  if (auto nb = (*raw_vty)->Execute("show bgp neighbors 10.90.0.1 json"); nb.ok()) {
    const auto j = nlohmann::json::parse(*nb, nullptr, false);
    if (!j.is_discarded() && j.contains("10.90.0.1")) {
      std::printf("speaker's MRAI (advertisement-interval) towards the router: %lld ms\n",
                  static_cast<long long>(
                      j["10.90.0.1"].value("minBtwnAdvertisementRunsTimerMsecs", int64_t{-1})));
    }
  }
  std::vector<double> floor_one_ms;
  for (int i = 0; i < 10; ++i) {
    const std::vector<std::string> head = {cmds[1], cmds[2]};  // router bgp, address-family
    auto lines = [&](const std::string& line) {
      std::vector<std::string> all = head;
      all.push_back(line);
      return all;
    };
    floor_one_ms.push_back(Timed(rv, peer, 1, [&] {
                             Check((*raw_vty)->ConfigureAll(lines("network " + one_vip)),
                                   "vty 1 network");
                           }).first);
    Timed(rv, peer, 0, [&] {
      Check((*raw_vty)->ConfigureAll(lines("no network " + one_vip)), "vty no network");
    });
  }
  std::vector<std::string> add, del;
  for (const auto& a : State(1000).announcements) {
    add.push_back(absl::StrCat("network ", a.prefix.ToString()));
    del.push_back(absl::StrCat("no network ", a.prefix.ToString()));
  }
  const auto [vtysh_1k, vtysh_call] = Timed(
      rv, peer, 1000, [&] { Check(speaker_frr.Vtysh(with(add)).status(), "vtysh 1000 networks"); });
  const auto [vtysh_withdraw_1k, vtysh_withdraw_call] = Timed(
      rv, peer, 0, [&] { Check(speaker_frr.Vtysh(with(del)).status(), "vtysh 1000 no networks"); });

  const double one_median = Median(one_ms);
  const double one_max = *std::max_element(one_ms.begin(), one_ms.end());
  const double vtysh_one = Median(vtysh_one_ms);
  std::printf("first VIP after the session came up: %.1f ms from established to the router\n",
              first_ms);
  std::printf("1 VIP (ironlb): median %.1f ms, min %.1f, max %.1f over %zu runs\n", one_median,
              *std::min_element(one_ms.begin(), one_ms.end()), one_max, one_ms.size());
  std::printf("1 VIP (vtysh network statement): median %.1f ms over %zu runs\n", vtysh_one,
              vtysh_one_ms.size());
  const double floor_one = Median(floor_one_ms);
  std::printf(
      "1 VIP (one network statement on an open vty socket: bgpd's floor): median %.1f ms, min "
      "%.1f over %zu runs\n",
      floor_one, *std::min_element(floor_one_ms.begin(), floor_one_ms.end()), floor_one_ms.size());
  std::printf(
      "1000 VIPs (ironlb): %.1f ms to the router (apply call %.1f ms; %zu network statements, "
      "%zu bgpd + %zu staticd edits); withdrawn in %.1f ms (call %.1f ms)\n",
      ironlb_1k, apply_1k_call, applied->network_commands, applied->bgpd_edits,
      applied->staticd_edits, withdraw_1k, withdraw_1k_call);
  std::printf(
      "1000 VIPs that are local addresses (ironlb): %.1f ms to the router (apply call %.1f ms); "
      "withdrawn in %.1f ms (call %.1f ms)\n",
      local_1k, local_call, local_withdraw_1k, local_withdraw_call);
  std::printf(
      "1000 VIPs (vtysh network statements): %.1f ms to the router (vtysh run %.1f ms); "
      "withdrawn in %.1f ms (vtysh run %.1f ms)\n",
      vtysh_1k, vtysh_call, vtysh_withdraw_1k, vtysh_withdraw_call);
  std::printf("ratio vtysh / ironlb for 1000 VIPs: %.2f\n", vtysh_1k / ironlb_1k);
  std::printf(
      "{\"bench\":\"bgp_apply\",\"one_vip_ms\":%.1f,\"one_vip_max_ms\":%.1f,"
      "\"apply_1k_ms\":%.1f,\"apply_1k_call_ms\":%.1f,\"withdraw_1k_ms\":%.1f,"
      "\"local_apply_1k_ms\":%.1f,\"local_withdraw_1k_ms\":%.1f,"
      "\"first_vip_after_session_up_ms\":%.1f,\"vtysh_one_vip_ms\":%.1f,"
      "\"vty_floor_one_vip_ms\":%.1f,"
      "\"vtysh_network_1k_ms\":%.1f,\"vtysh_withdraw_1k_ms\":%.1f,"
      "\"vtysh_over_ironlb_ratio\":%.2f,\"node_routes\":%s}\n",
      one_median, one_max, ironlb_1k, apply_1k_call, withdraw_1k, local_1k, local_withdraw_1k,
      first_ms, vtysh_one, floor_one, vtysh_1k, vtysh_withdraw_1k, vtysh_1k / ironlb_1k,
      node_routes ? "true" : "false");
  return 0;
}

}  // namespace
}  // namespace ironlb::lab

int main() {
  try {
    return ironlb::lab::Run();
  } catch (const std::exception&) {
    return 1;
  }
}

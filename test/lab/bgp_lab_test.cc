// BGP mode in the lab: an upstream router running FRR (zebra, bgpd, bfdd), three speaker hosts
// each with their own FRR (zebra, bgpd, staticd, bfdd with gRPC) and ironlb-speaker, and a
// client behind the router. Everything is checked on the router, from its own JSON output.
#include <signal.h>

#include <fstream>
#include <set>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "test/lab/frr_host.h"
#include "test/lab/host_command.h"
#include "test/lab/lab.h"
#include "test/lab/prober.h"
#include "test/support/status_matchers.h"

namespace ironlb::lab {
namespace {

using ::ironlb::testing::IsOk;
using Json = nlohmann::json;

constexpr char kVip4[] = "10.90.100.10";
constexpr char kVip6[] = "fd00:90:100::10";
constexpr uint32_t kAsn = 64512;  // iBGP, so the router sees LOCAL_PREF

std::string PeersYaml(int v6_hold_s) {
  return absl::StrCat(
      "apiVersion: ironlb.io/v1alpha1\nkind: BFDProfile\nmetadata: {name: fast}\n"
      "spec: {receiveInterval: 100, transmitInterval: 100, detectMultiplier: 3}\n---\n"
      "apiVersion: ironlb.io/v1alpha1\nkind: BGPPeer\nmetadata: {name: router-v4}\n"
      "spec: {myASN: ",
      kAsn, ", peerASN: ", kAsn,
      ", peerAddress: 10.90.0.1, holdTime: 9s, keepaliveTime: 3s, bfdProfile: fast}\n---\n"
      "apiVersion: ironlb.io/v1alpha1\nkind: BGPPeer\nmetadata: {name: router-v6}\n"
      "spec: {myASN: ",
      kAsn, ", peerASN: ", kAsn, ", peerAddress: \"fd00:90::1\", holdTime: ", v6_hold_s,
      "s, keepaliveTime: 3s, bfdProfile: fast}\n");
}

constexpr char kPoolYaml[] = R"(apiVersion: ironlb.io/v1alpha1
kind: AddressPool
metadata: {name: vips}
spec: {addresses: ["10.90.100.0/24", "fd00:90:100::/120"]}
---
apiVersion: ironlb.io/v1alpha1
kind: BGPAdvertisement
metadata: {name: upstream}
spec:
  ipAddressPools: [vips]
  localPref: 250
  communities: ["64512:100", "large:64512:1:2"]
)";

std::string ServiceYaml(const std::string& name, const std::string& vip) {
  return absl::StrCat("apiVersion: v1\nkind: Service\nmetadata:\n  name: ", name,
                      "\n  namespace: lab\n  annotations: {ironlb.io/addresses: \"", vip,
                      "\"}\nspec: {type: LoadBalancer, ports: [{protocol: TCP, port: 8080}]}\n");
}

class BgpLabTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto l = Lab::Create({.speakers = 3, .router = true});
    ASSERT_THAT(l, IsOk());
    lab_ = std::move(*l);
    dir_ = lab_->work_dir() + "/ironlb-config";
    ASSERT_THAT(RunChecked({"mkdir", "-p", dir_}), IsOk());
    WriteFile("peers.yaml", PeersYaml(9));
    WriteFile("pool.yaml", kPoolYaml);
    WriteFile("svc-v4.yaml", ServiceYaml("web4", kVip4));
    WriteFile("svc-v6.yaml", ServiceYaml("web6", kVip6));
    ASSERT_NO_FATAL_FAILURE(StartRouter());
    for (int i = 0; i < lab_->speaker_count(); ++i) {
      const Host& h = lab_->speaker(i);
      ASSERT_THAT(lab_->AddVip(h, kVip4), IsOk());
      ASSERT_THAT(lab_->AddVip(h, kVip6), IsOk());
      auto frr = std::make_unique<FrrHost>(lab_.get(), h);
      ASSERT_THAT(frr->Start({"zebra", "staticd", "bgpd", "bfdd"}), IsOk());
      speaker_frr_.push_back(std::move(frr));
      ASSERT_NO_FATAL_FAILURE(StartSpeaker(i));
    }
  }
  void TearDown() override {
    speakers_.clear();
    speaker_frr_.clear();
    router_frr_.reset();
    lab_.reset();
  }

  void WriteFile(const std::string& name, const std::string& text) {
    std::ofstream(dir_ + "/" + name) << text;
  }

  void StartRouter() {
    router_frr_ = std::make_unique<FrrHost>(lab_.get(), *lab_->router());
    ASSERT_THAT(router_frr_->Start({"zebra", "bgpd", "bfdd"}), IsOk());
    std::vector<std::string> cfg = {"configure terminal",
                                    "bfd",
                                    "profile fast",
                                    "receive-interval 100",
                                    "transmit-interval 100",
                                    "exit",
                                    "exit",
                                    absl::StrCat("router bgp ", kAsn),
                                    "bgp router-id 10.90.0.1",
                                    "no bgp default ipv4-unicast"};
    for (const Host& s : lab_->speakers()) {
      for (const std::string& a : {s.ipv4, s.ipv6}) {
        cfg.push_back(absl::StrCat("neighbor ", a, " remote-as ", kAsn));
        cfg.push_back(absl::StrCat("neighbor ", a, " timers 3 9"));
        cfg.push_back(absl::StrCat("neighbor ", a, " timers connect 1"));
        cfg.push_back(absl::StrCat("neighbor ", a, " bfd profile fast"));
      }
    }
    for (const char* af : {"ipv4", "ipv6"}) {
      cfg.push_back(absl::StrCat("address-family ", af, " unicast"));
      cfg.push_back("maximum-paths ibgp 8");
      for (const Host& s : lab_->speakers()) {
        cfg.push_back(
            absl::StrCat("neighbor ", std::string(af) == "ipv4" ? s.ipv4 : s.ipv6, " activate"));
      }
      cfg.push_back("exit-address-family");
    }
    ASSERT_THAT(router_frr_->Vtysh(cfg), IsOk());
  }

  void StartSpeaker(int i) {
    const Host& h = lab_->speaker(i);
    auto p = lab_->Spawn(
        h,
        {IRONLB_SPEAKER_BINARY, "--config-dir", dir_, "--node-name", h.name, "--frr-vty-dir",
         speaker_frr_[static_cast<size_t>(i)]->vty_dir(), "--frr-grpc-ports",
         absl::StrCat(FrrHost::kStaticdGrpc, ",", FrrHost::kBgpdGrpc, ",", FrrHost::kBfddGrpc),
         "--metrics-address", "127.0.0.1:7473"},
        absl::StrCat("ironlb-speaker-", h.name));
    ASSERT_THAT(p, IsOk());
    if (speakers_.size() <= static_cast<size_t>(i)) speakers_.resize(static_cast<size_t>(i) + 1);
    speakers_[static_cast<size_t>(i)] = std::move(*p);
  }

  // The router's BGP paths for `prefix` (its `show bgp ... json`).
  Json RouterPaths(const std::string& prefix) {
    const bool v6 = prefix.find(':') != std::string::npos;
    auto out = router_frr_->Vtysh(
        {absl::StrCat("show bgp ", v6 ? "ipv6" : "ipv4", " unicast ", prefix, " json")});
    if (!out.ok()) return Json::array();
    Json j = Json::parse(*out, nullptr, false);
    if (j.is_discarded() || !j.contains("paths")) return Json::array();
    return j["paths"];
  }

  // Next hops of the router's valid paths to `prefix`, as the speakers' host names.
  std::set<std::string> RouterNextHops(const std::string& prefix) {
    std::set<std::string> hosts;
    for (const Json& p : RouterPaths(prefix)) {
      if (!p.value("valid", false) || !p.contains("nexthops")) continue;
      for (const Json& nh : p["nexthops"]) {
        const std::string ip = nh.value("ip", "");
        for (const Host& s : lab_->speakers()) {
          if (ip == s.ipv4 || ip == s.ipv6) hosts.insert(s.name);
        }
      }
    }
    return hosts;
  }

  // Polls (every 10 ms, at most `limit`) until the router's next hops for `prefix` are
  // `want`; returns how long that took, or an error with what was seen last.
  absl::StatusOr<absl::Duration> WaitForNextHops(const std::string& prefix,
                                                 const std::set<std::string>& want,
                                                 absl::Duration limit) {
    const absl::Time start = absl::Now();
    std::set<std::string> seen;
    while (absl::Now() - start < limit) {
      seen = RouterNextHops(prefix);
      if (seen == want) return absl::Now() - start;
      absl::SleepFor(absl::Milliseconds(10));
    }
    std::string got;
    for (const auto& s : seen) absl::StrAppend(&got, s, " ");
    return absl::DeadlineExceededError(absl::StrCat("router's next hops for ", prefix, ": ", got,
                                                    "after ", absl::FormatDuration(limit)));
  }

  std::set<std::string> AllSpeakers() { return {"s0", "s1", "s2"}; }

  // Per neighbor of speaker i: how many times its session was established and dropped. (Not
  // bgpTimerUpEstablishedEpoch: bgpd computes it as now minus uptime at each query, so one
  // session's epoch read twice may differ by a second.)
  std::map<std::string, std::pair<int, int>> SessionCounts(int i) {
    std::map<std::string, std::pair<int, int>> out;
    auto s = speaker_frr_[static_cast<size_t>(i)]->Vtysh({"show bgp neighbors json"});
    if (!s.ok()) return out;
    Json j = Json::parse(*s, nullptr, false);
    if (j.is_discarded()) return out;
    for (const auto& [addr, n] : j.items()) {
      out[addr] = {n.value("connectionsEstablished", -1), n.value("connectionsDropped", -1)};
    }
    return out;
  }

  std::unique_ptr<Lab> lab_;
  std::string dir_;
  std::unique_ptr<FrrHost> router_frr_;
  std::vector<std::unique_ptr<FrrHost>> speaker_frr_;
  std::vector<std::unique_ptr<HostProcess>> speakers_;
};

TEST_F(BgpLabTest, RoutesAttributesTrafficWithdrawalsAndRecovery) {
  // Every node announces both VIPs (externalTrafficPolicy Cluster), IPv4 and IPv6 (MP-BGP).
  ASSERT_THAT(WaitForNextHops(kVip4 + std::string("/32"), AllSpeakers(), absl::Seconds(30)),
              IsOk());
  ASSERT_THAT(WaitForNextHops(kVip6 + std::string("/128"), AllSpeakers(), absl::Seconds(30)),
              IsOk());
  for (const std::string prefix : {"10.90.100.10/32", "fd00:90:100::10/128"}) {
    const Json paths = RouterPaths(prefix);
    ASSERT_EQ(paths.size(), 3u) << paths.dump();
    for (const Json& p : paths) {
      EXPECT_EQ(p.value("locPrf", 0), 250) << p.dump();
      EXPECT_EQ(p["community"].value("string", ""), "64512:100") << p.dump();
      EXPECT_EQ(p["largeCommunity"].value("string", ""), "64512:1:2") << p.dump();
    }
  }

  // A request from the client behind the router reaches a backend on a node.
  for (const char* vip : {kVip4, kVip6}) {
    auto who =
        ProbeOnce(lab_->outside_client()->netns, vip, 8080, Protocol::kTcp, absl::Seconds(2));
    ASSERT_THAT(who, IsOk()) << vip;
    EXPECT_TRUE(AllSpeakers().count(*who)) << *who;
  }

  // FRR's gRPC (no TLS, every address) is reachable only from the node itself: the speaker's
  // nftables port guard drops connections from elsewhere (the control shows FRR listens).
  for (int port : {FrrHost::kStaticdGrpc, FrrHost::kBgpdGrpc}) {
    auto local = lab_->Run(lab_->speaker(0), {"timeout", "2", "bash", "-c",
                                              absl::StrCat("exec 3<>/dev/tcp/127.0.0.1/", port)});
    ASSERT_THAT(local, IsOk());
    EXPECT_EQ(local->exit_code, 0)
        << "FRR gRPC on loopback, port " << port << ": " << local->output;
    auto remote = lab_->Run(lab_->speaker(1),
                            {"timeout", "2", "bash", "-c",
                             absl::StrCat("exec 3<>/dev/tcp/", lab_->speaker(0).ipv4, "/", port)});
    ASSERT_THAT(remote, IsOk());
    EXPECT_NE(remote->exit_code, 0) << "s0's FRR gRPC port " << port << " reached from s1";
  }

  // Announcing does not change how a node forwards its own traffic to a VIP: on s0, with the
  // VIP not a local address and kube-proxy-style OUTPUT DNAT to s1's backend, the request
  // still goes out (a blackhole route would fail connect() before the DNAT ever ran).
  const Host& s0 = lab_->speaker(0);
  ASSERT_THAT(lab_->RemoveVip(s0, kVip4), IsOk());
  ASSERT_THAT(
      RunChecked({"nft", absl::StrCat("add table ip kp; add chain ip kp out { type nat "
                                      "hook output priority -100; }; add rule ip kp out "
                                      "ip daddr ",
                                      kVip4, " tcp dport 8080 dnat to ", lab_->speaker(1).ipv4)},
                 s0.netns),
      IsOk());
  // zebra installs ironlb's static route once the connected one is gone.
  std::string route;
  for (int i = 0; i < 100 && route.find("dev lo") == std::string::npos; ++i) {
    absl::SleepFor(absl::Milliseconds(20));
    auto r = lab_->Run(s0, {"ip", "route", "get", kVip4});
    ASSERT_THAT(r, IsOk());
    route = r->output;
  }
  EXPECT_THAT(route, ::testing::HasSubstr("dev lo"));
  auto via_node = ProbeOnce(s0.netns, kVip4, 8080, Protocol::kTcp, absl::Seconds(2));
  ASSERT_THAT(via_node, IsOk());
  EXPECT_EQ(*via_node, "s1");

  // A peer config change touches only that session: the IPv4 session stays established.
  const auto before = SessionCounts(0);
  ASSERT_TRUE(before.count("10.90.0.1"));
  ASSERT_GE(before.at("10.90.0.1").first, 1);
  WriteFile("peers.yaml", PeersYaml(15));
  speakers_[0]->Signal(SIGHUP);
  bool applied = false;
  for (int i = 0; i < 100 && !applied; ++i) {
    auto run = speaker_frr_[0]->Vtysh({"show running-config"});
    applied = run.ok() && run->find("neighbor fd00:90::1 timers 3 15") != std::string::npos;
    if (!applied) absl::SleepFor(absl::Milliseconds(50));
  }
  EXPECT_TRUE(applied);
  EXPECT_EQ(SessionCounts(0)["10.90.0.1"], before.at("10.90.0.1"));  // (established, dropped)

  // A Service deleted (config dir edited, SIGHUP) -> its route is gone within 1 s.
  ASSERT_THAT(RunChecked({"rm", dir_ + "/svc-v4.yaml"}), IsOk());
  for (auto& s : speakers_) s->Signal(SIGHUP);
  auto gone = WaitForNextHops("10.90.100.10/32", {}, absl::Seconds(1));
  EXPECT_THAT(gone, IsOk());
  if (gone.ok())
    std::printf("service deleted -> route gone: %s\n", absl::FormatDuration(*gone).c_str());

  // A speaker stopped for good (SIGUSR2; SIGTERM means restarting) -> its next hop is gone
  // within 1 s.
  speakers_[2]->Signal(SIGUSR2);
  auto stopped = WaitForNextHops("fd00:90:100::10/128", {"s0", "s1"}, absl::Seconds(1));
  EXPECT_THAT(stopped, IsOk());
  if (stopped.ok()) {
    std::printf("graceful stop -> next hop gone: %s\n", absl::FormatDuration(*stopped).c_str());
  }
  EXPECT_TRUE(speakers_[2]->WaitExit(absl::Seconds(5)));

  // A speaker host dies (its cable is cut: no FIN, no RST), with BFD -> gone within 1 s.
  ASSERT_THAT(lab_->CutLink(lab_->speaker(1)), IsOk());
  auto cut = WaitForNextHops("fd00:90:100::10/128", {"s0"}, absl::Seconds(1));
  EXPECT_THAT(cut, IsOk());
  if (cut.ok())
    std::printf("host cut (BFD) -> next hop gone: %s\n", absl::FormatDuration(*cut).c_str());

  // FRR killed and restarted under a running speaker: everything comes back, no speaker
  // restart.
  speaker_frr_[0]->KillAll();
  ASSERT_THAT(WaitForNextHops("fd00:90:100::10/128", {}, absl::Seconds(5)), IsOk());
  ASSERT_THAT(speaker_frr_[0]->Start({"zebra", "staticd", "bgpd", "bfdd"}), IsOk());
  auto back = WaitForNextHops("fd00:90:100::10/128", {"s0"}, absl::Seconds(20));
  EXPECT_THAT(back, IsOk());
  if (back.ok())
    std::printf("FRR restarted -> route back: %s\n", absl::FormatDuration(*back).c_str());
  EXPECT_TRUE(speakers_[0]->Running());
  const Json paths = RouterPaths("fd00:90:100::10/128");
  ASSERT_EQ(paths.size(), 1u);
  EXPECT_EQ(paths[0].value("locPrf", 0), 250);
}

}  // namespace
}  // namespace ironlb::lab

// The router's pool filter in the lab (issue 9): the router runs FRR with a peer group for the
// speakers and ironlb-speaker in router role with --bgp-speakers-peer-group; s0 and s1 run FRR
// with ironlb-speaker in BGP mode announcing a pool VIP; s2's FRR is configured by hand (as a
// misconfigured or hostile node would be) and announces the same VIP plus an address outside
// every pool. Checked on the router, from its own `show bgp ... json`: before the filter the
// outside address is accepted (so the check below can fail); once ironlb-speaker runs, it is
// refused while the pool VIP stays accepted from all three, in IPv4 and IPv6.
#include <fstream>
#include <set>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "test/lab/frr_host.h"
#include "test/lab/host_command.h"
#include "test/lab/ironlb_holder.h"
#include "test/lab/lab.h"
#include "test/support/status_matchers.h"

namespace ironlb::lab {
namespace {

using ::ironlb::testing::IsOk;
using ::testing::HasSubstr;
using Json = nlohmann::json;

constexpr char kVip4[] = "10.90.100.10/32";
constexpr char kVip6[] = "fd00:90:100::10/128";
constexpr char kOutside4[] = "10.99.0.1/32";
constexpr char kOutside6[] = "fd00:99::1/128";
constexpr uint32_t kAsn = 64512;
constexpr char kGroup[] = "SPEAKERS";

constexpr char kPoolYaml[] = R"(apiVersion: ironlb.io/v1alpha1
kind: AddressPool
metadata: {name: vips}
spec: {addresses: ["10.90.100.0/24", "fd00:90:100::/120"]}
)";

std::string SpeakersYaml() {
  return absl::StrCat(
      "apiVersion: ironlb.io/v1alpha1\nkind: BGPAdvertisement\nmetadata: {name: upstream}\n"
      "spec: {ipAddressPools: [vips]}\n---\n"
      "apiVersion: ironlb.io/v1alpha1\nkind: BGPPeer\nmetadata: {name: router-v4}\n"
      "spec: {myASN: ",
      kAsn, ", peerASN: ", kAsn,
      ", peerAddress: 10.90.0.1, holdTime: 9s, keepaliveTime: 3s}\n---\n"
      "apiVersion: ironlb.io/v1alpha1\nkind: BGPPeer\nmetadata: {name: router-v6}\n"
      "spec: {myASN: ",
      kAsn, ", peerASN: ", kAsn,
      ", peerAddress: \"fd00:90::1\", holdTime: 9s, keepaliveTime: 3s}\n---\n"
      "apiVersion: v1\nkind: Service\nmetadata:\n  name: web4\n  namespace: lab\n"
      "  annotations: {ironlb.io/addresses: \"10.90.100.10\"}\n"
      "spec: {type: LoadBalancer, ports: [{protocol: TCP, port: 8080}]}\n---\n"
      "apiVersion: v1\nkind: Service\nmetadata:\n  name: web6\n  namespace: lab\n"
      "  annotations: {ironlb.io/addresses: \"fd00:90:100::10\"}\n"
      "spec: {type: LoadBalancer, ports: [{protocol: TCP, port: 8080}]}\n");
}

class BgpPoolFilterLabTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto l = Lab::Create({.speakers = 3, .router = true, .backend_ports = {}});
    ASSERT_THAT(l, IsOk());
    lab_ = std::move(*l);
    speakers_dir_ = lab_->work_dir() + "/speakers-config";
    router_dir_ = lab_->work_dir() + "/router-config";
    ASSERT_THAT(RunChecked({"mkdir", "-p", speakers_dir_, router_dir_}), IsOk());
    std::ofstream(speakers_dir_ + "/pool.yaml") << kPoolYaml;
    std::ofstream(speakers_dir_ + "/speakers.yaml") << SpeakersYaml();
    std::ofstream(router_dir_ + "/pool.yaml") << kPoolYaml;  // the router holds no peers

    router_frr_ = std::make_unique<FrrHost>(lab_.get(), *lab_->router());
    ASSERT_THAT(router_frr_->Start({"zebra", "bgpd"}), IsOk());
    std::vector<std::string> cfg = {"configure terminal",
                                    absl::StrCat("router bgp ", kAsn),
                                    "bgp router-id 10.90.0.1",
                                    "no bgp default ipv4-unicast",
                                    absl::StrCat("neighbor ", kGroup, " peer-group"),
                                    absl::StrCat("neighbor ", kGroup, " remote-as ", kAsn),
                                    absl::StrCat("neighbor ", kGroup, " timers 3 9"),
                                    absl::StrCat("neighbor ", kGroup, " timers connect 1")};
    for (const Host& s : lab_->speakers()) {
      for (const std::string& a : {s.ipv4, s.ipv6}) {
        cfg.push_back(absl::StrCat("neighbor ", a, " peer-group ", kGroup));
      }
    }
    for (const char* af : {"ipv4", "ipv6"}) {
      cfg.push_back(absl::StrCat("address-family ", af, " unicast"));
      cfg.push_back("maximum-paths ibgp 8");
      cfg.push_back(absl::StrCat("neighbor ", kGroup, " activate"));
      cfg.push_back("exit-address-family");
    }
    ASSERT_THAT(router_frr_->Vtysh(cfg), IsOk());

    for (int i = 0; i < 2; ++i) {  // ironlb's speakers
      const Host& h = lab_->speaker(i);
      auto frr = std::make_unique<FrrHost>(lab_.get(), h);
      ASSERT_THAT(frr->Start({"zebra", "staticd", "bgpd"}), IsOk());
      auto p = lab_->Spawn(h,
                           {IRONLB_SPEAKER_BINARY, "--config-dir", speakers_dir_, "--node-name",
                            h.name, "--frr-vty-dir", frr->vty_dir(), "--frr-grpc-ports",
                            absl::StrCat(FrrHost::kStaticdGrpc, ",", FrrHost::kBgpdGrpc, ",0"),
                            "--metrics-address", "127.0.0.1:7473", "--status-socket", ""},
                           absl::StrCat("ironlb-speaker-", h.name));
      ASSERT_THAT(p, IsOk());
      speaker_frr_.push_back(std::move(frr));
      processes_.push_back(std::move(*p));
    }
    // s2: FRR configured by hand, announcing a pool VIP and addresses outside every pool.
    const Host& rogue = lab_->speaker(2);
    auto frr = std::make_unique<FrrHost>(lab_.get(), rogue);
    ASSERT_THAT(frr->Start({"zebra", "bgpd"}), IsOk());
    ASSERT_THAT(frr->Vtysh({"configure terminal", absl::StrCat("router bgp ", kAsn),
                            absl::StrCat("bgp router-id ", rogue.ipv4),
                            "no bgp default ipv4-unicast", "no bgp network import-check",
                            "neighbor 10.90.0.1 remote-as 64512", "neighbor 10.90.0.1 timers 3 9",
                            "neighbor fd00:90::1 remote-as 64512", "neighbor fd00:90::1 timers 3 9",
                            "address-family ipv4 unicast", "neighbor 10.90.0.1 activate",
                            absl::StrCat("network ", kVip4), absl::StrCat("network ", kOutside4),
                            "exit-address-family", "address-family ipv6 unicast",
                            "neighbor fd00:90::1 activate", absl::StrCat("network ", kVip6),
                            absl::StrCat("network ", kOutside6), "exit-address-family"}),
                IsOk());
    speaker_frr_.push_back(std::move(frr));
  }
  void TearDown() override {
    processes_.clear();
    speaker_frr_.clear();
    router_frr_.reset();
    lab_.reset();
  }

  void StartRouterSpeaker() {
    auto p = lab_->Spawn(*lab_->router(),
                         {IRONLB_SPEAKER_BINARY, "--config-dir", router_dir_, "--node-name",
                          "router", "--frr-vty-dir", router_frr_->vty_dir(), "--frr-grpc-ports",
                          absl::StrCat(FrrHost::kStaticdGrpc, ",", FrrHost::kBgpdGrpc, ",0"),
                          "--bgp-speakers-peer-group", kGroup, "--metrics-address",
                          "127.0.0.1:7473", "--status-socket", ""},
                         "ironlb-speaker-router");
    ASSERT_THAT(p, IsOk());
    processes_.push_back(std::move(*p));
  }

  // Host names of the speakers the router has a valid path to `prefix` from.
  std::set<std::string> RouterNextHops(const std::string& prefix) {
    const bool v6 = prefix.find(':') != std::string::npos;
    auto out = router_frr_->Vtysh(
        {absl::StrCat("show bgp ", v6 ? "ipv6" : "ipv4", " unicast ", prefix, " json")});
    std::set<std::string> hosts;
    if (!out.ok()) return hosts;
    const Json j = Json::parse(*out, nullptr, false);
    if (j.is_discarded() || !j.contains("paths")) return hosts;
    for (const Json& p : j["paths"]) {
      if (!p.value("valid", false) || !p.contains("peer")) continue;
      const std::string from = p["peer"].value("peerId", "");
      for (const Host& s : lab_->speakers()) {
        if (from == s.ipv4 || from == s.ipv6) hosts.insert(s.name);
      }
    }
    return hosts;
  }

  // Polls (every 20 ms, at most `limit`) until the router's paths for each prefix come from
  // exactly the wanted speakers; how long that took, or what was seen last.
  absl::StatusOr<absl::Duration> WaitFor(const std::map<std::string, std::set<std::string>>& want,
                                         absl::Duration limit) {
    const absl::Time start = absl::Now();
    std::string last;
    while (absl::Now() - start < limit) {
      last.clear();
      bool all = true;
      for (const auto& [prefix, hosts] : want) {
        const auto seen = RouterNextHops(prefix);
        if (seen != hosts) {
          all = false;
          absl::StrAppend(&last, prefix, " from {");
          for (const auto& h : seen) absl::StrAppend(&last, h, " ");
          absl::StrAppend(&last, "} ");
        }
      }
      if (all) return absl::Now() - start;
      absl::SleepFor(absl::Milliseconds(20));
    }
    return absl::DeadlineExceededError(
        absl::StrCat("after ", absl::FormatDuration(limit), ", router has: ", last));
  }

  std::unique_ptr<Lab> lab_;
  std::string speakers_dir_;
  std::string router_dir_;
  std::unique_ptr<FrrHost> router_frr_;
  std::vector<std::unique_ptr<FrrHost>> speaker_frr_;
  std::vector<std::unique_ptr<HostProcess>> processes_;
};

TEST_F(BgpPoolFilterLabTest, RouterRefusesAddressesOutsideThePools) {
  const std::set<std::string> all = {"s0", "s1", "s2"};
  const std::set<std::string> none;
  // Without the filter the router takes whatever the speakers send, the outside addresses too.
  ASSERT_THAT(WaitFor({{kVip4, all}, {kVip6, all}, {kOutside4, {"s2"}}, {kOutside6, {"s2"}}},
                      absl::Seconds(60)),
              IsOk());

  StartRouterSpeaker();
  auto took = WaitFor({{kVip4, all}, {kVip6, all}, {kOutside4, none}, {kOutside6, none}},
                      absl::Seconds(30));
  ASSERT_THAT(took, IsOk());
  std::printf("outside addresses refused %.0f ms after ironlb-speaker started on the router\n",
              absl::ToDoubleMilliseconds(*took));
  // The pool VIP was never dropped meanwhile, and stays (a bounded look after convergence).
  absl::SleepFor(absl::Seconds(1));
  EXPECT_EQ(RouterNextHops(kVip4), all);
  EXPECT_EQ(RouterNextHops(kVip6), all);
  EXPECT_TRUE(RouterNextHops(kOutside4).empty());

  auto running = router_frr_->Vtysh({"show running-config"});
  ASSERT_THAT(running, IsOk());
  EXPECT_THAT(*running, HasSubstr("neighbor SPEAKERS prefix-list ironlb-pools-v4 in"));
  EXPECT_THAT(*running, HasSubstr("neighbor SPEAKERS prefix-list ironlb-pools-v6 in"));
  EXPECT_THAT(*running, HasSubstr("permit 10.90.100.0/24 le 32"));
  EXPECT_THAT(*running, HasSubstr("permit fd00:90:100::/120 le 128"));
  EXPECT_THAT(*running, HasSubstr("neighbor SPEAKERS timers 3 9"));  // the operator's lines
  EXPECT_EQ(SpeakerMetric(*lab_, *lab_->router(), "ironlb_router_pool_filter_in_sync"), 1);
  EXPECT_EQ(
      SpeakerMetric(*lab_, *lab_->router(), "ironlb_router_pool_filter_prefixes{family=\"ipv4\"}"),
      1);
}

}  // namespace
}  // namespace ironlb::lab

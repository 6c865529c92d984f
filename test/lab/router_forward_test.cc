// The router role end to end: an outside client -> the router host (ironlb-speaker with
// PortForward groups, forwarding its outside interface eth1) -> the LAN, where three
// ironlb-speakers hold the VIPs in layer 2 -> the backends, which answer with their host name.
//
// Checked on the wire: TCP and UDP, IPv4 and IPv6 exchanges from outside reach the host that
// serves the VIP (the same one the LAN client reaches directly); the SYN arriving at the backend
// carries the clamped MSS for the VIP that asks and the client's for the one that does not; two
// Services wanting the same outside port: the older gets it, the newer is logged and counted,
// and its other port still works; a bad reload names the field and breaks nothing, a good one
// re-plans; the VIP's owner killed: new connections through the router succeed on another host.
#include <signal.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "speaker/layer2/membership/owner_election.h"
#include "test/lab/failover_trial.h"
#include "test/lab/host_command.h"
#include "test/lab/lab.h"
#include "test/lab/prober.h"
#include "test/support/status_matchers.h"

#ifndef IRONLB_SPEAKER_BINARY
#error "IRONLB_SPEAKER_BINARY must name ironlb-speaker (set by test/lab/CMakeLists.txt)"
#endif

namespace ironlb::lab {
namespace {

using ::ironlb::testing::IsOk;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kOutside4[] = "10.91.0.1";  // the router's outside address (eth1)
constexpr char kOutside6[] = "fd00:91::1";
constexpr char kPools[] = R"(apiVersion: ironlb.io/v1alpha1
kind: AddressPool
metadata: {name: lan}
spec: {addresses: [10.90.0.100-10.90.0.120, "fd00:90::100/124"]}
---
)";

std::string Service(const std::string& name, const std::string& created,
                    const std::string& annotations, const std::string& ports,
                    const std::string& extra_spec = "") {
  return absl::StrCat(
      "apiVersion: v1\nkind: Service\nmetadata:\n  name: ", name, "\n  namespace: shop\n",
      created.empty() ? "" : absl::StrCat("  creationTimestamp: \"", created, "\"\n"),
      "  annotations: {", annotations, "}\nspec:\n  type: LoadBalancer\n", extra_spec,
      "  ports: ", ports, "\n---\n");
}

// Waits (bounded) until `probe` answers; returns the answering host.
absl::StatusOr<std::string> AnswerWithin(const std::string& netns, const std::string& address,
                                         uint16_t port, Protocol proto, absl::Duration limit) {
  const absl::Time end = absl::Now() + limit;
  absl::StatusOr<std::string> last = absl::UnavailableError("not tried");
  while (absl::Now() < end) {
    last = ProbeOnce(netns, address, port, proto, absl::Milliseconds(300));
    if (last.ok()) return last;
    absl::SleepFor(absl::Milliseconds(50));
  }
  return last;
}

class RouterForwardTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto l = Lab::Create({.speakers = 3, .router = true, .backend_ports = {8080, 8081, 5353}});
    ASSERT_THAT(l, IsOk());
    lab_ = std::move(*l);
    for (const Host& h : lab_->speakers()) names_.push_back(h.name);
    ChooseVips();
    lan_dir_ = lab_->work_dir() + "/lan";
    router_dir_ = lab_->work_dir() + "/router";
    std::filesystem::create_directories(lan_dir_);
    std::filesystem::create_directories(router_dir_);
    WriteFile(lan_dir_ + "/key", "router-lab-shared-key-0123456789\n");
    WriteFile(lan_dir_ + "/config.yaml",
              absl::StrCat(kPools,
                           "apiVersion: ironlb.io/v1alpha1\nkind: L2Advertisement\n"
                           "metadata: {name: lan}\nspec: {ipAddressPools: [lan], interfaces: "
                           "[eth0]}\n---\n",
                           Services(true)));
    WriteFile(router_dir_ + "/config.yaml",
              absl::StrCat(kPools,
                           "apiVersion: ironlb.io/v1alpha1\nkind: PortForward\n"
                           "metadata: {name: home}\nspec: {interfaces: [eth1]}\n---\n"));
    WriteFile(router_dir_ + "/services.yaml", Services(true));
    for (const Host& h : lab_->speakers()) {
      for (const std::string& vip : AllVips()) ASSERT_THAT(lab_->AddVip(h, vip), IsOk());
      auto p = lab_->Spawn(h, lab_->SpeakerArgv(IRONLB_SPEAKER_BINARY, h, lan_dir_),
                           "speaker-" + h.name);
      ASSERT_THAT(p, IsOk());
      speakers_[h.name] = std::move(*p);
    }
    auto r = lab_->Spawn(*lab_->router(),
                         {IRONLB_SPEAKER_BINARY, "--config-dir", router_dir_, "--node-name",
                          "router", "--metrics-address", "127.0.0.1:7473", "--status-socket",
                          lab_->work_dir() + "/status-router.sock"},
                         "router");
    ASSERT_THAT(r, IsOk());
    router_ = std::move(*r);
    // The speakers agree (every VIP served by its rendezvous owner on the LAN) before
    // anything is tried through the router.
    for (const std::string& vip : AllVips()) {
      const std::string owner = *speaker::OwnerFor(*IpAddress::Parse(vip), names_);
      ASSERT_THAT(
          WaitForServingHost(*lab_, vip, 8080, Protocol::kTcp, HostNamed(owner), absl::Seconds(15)),
          IsOk())
          << vip;
    }
  }

  void TearDown() override {
    if (HasFailure()) {
      std::cout << "---- router log\n" << ReadFile(lab_->work_dir() + "/router.log") << "\n";
    }
    router_.reset();
    speakers_.clear();
    lab_.reset();
  }

  // VIPs whose owners (rendezvous over s0..s2) differ where the test must tell them apart.
  void ChooseVips() {
    auto owner = [this](const std::string& vip) {
      return *speaker::OwnerFor(*IpAddress::Parse(vip), names_);
    };
    std::vector<std::string> pool;
    for (int i = 100; i <= 120; ++i) pool.push_back(absl::StrCat("10.90.0.", i));
    web_ = pool[0];
    auto pick = [&](const std::string& not_owner_of) {
      for (const std::string& v : pool) {
        if (v != web_ && v != api_ && v != old_dns_ && owner(v) != owner(not_owner_of)) return v;
      }
      return std::string();
    };
    api_ = pick(web_);
    old_dns_ = pick(api_);
    new_dns_ = pick(old_dns_);
    ASSERT_FALSE(new_dns_.empty());
  }
  std::vector<std::string> AllVips() const { return {web_, web6_, api_, old_dns_, new_dns_}; }

  // The Services both the speakers and the router read. The newer DNS Service comes first in
  // the file, so file order cannot be what decides.
  std::string Services(bool with_old_dns) const {
    std::string s;
    s += Service("web", "2023-03-01T00:00:00Z",
                 absl::StrCat("ironlb.io/forward-from: home, ironlb.io/tcp-mss: \"1200\", "
                              "ironlb.io/addresses: \"",
                              web_, ",", web6_, "\""),
                 "[{protocol: TCP, port: 8080}, {protocol: UDP, port: 8080}]",
                 "  ipFamilyPolicy: RequireDualStack\n");
    s += Service("api", "2023-03-02T00:00:00Z",
                 absl::StrCat("ironlb.io/forward-from: home, ironlb.io/addresses: ", api_),
                 "[{protocol: TCP, port: 8081}]");
    s += Service("new-dns", "2024-06-01T00:00:00Z",
                 absl::StrCat("ironlb.io/forward-from: home, ironlb.io/addresses: ", new_dns_),
                 "[{protocol: UDP, port: 5353}, {protocol: TCP, port: 5353}]");
    if (with_old_dns) {
      s += Service("old-dns", "2023-01-01T00:00:00Z",
                   absl::StrCat("ironlb.io/forward-from: home, ironlb.io/addresses: ", old_dns_),
                   "[{protocol: UDP, port: 5353}]");
    }
    return s;
  }

  // Who serves `vip` for a LAN client (no router involved): the truth to compare with.
  std::string ServingHost(const std::string& vip, uint16_t port, Protocol proto) {
    auto host = AnswerWithin(lab_->client().netns, vip, port, proto, absl::Seconds(5));
    EXPECT_THAT(host, IsOk()) << vip;
    return host.ok() ? *host : "";
  }
  absl::StatusOr<std::string> FromOutside(const std::string& address, uint16_t port, Protocol proto,
                                          absl::Duration limit = absl::Seconds(10)) {
    return AnswerWithin(lab_->outside_client()->netns, address, port, proto, limit);
  }

  std::string RouterMetrics() {
    auto r = lab_->Run(*lab_->router(),
                       {"curl", "-s", "--max-time", "2", "http://127.0.0.1:7473/metrics"});
    return r.ok() ? r->output : "";
  }

  // The MSS option of the first SYN to `port` that `host`'s eth0 sees while `connect` runs.
  int SynMssAt(const Host& host, uint16_t port, const std::function<void()>& connect) {
    const std::string log = absl::StrCat("tcpdump-", host.name, "-", ++captures_);
    auto dump = lab_->Spawn(host,
                            // A connection's first packet to the port is its SYN (tcp[]
                            // flag tests do not work for IPv6 in tcpdump's filters).
                            {"tcpdump", "-l", "-nn", "-v", "-c", "1", "-i", "eth0",
                             absl::StrCat("tcp dst port ", port)},
                            log);
    if (!dump.ok()) return -1;
    const std::string path = absl::StrCat(lab_->work_dir(), "/", log, ".log");
    for (int i = 0; i < 100 && !absl::StrContains(ReadFile(path), "listening on"); ++i) {
      absl::SleepFor(absl::Milliseconds(20));
    }
    connect();
    (*dump)->WaitExit(absl::Seconds(3));
    static const std::regex kMss(R"(mss (\d+))");
    std::smatch m;
    const std::string text = ReadFile(path);
    return std::regex_search(text, m, kMss) ? std::stoi(m[1].str()) : 0;
  }

  const Host& HostNamed(const std::string& name) const {
    for (const Host& h : lab_->speakers()) {
      if (h.name == name) return h;
    }
    return lab_->speaker(0);
  }

  std::unique_ptr<Lab> lab_;
  std::vector<std::string> names_;
  std::string web_, api_, old_dns_, new_dns_;
  const std::string web6_ = "fd00:90::100";
  std::string lan_dir_, router_dir_;
  std::map<std::string, std::unique_ptr<HostProcess>> speakers_;
  std::unique_ptr<HostProcess> router_;
  int captures_ = 0;
};

TEST_F(RouterForwardTest, ForwardsClampsResolvesConflictsReloadsAndSurvivesFailover) {
  // TCP and UDP, IPv4 and IPv6, each reaching the host that serves the VIP.
  const std::string web_host = ServingHost(web_, 8080, Protocol::kTcp);
  const std::string api_host = ServingHost(api_, 8081, Protocol::kTcp);
  ASSERT_NE(web_host, api_host) << "the VIPs were chosen with different owners";
  auto tcp = FromOutside(kOutside4, 8080, Protocol::kTcp);
  ASSERT_THAT(tcp, IsOk());
  EXPECT_EQ(*tcp, web_host);
  auto udp = FromOutside(kOutside4, 8080, Protocol::kUdp);
  ASSERT_THAT(udp, IsOk());
  EXPECT_EQ(*udp, ServingHost(web_, 8080, Protocol::kUdp));
  auto api = FromOutside(kOutside4, 8081, Protocol::kTcp);
  ASSERT_THAT(api, IsOk());
  EXPECT_EQ(*api, api_host);
  auto tcp6 = FromOutside(kOutside6, 8080, Protocol::kTcp);
  ASSERT_THAT(tcp6, IsOk());
  EXPECT_EQ(*tcp6, ServingHost(web6_, 8080, Protocol::kTcp));

  // MSS: the outside client offers 1460 (1440 over IPv6); web asks for 1200, api for nothing.
  const std::string outside = lab_->outside_client()->netns;
  EXPECT_EQ(SynMssAt(HostNamed(web_host), 8080,
                     [&] { (void)ProbeOnce(outside, kOutside4, 8080, Protocol::kTcp); }),
            1200);
  EXPECT_EQ(SynMssAt(HostNamed(api_host), 8081,
                     [&] { (void)ProbeOnce(outside, kOutside4, 8081, Protocol::kTcp); }),
            1460);
  EXPECT_EQ(SynMssAt(HostNamed(*tcp6), 8080,
                     [&] { (void)ProbeOnce(outside, kOutside6, 8080, Protocol::kTcp); }),
            1200);

  // Contested UDP 5353: the older Service (listed last) has it; the newer keeps its TCP 5353.
  const std::string old_dns_host = ServingHost(old_dns_, 5353, Protocol::kUdp);
  const std::string new_dns_host = ServingHost(new_dns_, 5353, Protocol::kUdp);
  ASSERT_NE(old_dns_host, new_dns_host);
  auto dns = FromOutside(kOutside4, 5353, Protocol::kUdp);
  ASSERT_THAT(dns, IsOk());
  EXPECT_EQ(*dns, old_dns_host);
  auto dns_tcp = FromOutside(kOutside4, 5353, Protocol::kTcp);
  ASSERT_THAT(dns_tcp, IsOk());
  EXPECT_EQ(*dns_tcp, new_dns_host);
  const std::string log = ReadFile(lab_->work_dir() + "/router.log");
  EXPECT_THAT(log, HasSubstr("port forward conflict"));
  EXPECT_THAT(log, HasSubstr("Service shop/new-dns is not forwarded on eth1 udp/5353"));
  std::string metrics = RouterMetrics();
  EXPECT_THAT(metrics, HasSubstr("ironlb_router_port_conflicts{group=\"home\",outside=\"eth1\","
                                 "protocol=\"udp\",port=\"5353\",service=\"shop/new-dns\","
                                 "holder=\"shop/old-dns\"} 1"));
  // Per-forward counters: the exchanges above went through web's IPv4 TCP forward.
  static const std::regex kWebPackets(
      R"re(ironlb_forward_packets_total\{group="home",outside="eth1",protocol="tcp",port="8080",source="shop/web",target="[0-9.]+:8080"\} (\d+))re");
  std::smatch m;
  ASSERT_TRUE(std::regex_search(metrics, m, kWebPackets)) << metrics;
  EXPECT_GE(std::stoi(m[1].str()), 10);  // at least two connections of five packets

  // A bad reload: the field is named, and every forward keeps working.
  WriteFile(router_dir_ + "/bad.yaml",
            "apiVersion: ironlb.io/v1alpha1\nkind: PortForward\nmetadata: {name: oops}\n"
            "spec: {interfaces: [eth1], sourceNAT: Sometimes}\n");
  router_->Signal(SIGHUP);
  for (int i = 0;
       i < 50 && !absl::StrContains(ReadFile(lab_->work_dir() + "/router.log"), "Sometimes"); ++i) {
    absl::SleepFor(absl::Milliseconds(50));
  }
  const std::string reloaded = ReadFile(lab_->work_dir() + "/router.log");
  EXPECT_THAT(reloaded, HasSubstr("PortForward/oops spec.sourceNAT:"));
  EXPECT_THAT(reloaded, HasSubstr("configuration rejected; the previous one stays in force"));
  ASSERT_THAT(FromOutside(kOutside4, 8080, Protocol::kTcp, absl::Seconds(1)), IsOk());
  auto still = FromOutside(kOutside4, 5353, Protocol::kUdp, absl::Seconds(1));
  ASSERT_THAT(still, IsOk());
  EXPECT_EQ(*still, old_dns_host);

  // A good reload: the older DNS Service is gone, the newer one gets UDP 5353.
  std::filesystem::remove(router_dir_ + "/bad.yaml");
  WriteFile(router_dir_ + "/services.yaml", Services(false));
  router_->Signal(SIGHUP);
  absl::StatusOr<std::string> after = absl::UnavailableError("not tried");
  for (int i = 0; i < 40 && !(after.ok() && *after == new_dns_host); ++i) {
    after = FromOutside(kOutside4, 5353, Protocol::kUdp, absl::Milliseconds(500));
  }
  ASSERT_THAT(after, IsOk());
  EXPECT_EQ(*after, new_dns_host);
  metrics = RouterMetrics();
  EXPECT_THAT(metrics, Not(HasSubstr("ironlb_router_port_conflicts{")));

  // The web VIP's owner dies: new connections through the router reach another host.
  ASSERT_TRUE(speakers_.count(web_host));
  auto prober = Prober::Start(outside, {.vip = kOutside4, .port = 8080});
  ASSERT_THAT(prober, IsOk());
  ASSERT_THAT((*prober)->WaitForAnswerFrom(absl::Now(), "", absl::Seconds(3)), IsOk());
  const absl::Time killed = absl::Now();
  speakers_[web_host]->Kill();
  auto taken = (*prober)->WaitForAnswerFrom(killed, web_host, absl::Seconds(5));
  ASSERT_THAT(taken, IsOk()) << "no other host answered through the router after the kill";
  const absl::Duration failover = taken->done - killed;
  RecordProperty("forwarded_failover_ms", std::to_string(absl::ToInt64Milliseconds(failover)));
  std::cout << "forwarded failover after SIGKILL: " << absl::ToDoubleMilliseconds(failover)
            << " ms\n";
  (*prober)->Stop();
  // And it stays that way: fresh connections all succeed on the new host.
  for (int i = 0; i < 5; ++i) {
    auto again = ProbeOnce(outside, kOutside4, 8080, Protocol::kTcp);
    ASSERT_THAT(again, IsOk());
    EXPECT_EQ(*again, taken->host);
  }
}

}  // namespace
}  // namespace ironlb::lab

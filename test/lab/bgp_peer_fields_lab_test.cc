// MetalLB's BGPPeer fields against real FRR on both ends: the lab router runs FRR (zebra,
// bgpd), host s0's FRR (zebra, staticd, bgpd with gRPC) is driven by a FrrReconciler in this
// process. Each field is shown by its effect on the session as the router sees it: dynamicASN
// (eBGP with `remote-as external`), routerID, enableGracefulRestart (the router sees the
// speaker's restart capability), connectTime, dualStackAddressFamily / disableMP (IPv6
// prefixes over the IPv4 session, or not), interface (unnumbered, over IPv6 link-local
// addresses), vrf (a peer in a VRF: this lab's kernel has no VRF devices, `ip link add ... type
// vrf` fails with "Unknown device type", so the VRF is FRR's other kind, a network namespace,
// with s0's zebra run as `zebra -n`).
#include <unistd.h>

#include "absl/strings/str_cat.h"
#include "bgp/frr_reconciler.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "test/lab/cleanup_registry.h"
#include "test/lab/frr_host.h"
#include "test/lab/host_command.h"
#include "test/lab/lab.h"
#include "test/support/status_matchers.h"

namespace ironlb::lab {
namespace {

using ::ironlb::testing::IsOk;
using ::testing::HasSubstr;
using Json = nlohmann::json;

constexpr uint32_t kMyAsn = 64512;
constexpr uint32_t kRouterAsn = 64500;
constexpr char kVip[] = "10.92.0.1";
constexpr char kVip6[] = "fd00:92::1";

class BgpPeerFieldsLabTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto l = Lab::Create({.speakers = 1, .router = true, .backend_ports = {}});
    ASSERT_THAT(l, IsOk());
    lab_ = std::move(*l);
    router_ = std::make_unique<FrrHost>(lab_.get(), *lab_->router());
    speaker_ = std::make_unique<FrrHost>(lab_.get(), lab_->speaker(0));
  }
  // Starts both FRRs (after the test's own links exist), the router with `router_config`
  // (configure mode), and the reconciler on s0.
  void Start(const std::vector<std::string>& router_config) {
    ASSERT_THAT(router_->Start({"zebra", "bgpd"}), IsOk());
    std::vector<std::string> cmds = {"configure terminal"};
    cmds.insert(cmds.end(), router_config.begin(), router_config.end());
    ASSERT_THAT(router_->Vtysh(cmds), IsOk());
    ASSERT_THAT(speaker_->Start({"zebra", "staticd", "bgpd"}), IsOk());
    ASSERT_THAT(EnterNetnsForThread(s0().netns), IsOk());
    auto target = [](int port) { return absl::StrCat("127.0.0.1:", port); };
    staticd_ = bgp::GrpcNorthboundClient::Create("staticd", target(FrrHost::kStaticdGrpc),
                                                 absl::Seconds(30));
    bgpd_ =
        bgp::GrpcNorthboundClient::Create("bgpd", target(FrrHost::kBgpdGrpc), absl::Seconds(30));
    vty_ = std::make_unique<bgp::SocketVtySession>("bgpd", speaker_->vty_dir() + "/bgpd.vty");
    reconciler_ = std::make_unique<bgp::FrrReconciler>(
        bgp::FrrClients{staticd_.get(), bgpd_.get(), nullptr, vty_.get()});
  }
  void TearDown() override {
    reconciler_.reset();
    staticd_.reset();
    bgpd_.reset();
    speaker_.reset();
    router_.reset();
    lab_.reset();
  }
  const Host& s0() const { return lab_->speaker(0); }

  // The router's JSON for `command`, or null.
  Json RouterJson(const std::string& command) {
    auto out = router_->Vtysh({command});
    if (!out.ok()) return Json();
    Json j = Json::parse(*out, nullptr, false);
    return j.is_discarded() ? Json() : j;
  }
  // Waits (at most 60 s) until `pred` holds for the router's JSON of `command`.
  bool WaitRouter(const std::string& command, const std::function<bool(const Json&)>& pred) {
    const absl::Time start = absl::Now();
    while (absl::Now() - start < absl::Seconds(60)) {
      if (pred(RouterJson(command))) return true;
      absl::SleepFor(absl::Milliseconds(100));
    }
    return false;
  }
  static bool HasRoute(const Json& j, const std::string& prefix) {
    return j.is_object() && j.contains("routes") && j["routes"].contains(prefix);
  }

  bgp::DesiredState OneVipTo(const bgp::PeerSession& peer, bool v6_too = false) {
    bgp::DesiredState d;
    d.peers.push_back(peer);
    for (const char* vip : {kVip, kVip6}) {
      if (vip == kVip6 && !v6_too) continue;
      const IpAddress ip = *IpAddress::Parse(vip);
      bgp::Announcement a{.prefix = bgp::PrefixOf(ip, ip.bit_length())};
      bgp::MergeAttributes(a, peer.name, {});
      d.announcements.push_back(a);
    }
    return d;
  }

  std::unique_ptr<Lab> lab_;
  std::unique_ptr<FrrHost> router_, speaker_;
  std::unique_ptr<bgp::GrpcNorthboundClient> staticd_, bgpd_;
  std::unique_ptr<bgp::SocketVtySession> vty_;
  std::unique_ptr<bgp::FrrReconciler> reconciler_;
};

TEST_F(BgpPeerFieldsLabTest, DynamicAsnRouterIdGracefulRestartConnectTimeAndBothFamilies) {
  const std::string router = lab_->router()->ipv4;
  ASSERT_NO_FATAL_FAILURE(
      Start({absl::StrCat("router bgp ", kRouterAsn), "no bgp ebgp-requires-policy",
             absl::StrCat("neighbor ", s0().ipv4, " remote-as ", kMyAsn),
             absl::StrCat("neighbor ", s0().ipv4, " timers connect 1"),
             "address-family ipv6 unicast", absl::StrCat("neighbor ", s0().ipv4, " activate")}));
  bgp::PeerSession peer{.name = "router",
                        .my_asn = kMyAsn,
                        .peer_as_kind = bgp::PeerAsKind::kExternal,  // dynamicASN: external
                        .address = *IpAddress::Parse(router),
                        .hold_time_s = 9,
                        .keepalive_time_s = 3,
                        .connect_time_s = 5,
                        .router_id = *IpAddress::Parse("10.255.0.7"),
                        .graceful_restart = true,
                        .dual_stack = true};
  ASSERT_THAT(reconciler_->Apply(OneVipTo(peer, /*v6_too=*/true)), IsOk());

  const std::string neighbor = absl::StrCat("show bgp neighbors ", s0().ipv4, " json");
  Json seen;
  EXPECT_TRUE(WaitRouter(neighbor, [&](const Json& j) {
    seen = j;
    return j.contains(s0().ipv4) && j[s0().ipv4].value("bgpState", "") == "Established";
  })) << seen.dump();
  const Json n = seen.contains(s0().ipv4) ? seen[s0().ipv4] : Json::object();
  // eBGP with the AS the speaker chose (`remote-as external` on its side), its router ID, and
  // its graceful-restart capability (restarting mode, not only helper).
  EXPECT_EQ(n.value("remoteAs", 0u), kMyAsn);
  EXPECT_EQ(n.value("remoteRouterId", ""), "10.255.0.7");
  ASSERT_TRUE(n.contains("gracefulRestartInfo")) << n.dump();
  EXPECT_EQ(n["gracefulRestartInfo"].value("remoteGrMode", ""), "Restart") << n.dump();
  // Both families on the one IPv4 session (dualStackAddressFamily).
  EXPECT_TRUE(WaitRouter("show bgp ipv4 unicast json",
                         [](const Json& j) { return HasRoute(j, absl::StrCat(kVip, "/32")); }));
  EXPECT_TRUE(WaitRouter("show bgp ipv6 unicast json",
                         [](const Json& j) { return HasRoute(j, absl::StrCat(kVip6, "/128")); }));
  // connectTime is the speaker's own timer.
  auto mine = vty_->Execute(absl::StrCat("show bgp neighbors ", router, " json"));
  ASSERT_THAT(mine, IsOk());
  const Json m = Json::parse(*mine, nullptr, false);
  ASSERT_TRUE(m.is_object() && m.contains(router)) << *mine;
  EXPECT_EQ(m[router].value("connectRetryTimer", 0), 5);

  // disableMP (one family per session, the default): the IPv6 prefix leaves the IPv4 session.
  peer.dual_stack = false;
  ASSERT_THAT(reconciler_->Apply(OneVipTo(peer, /*v6_too=*/true)), IsOk());
  EXPECT_TRUE(WaitRouter("show bgp ipv6 unicast json",
                         [](const Json& j) { return !HasRoute(j, absl::StrCat(kVip6, "/128")); }));
  EXPECT_TRUE(WaitRouter("show bgp ipv4 unicast json",
                         [](const Json& j) { return HasRoute(j, absl::StrCat(kVip, "/32")); }));
}

TEST_F(BgpPeerFieldsLabTest, AnUnnumberedPeerTalksOverLinkLocalAddresses) {
  // A point-to-point link between s0 and the router with no IPv4 or global IPv6 address.
  ASSERT_THAT(RunChecked({"ip", "link", "add", "ilbun0", "netns", s0().netns, "type", "veth",
                          "peer", "name", "ilbun1", "netns", lab_->router()->netns}),
              IsOk());
  for (const auto& [ns, ifname] :
       {std::pair{s0().netns, "ilbun0"}, std::pair{lab_->router()->netns, "ilbun1"}}) {
    ASSERT_THAT(RunChecked({"sh", "-c",
                            absl::StrCat("sysctl -qw net.ipv6.conf.", ifname,
                                         ".accept_dad=0 && ip link set ", ifname, " up")},
                           ns),
                IsOk());
  }
  ASSERT_NO_FATAL_FAILURE(
      Start({absl::StrCat("router bgp ", kRouterAsn), "no bgp ebgp-requires-policy",
             "neighbor ilbun1 interface remote-as external", "neighbor ilbun1 timers connect 1"}));
  bgp::PeerSession peer{.name = "fabric",
                        .my_asn = kMyAsn,
                        .peer_as_kind = bgp::PeerAsKind::kExternal,
                        .interface = "ilbun0",
                        .hold_time_s = 9,
                        .keepalive_time_s = 3,
                        .connect_time_s = 1};
  ASSERT_THAT(reconciler_->Apply(OneVipTo(peer)), IsOk());
  Json seen;
  EXPECT_TRUE(WaitRouter("show bgp ipv4 unicast json", [&](const Json& j) {
    seen = j;
    return HasRoute(j, absl::StrCat(kVip, "/32"));
  })) << seen.dump();
  // The IPv4 route's next hop is the speaker's link-local address on the link.
  const auto out = router_->Vtysh({absl::StrCat("show bgp ipv4 unicast ", kVip, "/32 json")});
  ASSERT_THAT(out, IsOk());
  EXPECT_THAT(*out, HasSubstr("fe80::"));
  EXPECT_THAT(*out, HasSubstr("ilbun1"));
}

// A network namespace for one test (removed with it).
class ScopedNetns {
 public:
  explicit ScopedNetns(std::string name) : name_(std::move(name)) {
    CleanupRegistry::AddNamespace(name_);
  }
  ~ScopedNetns() {
    RunCommand({"ip", "netns", "del", name_}).IgnoreError();
    CleanupRegistry::RemoveNamespace(name_);
  }
  const std::string& name() const { return name_; }

 private:
  std::string name_;
};

TEST_F(BgpPeerFieldsLabTest, APeerInAVrfHasItsSessionAndRoutesThere) {
  // The VRF "ilb-red-<pid>": a network namespace with its own link to the router (10.93.0.0/24);
  // the default instance has no route there at all. (A VRF name is at most 15 characters, as a
  // VRF device's, which the BGPPeer's validation holds it to.)
  ScopedNetns red(absl::StrCat("ilb-red-", getpid()));
  ASSERT_THAT(RunChecked({"ip", "netns", "add", red.name()}), IsOk());
  ASSERT_THAT(RunChecked({"ip", "link", "add", "ilbred0", "netns", red.name(), "type", "veth",
                          "peer", "name", "ilbred1", "netns", lab_->router()->netns}),
              IsOk());
  for (const auto& [ns, ifname, address] :
       {std::tuple{red.name(), "ilbred0", "10.93.0.11/24"},
        std::tuple{lab_->router()->netns, "ilbred1", "10.93.0.1/24"}}) {
    ASSERT_THAT(RunChecked({"sh", "-c",
                            absl::StrCat("ip link set lo up && ip addr add ", address, " dev ",
                                         ifname, " && ip link set ", ifname, " up")},
                           ns),
                IsOk());
  }
  speaker_->SetNetnsVrfs({red.name()});
  ASSERT_NO_FATAL_FAILURE(
      Start({absl::StrCat("router bgp ", kRouterAsn), "no bgp ebgp-requires-policy",
             absl::StrCat("neighbor 10.93.0.11 remote-as ", kMyAsn),
             "neighbor 10.93.0.11 timers connect 1"}));
  // zebra took the namespace as a VRF (and no other namespace of the machine).
  auto vrfs = speaker_->Vtysh({"show vrf"});
  ASSERT_THAT(vrfs, IsOk());
  EXPECT_THAT(*vrfs, HasSubstr(red.name()));
  EXPECT_THAT(*vrfs, ::testing::Not(HasSubstr(lab_->router()->netns)));

  bgp::PeerSession peer{.name = "red-router",
                        .my_asn = kMyAsn,
                        .peer_asn = kRouterAsn,
                        .address = *IpAddress::Parse("10.93.0.1"),
                        .hold_time_s = 9,
                        .keepalive_time_s = 3,
                        .connect_time_s = 1,
                        .vrf = red.name()};
  ASSERT_THAT(reconciler_->Apply(OneVipTo(peer)), IsOk());

  // The router has the VIP from the speaker's address in the VRF.
  Json seen;
  EXPECT_TRUE(WaitRouter(absl::StrCat("show bgp ipv4 unicast ", kVip, "/32 json"), [&](const Json&
                                                                                           j) {
    seen = j;
    return j.is_object() && j.contains("paths") && !j["paths"].empty() &&
           j["paths"][0].value("nexthops", Json::array()).dump().find("10.93.0.11") !=
               std::string::npos;
  })) << seen.dump();
  // The speaker's session is in the VRF's instance, and only there.
  auto in_vrf = vty_->Execute(absl::StrCat("show bgp vrf ", red.name(), " summary json"));
  ASSERT_THAT(in_vrf, IsOk());
  const Json summary = Json::parse(*in_vrf, nullptr, false);
  ASSERT_TRUE(summary.is_object()) << *in_vrf;
  const Json& ipv4 = summary.value("ipv4Unicast", Json::object());
  ASSERT_TRUE(ipv4.contains("peers") && ipv4["peers"].contains("10.93.0.1")) << *in_vrf;
  EXPECT_EQ(ipv4["peers"]["10.93.0.1"].value("state", ""), "Established") << *in_vrf;
  EXPECT_EQ(ipv4["peers"]["10.93.0.1"].value("pfxSnt", 0), 1) << *in_vrf;
  auto running = vty_->Execute("show running-config");
  ASSERT_THAT(running, IsOk());
  EXPECT_THAT(*running, HasSubstr(absl::StrCat("router bgp ", kMyAsn, " vrf ", red.name(), "\n")));
  EXPECT_THAT(*running, ::testing::Not(HasSubstr(absl::StrCat("router bgp ", kMyAsn, "\n"))));
  // ironlb's status reads the session in its VRF.
  auto status = reconciler_->ReadStatus();
  ASSERT_THAT(status, IsOk());
  ASSERT_EQ(status->peers.size(), 1u);
  EXPECT_EQ(status->peers[0].name, "red-router");
  EXPECT_EQ(status->peers[0].vrf, red.name());
  EXPECT_TRUE(status->peers[0].established());
  EXPECT_EQ(status->peers[0].prefixes_sent, 1u);

  // Withdrawn from the VRF's instance: gone from the router.
  bgp::DesiredState none = OneVipTo(peer);
  none.announcements.clear();
  ASSERT_THAT(reconciler_->Apply(none), IsOk());
  EXPECT_TRUE(WaitRouter("show bgp ipv4 unicast json", [](const Json& j) {
    return j.is_object() && !HasRoute(j, absl::StrCat(kVip, "/32"));
  }));
}

}  // namespace
}  // namespace ironlb::lab

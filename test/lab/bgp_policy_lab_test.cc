// ironlb's tag-based BGP policy against real FRR with two real peers: the lab router and a
// second FRR on host s1 both peer with s0, whose FRR (zebra, staticd, bgpd with gRPC) is driven
// by a FrrReconciler in this process. Both VIPs are `network` statements; one is also a local
// address of s0 (which must not change how it is announced). Checked on the peers, from their
// own JSON: each peer gets exactly the VIPs of the groups it is in, with the group's
// attributes; a VIP moving to a group without a peer is withdrawn from that peer at once; a
// connected VIP removed or added takes effect at once (not on bgpd's 5 s route-map timer).
#include <set>

#include "absl/strings/str_cat.h"
#include "bgp/attribute_groups.h"
#include "bgp/frr_reconciler.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "test/lab/frr_host.h"
#include "test/lab/host_command.h"
#include "test/lab/lab.h"
#include "test/support/status_matchers.h"

namespace ironlb::lab {
namespace {

using ::ironlb::testing::IsOk;
using Json = nlohmann::json;

constexpr uint32_t kAsn = 64512;  // iBGP everywhere, so the peers see LOCAL_PREF
constexpr char kStaticVip[] = "10.92.0.1";
constexpr char kLocalVip[] = "10.92.0.2";  // also an address on s0's lo

class BgpPolicyLabTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto l = Lab::Create({.speakers = 2, .router = true, .backend_ports = {}});
    ASSERT_THAT(l, IsOk());
    lab_ = std::move(*l);
    const Host& s0 = lab_->speaker(0);
    router_ = std::make_unique<FrrHost>(lab_.get(), *lab_->router());
    peer1_ = std::make_unique<FrrHost>(lab_.get(), lab_->speaker(1));
    speaker_ = std::make_unique<FrrHost>(lab_.get(), s0);
    ASSERT_THAT(lab_->AddVip(s0, kLocalVip), IsOk());
    for (FrrHost* peer : {router_.get(), peer1_.get()}) {
      ASSERT_THAT(peer->Start({"zebra", "bgpd"}), IsOk());
      ASSERT_THAT(peer->Vtysh({"configure terminal", absl::StrCat("router bgp ", kAsn),
                               absl::StrCat("neighbor ", s0.ipv4, " remote-as ", kAsn),
                               absl::StrCat("neighbor ", s0.ipv4, " timers connect 1")}),
                  IsOk());
    }
    ASSERT_THAT(speaker_->Start({"zebra", "staticd", "bgpd"}), IsOk());
    // gRPC's threads are created later, from this thread, so they live in s0's namespace.
    ASSERT_THAT(EnterNetnsForThread(s0.netns), IsOk());
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
    peer1_.reset();
    router_.reset();
    lab_.reset();
  }

  // `vips` each to `peers` ("router", "peer1") with `local_pref`.
  bgp::DesiredState State(const std::vector<std::string>& vips,
                          const std::vector<std::string>& peers, uint32_t local_pref) {
    bgp::DesiredState d;
    d.peers.push_back({.name = "peer1",
                       .my_asn = kAsn,
                       .peer_asn = kAsn,
                       .address = *IpAddress::Parse(lab_->speaker(1).ipv4),
                       .hold_time_s = 9,
                       .keepalive_time_s = 3});
    d.peers.push_back({.name = "router",
                       .my_asn = kAsn,
                       .peer_asn = kAsn,
                       .address = *IpAddress::Parse(lab_->router()->ipv4),
                       .hold_time_s = 9,
                       .keepalive_time_s = 3});
    for (const std::string& vip : vips) {
      bgp::Announcement a{.prefix = bgp::PrefixOf(*IpAddress::Parse(vip), 32)};
      for (const std::string& p : peers) bgp::MergeAttributes(a, p, {.local_pref = local_pref});
      d.announcements.push_back(a);
    }
    return d;
  }

  // The prefixes `peer` has from s0, with their LOCAL_PREF.
  std::map<std::string, int> Received(const FrrHost& peer) {
    std::map<std::string, int> out;
    auto s = peer.Vtysh({"show bgp ipv4 unicast json"});
    if (!s.ok()) return out;
    Json j = Json::parse(*s, nullptr, false);
    if (j.is_discarded() || !j.contains("routes")) return out;
    for (const auto& [prefix, paths] : j["routes"].items()) {
      for (const Json& p : paths) out[prefix] = p.value("locPrf", -1);
    }
    return out;
  }

  // Polls (every 10 ms, at most `limit`) until `peer` has exactly `want`; how long it took.
  absl::StatusOr<absl::Duration> WaitFor(const FrrHost& peer,
                                         const std::map<std::string, int>& want,
                                         absl::Duration limit) {
    const absl::Time start = absl::Now();
    std::map<std::string, int> seen;
    while (absl::Now() - start < limit) {
      seen = Received(peer);
      if (seen == want) return absl::Now() - start;
      absl::SleepFor(absl::Milliseconds(10));
    }
    std::string got;
    for (const auto& [p, lp] : seen) absl::StrAppend(&got, p, " (localPref ", lp, ") ");
    return absl::DeadlineExceededError(
        absl::StrCat(peer.host().name, " has ", got, "after ", absl::FormatDuration(limit)));
  }

  void Apply(const bgp::DesiredState& d) { ASSERT_THAT(reconciler_->Apply(d), IsOk()); }

  std::unique_ptr<Lab> lab_;
  std::unique_ptr<FrrHost> router_, peer1_, speaker_;
  std::unique_ptr<bgp::GrpcNorthboundClient> staticd_, bgpd_;
  std::unique_ptr<bgp::SocketVtySession> vty_;
  std::unique_ptr<bgp::FrrReconciler> reconciler_;
};

TEST_F(BgpPolicyLabTest, PeersGetTheirGroupsAndLoseWhatMovesAwayAtOnce) {
  const std::string st = std::string(kStaticVip) + "/32";
  const std::string lo = std::string(kLocalVip) + "/32";
  // Both VIPs to both peers. (Sessions come up in a few seconds.)
  ASSERT_NO_FATAL_FAILURE(Apply(State({kStaticVip, kLocalVip}, {"router", "peer1"}, 100)));
  ASSERT_THAT(WaitFor(*router_, {{st, 100}, {lo, 100}}, absl::Seconds(30)), IsOk());
  ASSERT_THAT(WaitFor(*peer1_, {{st, 100}, {lo, 100}}, absl::Seconds(30)), IsOk());

  // Both move to a group of the router alone, with another local preference: peer1 loses
  // them, the router gets the new attributes, both within 1 s.
  ASSERT_NO_FATAL_FAILURE(Apply(State({kStaticVip, kLocalVip}, {"router"}, 200)));
  auto withdrawn = WaitFor(*peer1_, {}, absl::Seconds(1));
  EXPECT_THAT(withdrawn, IsOk());
  EXPECT_THAT(WaitFor(*router_, {{st, 200}, {lo, 200}}, absl::Seconds(1)), IsOk());
  if (withdrawn.ok()) {
    std::printf("moved to another group -> withdrawn from the old peer: %s\n",
                absl::FormatDuration(*withdrawn).c_str());
  }

  // The local-address VIP no longer announced (it stays on lo): gone within 1 s.
  ASSERT_NO_FATAL_FAILURE(Apply(State({kStaticVip}, {"router"}, 200)));
  auto gone = WaitFor(*router_, {{st, 200}}, absl::Seconds(1));
  EXPECT_THAT(gone, IsOk());
  // ... and announced again (to both peers): back within 1 s on both.
  ASSERT_NO_FATAL_FAILURE(Apply(State({kStaticVip, kLocalVip}, {"router", "peer1"}, 300)));
  auto back = WaitFor(*router_, {{st, 300}, {lo, 300}}, absl::Seconds(1));
  EXPECT_THAT(back, IsOk());
  EXPECT_THAT(WaitFor(*peer1_, {{st, 300}, {lo, 300}}, absl::Seconds(1)), IsOk());
  if (gone.ok() && back.ok()) {
    std::printf("connected VIP removed -> gone: %s; added -> back: %s\n",
                absl::FormatDuration(*gone).c_str(), absl::FormatDuration(*back).c_str());
  }

  // Adding one VIP of an existing group is one `network` statement (and the node's route to lo),
  // and rewrites nothing else.
  auto added =
      reconciler_->Apply(State({kStaticVip, kLocalVip, "10.92.0.3"}, {"router", "peer1"}, 300));
  ASSERT_THAT(added, IsOk());
  EXPECT_EQ(added->staticd_edits, 2u);
  EXPECT_EQ(added->bgpd_edits, 0u);
  EXPECT_EQ(added->network_commands, 1u);
  EXPECT_THAT(WaitFor(*router_, {{st, 300}, {lo, 300}, {"10.92.0.3/32", 300}}, absl::Seconds(1)),
              IsOk());
}

}  // namespace
}  // namespace ironlb::lab

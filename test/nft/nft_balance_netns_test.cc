// Balanced forwards through a real router namespace: new connections spread over backends by
// weight (TCP and UDP, IPv4 and IPv6), a connection stays on its backend while the set changes,
// inactive (down or draining) backends get no new connections, an all-down forward drops or
// rejects, source affinity keeps a client on one backend, per-backend counters count, and a
// second reconcile changes nothing in the kernel.
#include <gtest/gtest.h>
#include <sys/socket.h>

#include <map>

#include "test/nft/backend_servers.h"
#include "test/nft/traffic_util.h"
#include "test/support/status_matchers.h"

namespace ironlb::nft {
namespace {

using ::ironlb::nft::testing::BackendServers;
using ::ironlb::nft::testing::Exchange;
using ::ironlb::nft::testing::HeldConnection;
using ::ironlb::nft::testing::Lab;
using ::ironlb::nft::testing::ReconcilerIn;
using ::ironlb::testing::IsOk;
using ::ironlb::testing::StatusIs;

constexpr int kTimeoutMs = 30000;  // a hung test only: answers come at once

class NftBalanceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(lab_.ok);
    auto nft = ReconcilerIn(lab_.router);
    ASSERT_THAT(nft, IsOk());
    transport_ = std::move(nft->transport);
    reconciler_ = std::move(nft->reconciler);
  }

  absl::StatusOr<ReconcileResult> Apply(const DesiredState& state) {
    return reconciler_->Reconcile(state);
  }

  static PortForwardEntry Balanced(const std::string& outside, L4Protocol proto, uint16_t port,
                                   const std::string& backend_addr,
                                   const std::vector<std::pair<uint16_t, uint32_t>>& backends) {
    PortForwardEntry f;
    f.name = "web";
    f.outside_address = *IpAddress::Parse(outside);
    f.protocol = proto;
    f.port = port;
    for (const auto& [p, w] : backends) {
      f.backends.push_back({*IpAddress::Parse(backend_addr), p, w, true});
    }
    f.target_address = f.backends[0].address;
    f.target_port = f.backends[0].port;
    f.source_nat = true;
    return f;
  }

  // `n` fresh connections (or datagrams); how many each backend answered.
  std::map<std::string, int> Spread(const std::string& addr, uint16_t port, int type, int n) {
    std::map<std::string, int> seen;
    for (int i = 0; i < n; ++i) {
      auto reply = Exchange(lab_.client, addr, port, type, "who", kTimeoutMs);
      ++seen[reply.ok() ? *reply : std::string(reply.status().message())];
    }
    return seen;
  }

  Lab lab_;
  std::unique_ptr<MnlTransport> transport_;
  std::unique_ptr<Reconciler> reconciler_;
};

TEST_F(NftBalanceTest, WeightsSpreadNewConnectionsAndSecondReconcileChangesNothing) {
  BackendServers servers(lab_.server, AF_INET, SOCK_STREAM, {8001, 8002});
  ASSERT_TRUE(servers.ok());
  DesiredState state;
  state.forwards.push_back(
      Balanced("10.0.1.1", L4Protocol::kTcp, 80, "10.0.2.2", {{8001, 3}, {8002, 1}}));
  auto first = Apply(state);
  ASSERT_THAT(first, IsOk());
  auto second = Apply(state);
  ASSERT_THAT(second, IsOk());
  EXPECT_EQ(second->operations, 0u);
  // A fresh reconciler reads the kernel's table back and finds it equal (rules included).
  Reconciler fresh(transport_.get());
  auto reread = fresh.Reconcile(state);
  ASSERT_THAT(reread, IsOk());
  EXPECT_FALSE(reread->rebuilt);
  EXPECT_EQ(reread->operations, 0u);

  constexpr int kConnections = 400;
  std::map<std::string, int> seen = Spread("10.0.1.1", 80, SOCK_STREAM, kConnections);
  EXPECT_EQ(seen["b8001"] + seen["b8002"], kConnections) << ::testing::PrintToString(seen);
  // 3:1 -> 75 %; the slot table is within ~2 % and 400 random picks within ~2 % (1 sigma).
  EXPECT_NEAR(seen["b8001"] / static_cast<double>(kConnections), 0.75, 0.1)
      << ::testing::PrintToString(seen);

  auto counters = reconciler_->ReadForwardCounters(state);
  ASSERT_THAT(counters, IsOk());
  ASSERT_EQ(counters->size(), 1u);
  ASSERT_EQ((*counters)[0].backends.size(), 2u);
  EXPECT_EQ((*counters)[0].backends[0].connections, static_cast<uint64_t>(seen["b8001"]));
  EXPECT_EQ((*counters)[0].backends[1].connections, static_cast<uint64_t>(seen["b8002"]));
  EXPECT_GT((*counters)[0].backends[0].packets, 0u);
  EXPECT_EQ((*counters)[0].connections, static_cast<uint64_t>(kConnections));
}

TEST_F(NftBalanceTest, InactiveBackendGetsNoNewConnectionsWhileItsOldOnesContinue) {
  BackendServers servers(lab_.server, AF_INET, SOCK_STREAM, {8001, 8002, 8003});
  ASSERT_TRUE(servers.ok());
  DesiredState state;
  state.forwards.push_back(
      Balanced("10.0.1.1", L4Protocol::kTcp, 80, "10.0.2.2", {{8001, 1}, {8002, 1}, {8003, 1}}));
  ASSERT_THAT(Apply(state), IsOk());
  // Hold connections until one lands on every backend.
  std::vector<std::unique_ptr<HeldConnection>> held;
  std::map<std::string, HeldConnection*> on;
  for (int i = 0; i < 200 && on.size() < 3; ++i) {
    auto c = std::make_unique<HeldConnection>(lab_.client, "10.0.1.1", 80, kTimeoutMs);
    auto who = c->Ask();
    ASSERT_THAT(who, IsOk());
    on.emplace(*who, c.get());
    held.push_back(std::move(c));
  }
  ASSERT_EQ(on.size(), 3u);

  state.forwards[0].backends[1].active = false;  // 8002 drains
  ASSERT_THAT(Apply(state), IsOk());
  std::map<std::string, int> seen = Spread("10.0.1.1", 80, SOCK_STREAM, 60);
  EXPECT_EQ(seen.count("b8002"), 0u) << ::testing::PrintToString(seen);
  EXPECT_EQ(seen["b8001"] + seen["b8003"], 60) << ::testing::PrintToString(seen);
  // Every held connection still talks to the backend it started on.
  for (const auto& [name, conn] : on) {
    auto who = conn->Ask();
    ASSERT_THAT(who, IsOk()) << name;
    EXPECT_EQ(*who, name);
  }

  // The backend removed from the set altogether: same for its old connection.
  state.forwards[0].backends.erase(state.forwards[0].backends.begin() + 1);
  ASSERT_THAT(Apply(state), IsOk());
  auto who = on["b8002"]->Ask();
  ASSERT_THAT(who, IsOk());
  EXPECT_EQ(*who, "b8002");
}

TEST_F(NftBalanceTest, AllDownRejectsOrDropsNewConnectionsOnly) {
  BackendServers servers(lab_.server, AF_INET, SOCK_STREAM, {8001});
  ASSERT_TRUE(servers.ok());
  DesiredState state;
  state.forwards.push_back(Balanced("10.0.1.1", L4Protocol::kTcp, 80, "10.0.2.2", {{8001, 1}}));
  ASSERT_THAT(Apply(state), IsOk());
  HeldConnection old(lab_.client, "10.0.1.1", 80, kTimeoutMs);
  ASSERT_THAT(old.Ask(), IsOk());

  state.forwards[0].backends[0].active = false;
  state.forwards[0].when_all_down = AllDownAction::kReject;
  ASSERT_THAT(Apply(state), IsOk());
  EXPECT_THAT(Exchange(lab_.client, "10.0.1.1", 80, SOCK_STREAM, "who", kTimeoutMs),
              StatusIs(absl::StatusCode::kUnavailable, "refused"));
  EXPECT_THAT(old.Ask(), IsOk());  // draining the last backend: its connection finishes

  state.forwards[0].when_all_down = AllDownAction::kDrop;
  ASSERT_THAT(Apply(state), IsOk());
  // Dropped: no answer at all (not refused); a short wait is enough to tell.
  EXPECT_THAT(Exchange(lab_.client, "10.0.1.1", 80, SOCK_STREAM, "who", 500),
              StatusIs(absl::StatusCode::kDeadlineExceeded, ""));
  EXPECT_THAT(old.Ask(), IsOk());

  state.forwards[0].backends[0].active = true;
  ASSERT_THAT(Apply(state), IsOk());
  auto back = Exchange(lab_.client, "10.0.1.1", 80, SOCK_STREAM, "who", kTimeoutMs);
  ASSERT_THAT(back, IsOk());
  EXPECT_EQ(*back, "b8001");
}

TEST_F(NftBalanceTest, SourceAffinityKeepsAClientOnOneBackend) {
  BackendServers servers(lab_.server, AF_INET, SOCK_STREAM, {8001, 8002, 8003});
  ASSERT_TRUE(servers.ok());
  DesiredState state;
  state.forwards.push_back(
      Balanced("10.0.1.1", L4Protocol::kTcp, 80, "10.0.2.2", {{8001, 1}, {8002, 1}, {8003, 1}}));
  state.forwards[0].source_affinity = true;
  ASSERT_THAT(Apply(state), IsOk());
  std::map<std::string, int> seen = Spread("10.0.1.1", 80, SOCK_STREAM, 30);
  EXPECT_EQ(seen.size(), 1u) << ::testing::PrintToString(seen);
  EXPECT_TRUE(seen.begin()->first.rfind("b80", 0) == 0) << seen.begin()->first;
}

TEST_F(NftBalanceTest, UdpOverIpv6SpreadsToo) {
  BackendServers servers(lab_.server, AF_INET6, SOCK_DGRAM, {5301, 5302});
  ASSERT_TRUE(servers.ok());
  DesiredState state;
  state.forwards.push_back(
      Balanced("fd00:1::1", L4Protocol::kUdp, 53, "fd00:2::2", {{5301, 1}, {5302, 1}}));
  ASSERT_THAT(Apply(state), IsOk());
  // Each Exchange uses a new socket (a new source port): a new conntrack entry.
  std::map<std::string, int> seen = Spread("fd00:1::1", 53, SOCK_DGRAM, 60);
  EXPECT_GT(seen["b5301"], 0) << ::testing::PrintToString(seen);
  EXPECT_GT(seen["b5302"], 0) << ::testing::PrintToString(seen);
  EXPECT_EQ(seen["b5301"] + seen["b5302"], 60) << ::testing::PrintToString(seen);
}

}  // namespace
}  // namespace ironlb::nft

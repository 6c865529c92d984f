// Real packets through a router namespace programmed by the reconciler: MSS clamped in SYN and
// SYN-ACK as captured on the wire (also after DNAT and with pmtu), TCP/UDP port forwards over
// IPv4/IPv6 with replies coming back, and the port guard dropping non-loopback connections.
#include <gtest/gtest.h>
#include <sys/socket.h>

#include "test/nft/traffic_util.h"
#include "test/support/status_matchers.h"

namespace ironlb::nft {
namespace {

using ::ironlb::nft::testing::Capture;
using ::ironlb::nft::testing::EchoServer;
using ::ironlb::nft::testing::Exchange;
using ::ironlb::nft::testing::Lab;
using ::ironlb::nft::testing::ParseSynMss;
using ::ironlb::nft::testing::ReconcilerIn;
using ::ironlb::testing::IsOk;

constexpr int kTimeoutMs = 30000;  // a hung test only: answers come at once

class NftTrafficTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(lab_.ok);
    auto nft = ReconcilerIn(lab_.router);
    ASSERT_THAT(nft, IsOk());
    transport_ = std::move(nft->transport);
    reconciler_ = std::move(nft->reconciler);
  }

  void Apply(const DesiredState& state) { ASSERT_THAT(reconciler_->Reconcile(state), IsOk()); }

  // One exchange from the client to addr:port, echoed by a server on server_port that must see
  // the request come from `seen` (the router's address, or a given source NAT address).
  struct EchoCase {
    std::string addr;
    uint16_t port;
    int family, type;
    uint16_t server_port;
    std::string seen;
  };
  void ExpectEchoes(const std::vector<EchoCase>& cases) {
    for (const EchoCase& c : cases) {
      SCOPED_TRACE(c.addr + ":" + std::to_string(c.port));
      EchoServer echo(lab_.server, c.family, c.type, c.server_port, kTimeoutMs);
      ASSERT_TRUE(echo.listening());
      auto reply = Exchange(lab_.client, c.addr, c.port, c.type, "hello", kTimeoutMs);
      ASSERT_THAT(reply, IsOk());
      EXPECT_EQ(*reply, "echo:hello");
      EXPECT_EQ(echo.Finish(), c.seen);
    }
  }

  static PortForwardEntry Forward(const std::string& name, const std::string& outside,
                                  L4Protocol proto, uint16_t port, const std::string& target,
                                  uint16_t target_port) {
    PortForwardEntry f;
    f.name = name;
    if (outside.find('.') != std::string::npos || outside.find(':') != std::string::npos) {
      f.outside_address = *IpAddress::Parse(outside);
    } else {
      f.outside_interface = outside;
    }
    f.protocol = proto;
    f.port = port;
    f.target_address = *IpAddress::Parse(target);
    f.target_port = target_port;
    f.source_nat = true;
    return f;
  }

  // One TCP exchange from the client to addr:port, captured on both ends.
  void CapturedExchange(const std::string& addr, uint16_t port, int family, uint16_t server_port,
                        testing::SynMss* at_server, testing::SynMss* at_client) {
    Capture server_cap(lab_.server, "s-r", "tcp[tcpflags] & tcp-syn != 0 or ip6");
    Capture client_cap(lab_.client, "c-r", "tcp[tcpflags] & tcp-syn != 0 or ip6");
    EchoServer echo(lab_.server, family, SOCK_STREAM, server_port, kTimeoutMs);
    ASSERT_TRUE(echo.listening());
    auto reply = Exchange(lab_.client, addr, port, SOCK_STREAM, "mss", kTimeoutMs);
    ASSERT_THAT(reply, IsOk());
    EXPECT_EQ(*reply, "echo:mss");
    echo.Finish();
    // Both ends' SYN and SYN-ACK in the files before the captures stop.
    auto both = [](const std::string& text) {
      const testing::SynMss m = ParseSynMss(text);
      return m.syn != 0 && m.syn_ack != 0;
    };
    auto s = server_cap.StopWhen(both);
    auto c = client_cap.StopWhen(both);
    ASSERT_THAT(s, IsOk());
    ASSERT_THAT(c, IsOk());
    *at_server = ParseSynMss(*s);
    *at_client = ParseSynMss(*c);
  }

  Lab lab_;
  std::unique_ptr<MnlTransport> transport_;
  std::unique_ptr<Reconciler> reconciler_;
};

TEST_F(NftTrafficTest, MssIsClampedInSynAndSynAckOnTheWire) {
  // Routed connection to a clamped VIP (the server's own address).
  DesiredState state;
  state.clamped_vips.push_back({*IpAddress::Parse("10.0.2.2"), 1000, false});
  state.clamped_vips.push_back({*IpAddress::Parse("fd00:2::2"), 1100, false});
  // Also DNATed: the VIP is the router's outside address, forwarded to the server.
  state.clamped_vips.push_back({*IpAddress::Parse("10.0.1.1"), 900, false});
  state.forwards.push_back(Forward("web", "10.0.1.1", L4Protocol::kTcp, 8080, "10.0.2.2", 5003));
  ASSERT_THAT(testing::Run(lab_.server.Exec() + "ip route add 10.0.1.0/24 via 10.0.2.1"), IsOk());
  ASSERT_THAT(testing::Run(lab_.server.Exec() + "ip -6 route add fd00:1::/64 via fd00:2::1"),
              IsOk());
  Apply(state);

  testing::SynMss server_side, client_side;
  CapturedExchange("10.0.2.2", 5001, AF_INET, 5001, &server_side, &client_side);
  EXPECT_EQ(client_side.syn, 1460);  // as the client sent it
  EXPECT_EQ(server_side.syn, 1000);  // clamped by the router
  EXPECT_EQ(server_side.syn_ack, 1460);
  EXPECT_EQ(client_side.syn_ack, 1000);

  CapturedExchange("fd00:2::2", 5002, AF_INET6, 5002, &server_side, &client_side);
  EXPECT_EQ(client_side.syn, 1440);
  EXPECT_EQ(server_side.syn, 1100);
  EXPECT_EQ(server_side.syn_ack, 1440);
  EXPECT_EQ(client_side.syn_ack, 1100);

  // After DNAT the packet's destination is the server, but conntrack's original destination
  // is still the clamped VIP 10.0.1.1.
  CapturedExchange("10.0.1.1", 8080, AF_INET, 5003, &server_side, &client_side);
  EXPECT_EQ(server_side.syn, 900);
  EXPECT_EQ(client_side.syn_ack, 900);
}

TEST_F(NftTrafficTest, ForwardedConnectionsAreClampedByTheirTarget) {
  // A router forwarding its outside port to a VIP that asks for clamping: the outside address
  // is no clamped VIP, the DNAT target is. IPv4 by value, IPv6 by route MTU.
  ASSERT_THAT(testing::Run(lab_.router.Exec() + "ip link set r-s mtu 1400"), IsOk());
  ASSERT_THAT(testing::Run(lab_.server.Exec() + "ip link set s-r mtu 1400"), IsOk());
  DesiredState state;
  state.clamped_vips.push_back({*IpAddress::Parse("10.0.2.2"), 1200, false});
  state.clamped_vips.push_back({*IpAddress::Parse("fd00:2::2"), 0, true});
  state.forwards.push_back(Forward("web4", "10.0.1.1", L4Protocol::kTcp, 8080, "10.0.2.2", 5005));
  state.forwards.push_back(Forward("web6", "fd00:1::1", L4Protocol::kTcp, 8080, "fd00:2::2", 5006));
  Apply(state);
  testing::SynMss server_side, client_side;
  CapturedExchange("10.0.1.1", 8080, AF_INET, 5005, &server_side, &client_side);
  EXPECT_EQ(client_side.syn, 1460);
  EXPECT_EQ(server_side.syn, 1200);
  EXPECT_EQ(client_side.syn_ack, 1200);
  CapturedExchange("fd00:1::1", 8080, AF_INET6, 5006, &server_side, &client_side);
  EXPECT_EQ(client_side.syn, 1440);
  EXPECT_EQ(server_side.syn, 1340);  // route MTU 1400 towards the server, IPv6 headers
}

TEST_F(NftTrafficTest, PmtuClampsToTheRouteMtu) {
  ASSERT_THAT(testing::Run(lab_.router.Exec() + "ip link set r-s mtu 1400"), IsOk());
  ASSERT_THAT(testing::Run(lab_.server.Exec() + "ip link set s-r mtu 1400"), IsOk());
  ASSERT_THAT(testing::Run(lab_.server.Exec() + "ip route add 10.0.1.0/24 via 10.0.2.1"), IsOk());
  DesiredState state;
  state.clamped_vips.push_back({*IpAddress::Parse("10.0.2.2"), 0, true});
  Apply(state);
  testing::SynMss server_side, client_side;
  CapturedExchange("10.0.2.2", 5004, AF_INET, 5004, &server_side, &client_side);
  EXPECT_EQ(client_side.syn, 1460);
  EXPECT_EQ(server_side.syn, 1360);  // route MTU 1400 towards the server
}

TEST_F(NftTrafficTest, TcpAndUdpForwardsCarryAnExchangeBothWays) {
  DesiredState state;
  state.forwards.push_back(Forward("tcp4", "10.0.1.1", L4Protocol::kTcp, 8080, "10.0.2.2", 5001));
  state.forwards.push_back(Forward("udp4", "10.0.1.1", L4Protocol::kUdp, 5353, "10.0.2.2", 53));
  state.forwards.push_back(Forward("tcp6", "fd00:1::1", L4Protocol::kTcp, 8443, "fd00:2::2", 443));
  state.forwards.push_back(Forward("udp-if", "r-c", L4Protocol::kUdp, 6000, "10.0.2.2", 6001));
  Apply(state);
  // Source NAT: the server sees the router's address.
  ExpectEchoes({
      {"10.0.1.1", 8080, AF_INET, SOCK_STREAM, 5001, "10.0.2.1"},
      {"10.0.1.1", 5353, AF_INET, SOCK_DGRAM, 53, "10.0.2.1"},
      {"fd00:1::1", 8443, AF_INET6, SOCK_STREAM, 443, "fd00:2::1"},
      {"10.0.1.1", 6000, AF_INET, SOCK_DGRAM, 6001, "10.0.2.1"},
  });
  if (HasFatalFailure()) return;
  auto counters = reconciler_->ReadForwardCounters(state);
  ASSERT_THAT(counters, IsOk());
  for (const ForwardCounter& c : *counters) {
    // Every packet of the exchange, both ways (a TCP exchange is at least SYN, SYN-ACK, ACK,
    // data and its reply; UDP a request and a reply), not just the connection's first.
    EXPECT_GE(c.packets, 2u) << c.name;
    EXPECT_GT(c.bytes, 0u) << c.name;
    EXPECT_EQ(c.connections, 1u) << c.name;
  }
}

// PortForward sourceNATAddresses (issue 16): the server sees the given address, not the
// router's own, and its replies to that address come back to the client.
TEST_F(NftTrafficTest, SourceNatToAGivenAddress) {
  DesiredState state;
  state.forwards.push_back(Forward("tcp4", "10.0.1.1", L4Protocol::kTcp, 8080, "10.0.2.2", 5001));
  state.forwards.back().source_nat_address = *IpAddress::Parse("10.0.2.50");
  state.forwards.push_back(Forward("udp4", "10.0.1.1", L4Protocol::kUdp, 5353, "10.0.2.2", 53));
  state.forwards.back().source_nat_address = *IpAddress::Parse("10.0.2.50");
  state.forwards.push_back(Forward("tcp6", "fd00:1::1", L4Protocol::kTcp, 8443, "fd00:2::2", 443));
  state.forwards.back().source_nat_address = *IpAddress::Parse("fd00:2::50");
  // Masqueraded as before: a forward without an address.
  state.forwards.push_back(Forward("tcp4m", "10.0.1.1", L4Protocol::kTcp, 8081, "10.0.2.2", 5002));
  // The floating address is not on the router: the server reaches it through the router (in
  // an HA pair the owning router answers ARP/NDP for it).
  ASSERT_THAT(testing::Run(lab_.server.Exec() + "ip route add 10.0.2.50/32 via 10.0.2.1"), IsOk());
  ASSERT_THAT(testing::Run(lab_.server.Exec() + "ip -6 route add fd00:2::50/128 via fd00:2::1"),
              IsOk());
  Apply(state);
  ExpectEchoes({
      {"10.0.1.1", 8080, AF_INET, SOCK_STREAM, 5001, "10.0.2.50"},
      {"10.0.1.1", 5353, AF_INET, SOCK_DGRAM, 53, "10.0.2.50"},
      {"fd00:1::1", 8443, AF_INET6, SOCK_STREAM, 443, "fd00:2::50"},
      {"10.0.1.1", 8081, AF_INET, SOCK_STREAM, 5002, "10.0.2.1"},
  });
  if (HasFatalFailure()) return;
  // Applying the same state again changes nothing; moving the address is one more apply.
  Apply(state);
  state.forwards[0].source_nat_address = *IpAddress::Parse("10.0.2.51");
  ASSERT_THAT(testing::Run(lab_.server.Exec() + "ip route add 10.0.2.51/32 via 10.0.2.1"), IsOk());
  Apply(state);
  EchoServer echo(lab_.server, AF_INET, SOCK_STREAM, 5001, kTimeoutMs);
  ASSERT_THAT(Exchange(lab_.client, "10.0.1.1", 8080, SOCK_STREAM, "again", kTimeoutMs), IsOk());
  EXPECT_EQ(echo.Finish(), "10.0.2.51");
}

TEST_F(NftTrafficTest, PortGuardDropsNonLoopbackAndAllowsLoopback) {
  constexpr uint16_t kGrpc = 50051;
  DesiredState state;
  Apply(state);
  {  // Without the guard the port is reachable from outside: the test can fail.
    EchoServer grpc(lab_.router, AF_INET, SOCK_STREAM, kGrpc, kTimeoutMs);
    EXPECT_THAT(Exchange(lab_.client, "10.0.1.1", kGrpc, SOCK_STREAM, "x", kTimeoutMs), IsOk());
  }
  state.guarded_tcp_ports.push_back(kGrpc);
  Apply(state);
  {
    EchoServer grpc(lab_.router, AF_INET, SOCK_STREAM, kGrpc, 1500);
    auto outside = Exchange(lab_.client, "10.0.1.1", kGrpc, SOCK_STREAM, "x", 1000);
    EXPECT_EQ(outside.status().code(), absl::StatusCode::kDeadlineExceeded) << outside.status();
    EXPECT_EQ(grpc.Finish(), "");
  }
  {
    EchoServer grpc(lab_.router, AF_INET, SOCK_STREAM, kGrpc, kTimeoutMs);
    auto local = Exchange(lab_.router, "127.0.0.1", kGrpc, SOCK_STREAM, "x", kTimeoutMs);
    ASSERT_THAT(local, IsOk());
    EXPECT_EQ(*local, "echo:x");
  }
}

}  // namespace
}  // namespace ironlb::nft

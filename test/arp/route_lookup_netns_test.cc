// arp::EgressInterface and InterfaceHoldingAddress against the real kernel, in a namespace of
// this test: the facts the router plan's sourceNAT: Auto decision rests on (its unit tests use
// a fake with the same meaning).
#include "arp/route_lookup.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "test/support/shell.h"
#include "test/support/status_matchers.h"

namespace ironlb::arp {
namespace {

using ::ironlb::testing::IsOk;
using ::ironlb::testing::RunShell;
using ::ironlb::testing::StatusIs;

IpAddress Ip(const char* text) { return *IpAddress::Parse(text); }

TEST(RouteLookupNetnsTest, AnswersAsIpRouteGet) {
  // The test binary runs in a fresh namespace (IN_NETNS): two links, a LAN and a default route.
  int rc = 0;
  RunShell(
      "set -e; ip link set lo up;"
      "ip link add lan0 type veth peer name lan0p; ip link add wan0 type veth peer name wan0p;"
      "for l in lan0 lan0p wan0 wan0p; do ip link set $l up; done;"
      "ip addr add 10.90.0.1/24 dev lan0; ip addr add 10.91.0.1/24 dev wan0;"
      "ip addr add fd00:90::1/64 dev lan0 nodad;"
      "ip route add default via 10.91.0.254 dev wan0",
      &rc);
  ASSERT_EQ(rc, 0);
  auto lan = EgressInterface(Ip("10.90.0.100"));
  ASSERT_THAT(lan, IsOk());
  EXPECT_EQ(*lan, "lan0");
  auto internet = EgressInterface(Ip("192.0.2.7"));
  ASSERT_THAT(internet, IsOk());
  EXPECT_EQ(*internet, "wan0");
  auto v6 = EgressInterface(Ip("fd00:90::100"));
  ASSERT_THAT(v6, IsOk());
  EXPECT_EQ(*v6, "lan0");
  auto local = EgressInterface(Ip("10.91.0.1"));
  ASSERT_THAT(local, IsOk());
  EXPECT_EQ(*local, "lo");
  EXPECT_THAT(EgressInterface(Ip("2001:db8::1")), StatusIs(absl::StatusCode::kNotFound, "route"));

  auto holder = InterfaceHoldingAddress(Ip("10.91.0.1"));
  ASSERT_THAT(holder, IsOk());
  EXPECT_EQ(*holder, "wan0");
  auto holder6 = InterfaceHoldingAddress(Ip("fd00:90::1"));
  ASSERT_THAT(holder6, IsOk());
  EXPECT_EQ(*holder6, "lan0");
  EXPECT_THAT(InterfaceHoldingAddress(Ip("10.91.0.2")),
              StatusIs(absl::StatusCode::kNotFound, "no interface holds 10.91.0.2"));
}

}  // namespace
}  // namespace ironlb::arp

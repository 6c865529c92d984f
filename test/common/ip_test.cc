#include "common/ip.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "test/support/status_matchers.h"

namespace ironlb {
namespace {

using ::ironlb::testing::IsOk;
using ::ironlb::testing::StatusIs;
using ::testing::ElementsAre;

TEST(IpAddressTest, ParsesAndPrintsBothFamilies) {
  struct Case {
    std::string in, out;
    IpFamily family;
  };
  for (const Case& c : std::vector<Case>{{"192.0.2.1", "192.0.2.1", IpFamily::kV4},
                                         {"0.0.0.0", "0.0.0.0", IpFamily::kV4},
                                         {"2001:DB8:0:0::1", "2001:db8::1", IpFamily::kV6},
                                         {"::ffff:192.0.2.1", "::ffff:192.0.2.1", IpFamily::kV6},
                                         {"fd00::", "fd00::", IpFamily::kV6}}) {
    auto a = IpAddress::Parse(c.in);
    ASSERT_THAT(a, IsOk()) << c.in;
    EXPECT_EQ(a->ToString(), c.out);
    EXPECT_EQ(a->family(), c.family);
  }
}

TEST(IpAddressTest, RejectsNonAddresses) {
  for (const char* bad : {"", "192.0.2", "192.0.2.256", "192.0.2.1/32", "01.2.3.4", "fe80::1%eth0",
                          "[::1]", "host.example", "1.2.3.4 "}) {
    EXPECT_THAT(IpAddress::Parse(bad), StatusIs(absl::StatusCode::kInvalidArgument, "not an IP"))
        << bad;
  }
}

TEST(IpAddressTest, OrdersByFamilyThenValue) {
  auto v4 = *IpAddress::Parse("255.255.255.255");
  auto v6 = *IpAddress::Parse("::");
  EXPECT_LT(v4, v6);
  EXPECT_LT(*IpAddress::Parse("10.0.0.9"), *IpAddress::Parse("10.0.0.10"));
}

TEST(IpAddressTest, BytesRoundTrip) {
  auto a = *IpAddress::Parse("2001:db8::abcd");
  const auto b = a.bytes();
  EXPECT_EQ(*IpAddress::FromBytes(b.data(), 16), a);
  auto v4 = *IpAddress::Parse("10.1.2.3");
  EXPECT_EQ(v4.bytes()[0], 10);
  EXPECT_EQ(v4.bytes()[3], 3);
  EXPECT_EQ(*IpAddress::FromBytes(v4.bytes().data(), 4), v4);
  EXPECT_THAT(IpAddress::FromBytes(b.data(), 5),
              StatusIs(absl::StatusCode::kInvalidArgument, "4 or 16"));
}

TEST(IpPrefixTest, ParsesStrictly) {
  auto p = IpPrefix::Parse("192.0.2.0/24");
  ASSERT_THAT(p, IsOk());
  EXPECT_EQ(p->last().ToString(), "192.0.2.255");
  EXPECT_TRUE(p->Contains(*IpAddress::Parse("192.0.2.77")));
  EXPECT_FALSE(p->Contains(*IpAddress::Parse("192.0.3.0")));
  EXPECT_THAT(
      IpPrefix::Parse("192.0.2.1/24"),
      StatusIs(absl::StatusCode::kInvalidArgument, "host bits set; did you mean 192.0.2.0/24"));
  EXPECT_THAT(IpPrefix::Parse("0.0.0.0/0"), StatusIs(absl::StatusCode::kInvalidArgument, "/0"));
  EXPECT_THAT(IpPrefix::Parse("10.0.0.0/33"),
              StatusIs(absl::StatusCode::kInvalidArgument, "1..32"));
  EXPECT_THAT(IpPrefix::Parse("fd00::/129"),
              StatusIs(absl::StatusCode::kInvalidArgument, "1..128"));
  EXPECT_THAT(IpPrefix::Parse("fd00::/"),
              StatusIs(absl::StatusCode::kInvalidArgument, "prefix length"));
  EXPECT_THAT(IpPrefix::Parse("fd00::/64"), IsOk());
}

TEST(IpRangeTest, ParsesRangesAndCidrs) {
  auto r = IpRange::Parse("192.0.2.10-192.0.2.20");
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->Size(), 11);
  EXPECT_THAT(IpRange::Parse("192.0.2.20-192.0.2.10"),
              StatusIs(absl::StatusCode::kInvalidArgument, "end comes before the start"));
  EXPECT_THAT(IpRange::Parse("192.0.2.1-fd00::1"),
              StatusIs(absl::StatusCode::kInvalidArgument, "mixes IPv4 and IPv6"));
  EXPECT_THAT(IpRange::Parse("192.0.2.1"), StatusIs(absl::StatusCode::kInvalidArgument, "neither"));
  EXPECT_THAT(IpRange::Parse("192.0.2.x-192.0.2.9"),
              StatusIs(absl::StatusCode::kInvalidArgument, "\"192.0.2.x\" is not an IP"));
  auto big = IpRange::Parse("10.0.0.0/8");
  ASSERT_THAT(big, IsOk());
  EXPECT_EQ(big->Size(), uint128{1} << 24);
  auto v6 = IpRange::Parse("fd00::/64");
  ASSERT_THAT(v6, IsOk());
  EXPECT_EQ(v6->Size(), uint128{1} << 64);
  EXPECT_EQ(Uint128ToString(v6->Size()), "18446744073709551616");
}

TEST(IpRangeTest, CoversWithMinimalPrefixes) {
  auto r = *IpRange::Parse("192.0.2.1-192.0.2.6");
  std::vector<std::string> got;
  for (const auto& p : r.ToPrefixes()) got.push_back(p.ToString());
  EXPECT_THAT(got, ElementsAre("192.0.2.1/32", "192.0.2.2/31", "192.0.2.4/31", "192.0.2.6/32"));
  EXPECT_EQ(IpRange::Parse("fd00::/64")->ToPrefixes().size(), 1u);
  EXPECT_EQ(IpRange::Parse("10.0.0.0/24")->ToString(), "10.0.0.0/24");
  EXPECT_EQ(IpRange::Parse("10.0.0.5-10.0.0.5")->ToString(), "10.0.0.5");
  EXPECT_EQ(IpRange::Parse("10.0.0.5-10.0.0.9")->ToString(), "10.0.0.5-10.0.0.9");
  // The whole IPv6 space as a range must not loop or overflow.
  IpRange all(*IpAddress::Parse("::"),
              *IpAddress::Parse("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"));
  ASSERT_EQ(all.ToPrefixes().size(), 1u);
  EXPECT_EQ(all.ToPrefixes()[0].length(), 0);
  EXPECT_EQ(all.Size(), ~uint128{0});
}

}  // namespace
}  // namespace ironlb

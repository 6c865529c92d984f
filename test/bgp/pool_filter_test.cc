// The router's pool filter, pure parts: pools -> CIDRs -> prefix-list entries, FRR's JSON back,
// the diff, and the peer-group binding from bgpd's running configuration (checked against real
// FRR by pool_filter_frr_test).
#include "bgp/pool_filter.h"

#include <set>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "test/support/status_matchers.h"

namespace ironlb::bgp {
namespace {

using ::ironlb::testing::IsOk;
using ::ironlb::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

config::Config Pools(const std::vector<std::vector<std::string>>& pools) {
  config::Config c;
  int i = 0;
  for (const auto& addresses : pools) {
    config::AddressPool p;
    p.meta.name = "pool" + std::to_string(i++);
    for (const std::string& a : addresses) {
      p.address_texts.push_back(a);
      p.ranges.push_back(*IpRange::Parse(a));
    }
    c.pools.push_back(std::move(p));
  }
  return c;
}

std::vector<std::string> Texts(const std::vector<IpPrefix>& ps) {
  std::vector<std::string> out;
  for (const IpPrefix& p : ps) out.push_back(p.ToString());
  return out;
}

TEST(PoolPrefixesTest, RangesBecomeTheCidrsThatCoverThemExactly) {
  const auto c = Pools({{"10.0.0.1-10.0.0.6"}, {"192.0.2.0/24", "192.0.2.10-192.0.2.20"}});
  // .1/32 .2/31 .4/31 .6/32; the range inside 192.0.2.0/24 adds nothing.
  EXPECT_THAT(
      Texts(PoolPrefixes(c, IpFamily::kV4)),
      ElementsAre("10.0.0.1/32", "10.0.0.2/31", "10.0.0.4/31", "10.0.0.6/32", "192.0.2.0/24"));
  EXPECT_THAT(PoolPrefixes(c, IpFamily::kV6), IsEmpty());
}

TEST(PoolPrefixesTest, EdgeCases) {
  // One address; a range that is exactly a CIDR; a range across a /8 boundary; the top of the
  // address space; duplicates across pools.
  const auto c = Pools({{"10.1.1.1-10.1.1.1", "10.2.0.0-10.2.255.255"},
                        {"10.255.255.255-11.0.0.0", "255.255.255.254-255.255.255.255"},
                        {"10.2.0.0/16"}});
  EXPECT_THAT(Texts(PoolPrefixes(c, IpFamily::kV4)),
              ElementsAre("10.1.1.1/32", "10.2.0.0/16", "10.255.255.255/32", "11.0.0.0/32",
                          "255.255.255.254/31"));
}

TEST(PoolPrefixesTest, Ipv6) {
  const auto c = Pools({{"fd00::1-fd00::4", "2001:db8::/64"}, {"2001:db8:0:0:8000::/65"}});
  EXPECT_THAT(Texts(PoolPrefixes(c, IpFamily::kV6)),
              ElementsAre("2001:db8::/64", "fd00::1/128", "fd00::2/127", "fd00::4/128"));
}

TEST(PoolPrefixListsTest, PermitWithLeThenDenyAny) {
  const auto lists = DesiredPoolPrefixLists(Pools({{"10.0.0.0/24", "10.0.1.7/32", "fd00::/120"}}));
  ASSERT_EQ(lists.size(), 2u);
  const PrefixListEntries& v4 = lists.at(IpFamily::kV4);
  ASSERT_EQ(v4.size(), 3u);
  std::set<std::string> seen;
  for (const auto& [seq, e] : v4) {
    if (seq == kDenyAnySequence) {
      EXPECT_EQ(e.action, "deny");
      EXPECT_FALSE(e.prefix.has_value());
      continue;
    }
    EXPECT_EQ(e.action, "permit");
    seen.insert(e.prefix->ToString());
    if (e.prefix->length() == 24) EXPECT_EQ(e.le, 32);
    if (e.prefix->length() == 32) EXPECT_FALSE(e.le.has_value());
  }
  EXPECT_EQ(seen, (std::set<std::string>{"10.0.0.0/24", "10.0.1.7/32"}));
  EXPECT_EQ(lists.at(IpFamily::kV6).begin()->second.le, 128);
  // No IPv6 pool: the list still exists and refuses everything (an empty list would permit).
  const auto v4_only = DesiredPoolPrefixLists(Pools({{"10.0.0.0/24"}}));
  ASSERT_EQ(v4_only.at(IpFamily::kV6).size(), 1u);
  EXPECT_EQ(v4_only.at(IpFamily::kV6).begin()->first, kDenyAnySequence);
}

TEST(PoolPrefixListsTest, AddingAPoolKeepsTheOthersSequenceNumbers) {
  const auto before = DesiredPoolPrefixLists(Pools({{"10.0.0.0/24"}, {"10.9.0.0/16"}}));
  const auto after =
      DesiredPoolPrefixLists(Pools({{"10.0.0.0/24"}, {"10.5.0.0/24"}, {"10.9.0.0/16"}}));
  for (const auto& [seq, e] : before.at(IpFamily::kV4)) {
    ASSERT_TRUE(after.at(IpFamily::kV4).count(seq)) << seq;
    EXPECT_EQ(after.at(IpFamily::kV4).at(seq), e);
  }
  // Only the new entry is written.
  const auto edits = PoolPrefixListEdits(before, after);
  ASSERT_EQ(edits.size(), 3u);
  EXPECT_THAT(edits[0].xpath, HasSubstr("/frr-filter:lib/prefix-list[type='ipv4'][name='"
                                        "ironlb-pools-v4']/entry[sequence='"));
  EXPECT_THAT(edits[0].xpath, HasSubstr("/action"));
  EXPECT_EQ(edits[1].value, "10.5.0.0/24");
  EXPECT_EQ(edits[2].value, "32");
  EXPECT_THAT(edits[2].xpath, HasSubstr("/ipv4-prefix-length-lesser-or-equal"));
}

TEST(PoolPrefixListsTest, ParsesFrrJsonAndASecondPassChangesNothing) {
  const auto want = DesiredPoolPrefixLists(Pools({{"10.0.0.0/24", "fd00::5/128"}}));
  // What FRR 8.4 answers (libyang JSON), with an operator's list next to ironlb's and an entry
  // someone added to ironlb's v4 list.
  uint32_t seq4 = 0;
  for (const auto& [s, e] : want.at(IpFamily::kV4)) {
    if (s != kDenyAnySequence) seq4 = s;
  }
  uint32_t seq6 = want.at(IpFamily::kV6).begin()->first;
  const std::string json = absl::StrCat(
      R"({"frr-filter:lib":{"prefix-list":[)",
      R"({"type":"ipv4","name":"mine","entry":[{"sequence":5,"action":"deny","any":[null]}]},)",
      R"({"type":"ipv4","name":"ironlb-pools-v4","entry":[)", R"({"sequence":)", seq4,
      R"(,"action":"permit","ipv4-prefix":"10.0.0.0/24","ipv4-prefix-length-lesser-or-equal":32},)",
      R"({"sequence":7,"action":"permit","ipv4-prefix":"1.2.3.0/24"},)",
      R"({"sequence":4294967295,"action":"deny","any":[null]}]},)",
      R"({"type":"ipv6","name":"ironlb-pools-v6","entry":[{"sequence":")", seq6,
      R"(","action":"permit","ipv6-prefix":"fd00::5/128"},)",
      R"({"sequence":4294967295,"action":"deny","any":[null]}]}]}})");
  auto have = ParsePoolPrefixLists(json);
  ASSERT_THAT(have, IsOk());
  ASSERT_EQ(have->size(), 2u);
  EXPECT_EQ(have->at(IpFamily::kV4).size(), 3u);
  // Only the foreign entry in ironlb's list goes.
  const auto edits = PoolPrefixListEdits(*have, want);
  ASSERT_EQ(edits.size(), 1u);
  EXPECT_EQ(edits[0].op, YangEdit::Op::kDelete);
  EXPECT_THAT(edits[0].xpath, HasSubstr("[name='ironlb-pools-v4']/entry[sequence='7']"));
  have->at(IpFamily::kV4).erase(7);
  EXPECT_THAT(PoolPrefixListEdits(*have, want), IsEmpty());
  // Nothing in FRR yet: both lists are created with every entry.
  auto none = ParsePoolPrefixLists("");
  ASSERT_THAT(none, IsOk());
  const auto fresh = PoolPrefixListEdits(*none, want);
  ASSERT_GE(fresh.size(), 2u);
  EXPECT_EQ(fresh[0].xpath, "/frr-filter:lib/prefix-list[type='ipv4'][name='ironlb-pools-v4']");
  EXPECT_THAT(ParsePoolPrefixLists("{oops"), StatusIs(absl::StatusCode::kInvalidArgument, ""));
}

constexpr char kRunning[] = R"(frr version 8.4
!
ip prefix-list mine seq 5 permit 10.0.0.0/8
!
router bgp 64512
 bgp router-id 10.90.0.1
 neighbor SPEAKERS peer-group
 neighbor SPEAKERS remote-as 64512
 neighbor 10.90.0.11 peer-group SPEAKERS
 neighbor 10.90.0.99 remote-as 65000
 !
 address-family ipv4 unicast
  neighbor SPEAKERS activate
  neighbor 10.90.0.99 prefix-list mine in
 exit-address-family
exit
!
)";

TEST(PoolFilterBindingTest, BindsOnlyWhatIsMissing) {
  auto cmds = PoolFilterBindingCommands(kRunning, "SPEAKERS");
  ASSERT_THAT(cmds, IsOk());
  EXPECT_THAT(*cmds, ElementsAre("router bgp 64512", "address-family ipv4 unicast",
                                 "neighbor SPEAKERS prefix-list ironlb-pools-v4 in",
                                 "exit-address-family", "address-family ipv6 unicast",
                                 "neighbor SPEAKERS prefix-list ironlb-pools-v6 in",
                                 "exit-address-family"));
  std::string bound = kRunning;
  bound.insert(bound.find("  neighbor 10.90.0.99 prefix-list"),
               "  neighbor SPEAKERS prefix-list ironlb-pools-v4 in\n");
  bound.insert(bound.find("exit\n!\n"),
               " address-family ipv6 unicast\n  neighbor SPEAKERS prefix-list ironlb-pools-v6 "
               "in\n exit-address-family\n");
  auto again = PoolFilterBindingCommands(bound, "SPEAKERS");
  ASSERT_THAT(again, IsOk());
  EXPECT_THAT(*again, IsEmpty());
}

TEST(WeightedEcmpBlockerTest, FrrsDefaultsWeighAndWhatStopsItIsNamed) {
  EXPECT_EQ(WeightedEcmpBlocker(kRunning), "");  // FRR's defaults: weighted
  EXPECT_EQ(WeightedEcmpBlocker("frr version 8.4\n!\n"), "");
  std::string ignore = kRunning;
  ignore.insert(ignore.find(" neighbor SPEAKERS peer-group"), " bgp bestpath bandwidth ignore\n");
  EXPECT_THAT(WeightedEcmpBlocker(ignore),
              ::testing::HasSubstr("router bgp 64512 has `bgp bestpath bandwidth ignore`"));
  std::string skip = kRunning;  // skip-missing still weighs when every path has a bandwidth
  skip.insert(skip.find(" neighbor SPEAKERS peer-group"), " bgp bestpath bandwidth skip-missing\n");
  EXPECT_EQ(WeightedEcmpBlocker(skip), "");
  std::string one_path = kRunning;
  one_path.insert(one_path.find("  neighbor SPEAKERS activate"), "  maximum-paths 1\n");
  EXPECT_THAT(WeightedEcmpBlocker(one_path),
              ::testing::HasSubstr("address-family ipv4 unicast: `maximum-paths 1` allows one"));
}

TEST(PoolFilterBindingTest, RefusesClearly) {
  EXPECT_THAT(PoolFilterBindingCommands("frr version 8.4\n!\n", "SPEAKERS"),
              StatusIs(absl::StatusCode::kFailedPrecondition, "no `router bgp"));
  EXPECT_THAT(PoolFilterBindingCommands(kRunning, "NODES"),
              StatusIs(absl::StatusCode::kFailedPrecondition, "no peer group \"NODES\""));
  std::string theirs = kRunning;
  theirs.insert(theirs.find("  neighbor 10.90.0.99 prefix-list"),
                "  neighbor SPEAKERS prefix-list mine in\n");
  EXPECT_THAT(PoolFilterBindingCommands(theirs, "SPEAKERS"),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       "already has an inbound prefix-list (`neighbor SPEAKERS prefix-list mine "
                       "in`)"));
}

TEST(PoolFilterBindingTest, PeerGroupNames) {
  EXPECT_THAT(ValidatePeerGroupName("", "--f"), IsOk());
  EXPECT_THAT(ValidatePeerGroupName("SPEAKERS", "--f"), IsOk());
  EXPECT_THAT(ValidatePeerGroupName("two words", "--f"),
              StatusIs(absl::StatusCode::kInvalidArgument, "--f: \"two words\""));
  EXPECT_THAT(ValidatePeerGroupName("10.0.0.1", "--f"),
              StatusIs(absl::StatusCode::kInvalidArgument, ""));
}

}  // namespace
}  // namespace ironlb::bgp

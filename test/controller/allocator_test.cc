// The incremental engine: what the controller daemon sees as Services and configuration
// change one at a time.
#include "controller/allocator.h"

#include "absl/strings/str_join.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "test/controller/scenario.h"

namespace ironlb::controller {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using P = testing::PoolBuilder;
using S = testing::ServiceBuilder;

std::string Ips(const Allocation& a) {
  return absl::StrJoin(a.addresses, ",",
                       [](std::string* o, const IpAddress& ip) { o->append(ip.ToString()); });
}

config::Config Pools(std::vector<config::AddressPool> pools) {
  config::Config c;
  c.pools = std::move(pools);
  return c;
}

TEST(AllocatorTest, FreedAddressGoesToThePendingService) {
  Allocator a;
  a.SetConfig(Pools({P("one", {"192.0.2.1/32"})}));
  EXPECT_EQ(Ips(a.Upsert(S("ns/a"))), "192.0.2.1");
  const Allocation& b = a.Upsert(S("ns/b"));
  EXPECT_EQ(b.status, AllocationStatus::kPending);
  EXPECT_EQ(b.reason, "pool \"one\" exhausted");
  EXPECT_THAT(a.TakeChanged(), ElementsAre("ns/a", "ns/b"));
  a.Delete("ns/a");
  EXPECT_EQ(a.Find("ns/a"), nullptr);
  EXPECT_EQ(Ips(*a.Find("ns/b")), "192.0.2.1");
  EXPECT_THAT(a.TakeChanged(), ElementsAre("ns/a", "ns/b"));
}

TEST(AllocatorTest, UnchangedUpsertKeepsAndReportsNoChange) {
  Allocator a;
  a.SetConfig(Pools({P("lan", {"192.0.2.0/24"})}));
  a.Upsert(S("ns/a"));
  a.Upsert(S("ns/b"));
  a.TakeChanged();
  a.Delete("ns/a");
  EXPECT_EQ(Ips(a.Upsert(S("ns/b"))), "192.0.2.1");
  EXPECT_THAT(a.TakeChanged(), ElementsAre("ns/a"));
}

TEST(AllocatorTest, CurrentStatusIsHonouredOnFirstSight) {
  Allocator a;
  a.SetConfig(Pools({P("lan", {"192.0.2.0/24"})}));
  EXPECT_EQ(Ips(a.Upsert(S("ns/a").Current({"192.0.2.77"}))), "192.0.2.77");
  // Later status values are the engine's own writes: its decision stands.
  EXPECT_EQ(Ips(a.Upsert(S("ns/a").Current({"192.0.2.99"}))), "192.0.2.77");
}

TEST(AllocatorTest, ChangedServiceThatNowClashesMovesNotItsSharer) {
  Allocator a;
  a.SetConfig(Pools({P("lan", {"192.0.2.0/24"})}));
  a.Upsert(S("ns/a").Share("k").Port(PortProtocol::kTCP, 443));
  EXPECT_EQ(Ips(a.Upsert(S("ns/b").Share("k"))), "192.0.2.0");
  const Allocation& b = a.Upsert(S("ns/b").Share("k").Port(PortProtocol::kTCP, 443));
  EXPECT_EQ(Ips(b), "192.0.2.1");
  EXPECT_THAT(b.release_reason, HasSubstr("port TCP/443 already used on 192.0.2.0 by ns/a"));
  EXPECT_EQ(Ips(*a.Find("ns/a")), "192.0.2.0");
  EXPECT_THAT(a.SharedWith("ns/a"), ElementsAre());
}

TEST(AllocatorTest, ShrinkingAPoolMovesOnlyWhatFellOut) {
  Allocator a;
  a.SetConfig(Pools({P("lan", {"192.0.2.0/29"})}));
  for (const char* k : {"ns/a", "ns/b", "ns/c"}) a.Upsert(S(k));
  a.Upsert(S("ns/d").LoadBalancerIp("192.0.2.7"));
  a.TakeChanged();
  a.SetConfig(Pools({P("lan", {"192.0.2.0/30"})}));
  EXPECT_EQ(Ips(*a.Find("ns/a")), "192.0.2.0");
  EXPECT_EQ(Ips(*a.Find("ns/c")), "192.0.2.2");
  const Allocation* d = a.Find("ns/d");
  EXPECT_EQ(d->status, AllocationStatus::kPending);
  EXPECT_EQ(d->reason, "requested 192.0.2.7 is in no pool");
  EXPECT_THAT(d->release_reason, HasSubstr("192.0.2.7 is in no pool"));
  EXPECT_THAT(a.TakeChanged(), ElementsAre("ns/d"));
}

TEST(AllocatorTest, DeletedPoolReleasesAndReplaces) {
  Allocator a;
  a.SetConfig(Pools({P("a", {"192.0.2.0/30"}), P("b", {"198.51.100.0/30"})}));
  EXPECT_EQ(a.Upsert(S("ns/x")).pool, "a");
  a.SetConfig(Pools({P("b", {"198.51.100.0/30"})}));
  const Allocation* x = a.Find("ns/x");
  EXPECT_EQ(Ips(*x), "198.51.100.0");
  EXPECT_THAT(x->release_reason, HasSubstr("192.0.2.0 is in no pool"));
}

TEST(AllocatorTest, NamespaceLabelsDriveSelectors) {
  Allocator a;
  a.SetConfig(Pools({P("gold", {"10.0.0.0/30"}).Allocation(1, {}, {{"tier", "gold"}})}));
  EXPECT_EQ(a.Upsert(S("shop/a")).status, AllocationStatus::kPending);
  a.SetNamespaceLabels("shop", {{"tier", "gold"}});
  EXPECT_EQ(Ips(*a.Find("shop/a")), "10.0.0.0");
  a.SetNamespaceLabels("shop", {{"tier", "bronze"}});
  EXPECT_EQ(a.Find("shop/a")->status, AllocationStatus::kPending);
  EXPECT_THAT(a.Find("shop/a")->release_reason, HasSubstr("does not serve namespace \"shop\""));
}

TEST(AllocatorTest, TypeChangeReleasesAndFreesForOthers) {
  Allocator a;
  a.SetConfig(Pools({P("one", {"192.0.2.1/32"})}));
  a.Upsert(S("ns/a"));
  a.Upsert(S("ns/b"));
  const Allocation& now = a.Upsert(S("ns/a").Type("NodePort"));
  EXPECT_EQ(now.status, AllocationStatus::kIgnored);
  EXPECT_EQ(Ips(*a.Find("ns/b")), "192.0.2.1");
}

TEST(AllocatorTest, StatsCountWithoutEnumerating) {
  Allocator a;
  a.SetConfig(
      Pools({P("big4", {"10.0.0.0/8"}).AvoidBuggyIps(), P("big6", {"fd00::/64"}).NoAutoAssign()}));
  a.Upsert(S("ns/a"));
  a.Upsert(S("ns/b")
               .Annotation("ironlb.io/pool", "big6")
               .Families({IpFamily::kV6}, FamilyPolicy::kSingleStack));
  auto stats = a.Stats();
  ASSERT_EQ(stats.size(), 2u);
  EXPECT_EQ(stats[0].pool, "big4");
  EXPECT_EQ(Uint128ToString(stats[0].total_v4), "16646144");  // 2^24 minus 2 per 256
  EXPECT_EQ(Uint128ToString(stats[0].in_use_v4), "1");
  EXPECT_EQ(Uint128ToString(stats[1].total_v6), "18446744073709551616");
  EXPECT_EQ(Uint128ToString(stats[1].in_use_v6), "1");
  EXPECT_EQ(Ips(*a.Find("ns/a")), "10.0.0.1");
}

TEST(AllocatorTest, BatchResultDoesNotDependOnArrivalOrder) {
  std::vector<Service> services;
  for (int i = 0; i < 50; ++i) {
    S s("ns/s" + std::to_string(i));
    if (i % 3 == 0) s.Share("k").Port(PortProtocol::kTCP, static_cast<uint16_t>(1000 + i % 7));
    if (i % 5 == 0) s.Current({"192.0.2." + std::to_string(40 - i / 2)});
    services.push_back(s);
  }
  Allocator forward;
  forward.SetConfig(Pools({P("lan", {"192.0.2.0/26"})}));
  forward.UpsertAll(services);
  std::vector<Service> reversed(services.rbegin(), services.rend());
  Allocator backward;
  backward.UpsertAll(reversed);
  backward.SetConfig(Pools({P("lan", {"192.0.2.0/26"})}));
  for (const Service& s : services) {
    EXPECT_EQ(Ips(*forward.Find(s.Key())), Ips(*backward.Find(s.Key()))) << s.Key();
  }
}

}  // namespace
}  // namespace ironlb::controller

// The reconciler's logic against FakeNetlinkTransport (an in-memory nf_tables): bad input
// never reaches the transport, small changes are small, unchanged state sends nothing,
// tampering is repaired, and failed batches name the operation and change nothing. The netns
// tests run the same scenarios against the real kernel.
#include <gtest/gtest.h>
#include <linux/netfilter/nf_tables.h>

#include "nft/reconciler.h"
#include "test/nft/fake_netlink_transport.h"
#include "test/support/status_matchers.h"

namespace ironlb::nft {
namespace {

using ::ironlb::nft::testing::FakeNetlinkTransport;
using ::ironlb::testing::IsOk;
using ::ironlb::testing::StatusIs;

PortForwardEntry Forward(const std::string& name, const std::string& outside, uint16_t port,
                         const std::string& target, uint16_t target_port) {
  PortForwardEntry f;
  f.name = name;
  f.outside_address = *IpAddress::Parse(outside);
  f.port = port;
  f.target_address = *IpAddress::Parse(target);
  f.target_port = target_port;
  return f;
}

DesiredState Sample() {
  DesiredState s;
  s.clamped_vips.push_back({*IpAddress::Parse("192.0.2.10"), 1400, false});
  s.clamped_vips.push_back({*IpAddress::Parse("2001:db8::10"), 0, true});
  s.forwards.push_back(Forward("web", "198.51.100.1", 80, "10.0.0.5", 8080));
  s.guarded_tcp_ports = {50051};
  return s;
}

TEST(NftReconcilerTest, FirstReconcileBuildsTheTableThenNothingChanges) {
  FakeNetlinkTransport fake;
  Reconciler r(&fake);
  auto first = r.Reconcile(Sample());
  ASSERT_THAT(first, IsOk());
  EXPECT_TRUE(first->rebuilt);
  EXPECT_TRUE(fake.table_exists());
  EXPECT_EQ(fake.element_count(kFwd4), 1u);
  EXPECT_EQ(fake.element_count(kMss4), 1u);
  EXPECT_EQ(fake.element_count(kPmtu6), 1u);
  EXPECT_EQ(fake.element_count(kGuardTcp), 1u);
  EXPECT_EQ(fake.batches(), 1);

  auto second = r.Reconcile(Sample());
  ASSERT_THAT(second, IsOk());
  EXPECT_EQ(second->operations, 0u);
  EXPECT_EQ(fake.batches(), 1);  // nothing sent

  // A restarted process adopts the table: reads it back, finds it equal.
  Reconciler restarted(&fake);
  auto adopted = restarted.Reconcile(Sample());
  ASSERT_THAT(adopted, IsOk());
  EXPECT_EQ(adopted->operations, 0u);
  EXPECT_EQ(fake.batches(), 1);
}

TEST(NftReconcilerTest, OneNewForwardIsOneElementOperation) {
  FakeNetlinkTransport fake;
  Reconciler r(&fake);
  DesiredState s = Sample();
  ASSERT_THAT(r.Reconcile(s), IsOk());
  s.forwards.push_back(Forward("api", "198.51.100.1", 443, "10.0.0.6", 8443));
  auto res = r.Reconcile(s);
  ASSERT_THAT(res, IsOk());
  EXPECT_FALSE(res->rebuilt);
  // Its DNAT map element and its traffic-counter element.
  EXPECT_EQ(res->operations, 2u);
  EXPECT_EQ(fake.last_batch_types(),
            (std::vector<uint16_t>{NFT_MSG_NEWSETELEM, NFT_MSG_NEWSETELEM}));
  EXPECT_EQ(fake.element_count(kFwd4), 2u);
  EXPECT_EQ(fake.element_count(kFwdStats4), 2u);

  // Changing a target replaces that one element (delete + add), nothing else: the counter,
  // keyed by the outside port, stays.
  s.forwards.back().target_port = 9443;
  res = r.Reconcile(s);
  ASSERT_THAT(res, IsOk());
  EXPECT_EQ(fake.last_batch_types(),
            (std::vector<uint16_t>{NFT_MSG_DELSETELEM, NFT_MSG_NEWSETELEM}));
  EXPECT_EQ(fake.element_count(kFwd4), 2u);
}

TEST(NftReconcilerTest, TamperingIsRepaired) {
  FakeNetlinkTransport fake;
  Reconciler r(&fake);
  ASSERT_THAT(r.Reconcile(Sample()), IsOk());
  fake.DeleteElementBehindOurBack(kFwd4);
  auto res = r.Reconcile(Sample());
  ASSERT_THAT(res, IsOk());
  EXPECT_EQ(res->elements_added, 1u);
  EXPECT_EQ(fake.element_count(kFwd4), 1u);

  fake.DeleteTableBehindOurBack();
  res = r.Reconcile(Sample());
  ASSERT_THAT(res, IsOk());
  EXPECT_TRUE(res->rebuilt);
  EXPECT_TRUE(fake.table_exists());
  EXPECT_EQ(fake.element_count(kGuardTcp), 1u);
}

TEST(NftReconcilerTest, FailedBatchNamesTheOperationAndChangesNothing) {
  FakeNetlinkTransport fake;
  Reconciler r(&fake);
  fake.FailNextBatch(EOPNOTSUPP);
  auto res = r.Reconcile(Sample());
  EXPECT_THAT(res, StatusIs(absl::StatusCode::kUnimplemented, "add table inet ironlb"));
  EXPECT_THAT(res, StatusIs(absl::StatusCode::kUnimplemented, "lacks an nftables feature"));
  EXPECT_FALSE(fake.table_exists());
  // The next reconcile succeeds from scratch.
  ASSERT_THAT(r.Reconcile(Sample()), IsOk());
  EXPECT_TRUE(fake.table_exists());
}

TEST(NftReconcilerTest, BadInputIsRejectedBeforeTheKernelNamingTheEntry) {
  struct Case {
    const char* what;
    std::function<void(DesiredState&)> spoil;
    const char* message;
  };
  const std::vector<Case> cases = {
      {"mss too small", [](DesiredState& s) { s.clamped_vips[0].mss = 535; },
       "clamped VIP 192.0.2.10: MSS 535 is outside 536..65495"},
      {"mss too large", [](DesiredState& s) { s.clamped_vips[0].mss = 65496; },
       "MSS 65496 is outside"},
      {"wrong family target",
       [](DesiredState& s) { s.forwards[0].target_address = *IpAddress::Parse("2001:db8::5"); },
       "port forward web (198.51.100.1 tcp/80): target address 2001:db8::5 is IPv6 but the "
       "outside address is IPv4"},
      {"port 0", [](DesiredState& s) { s.forwards[0].port = 0; }, "port must not be 0"},
      {"target port 0", [](DesiredState& s) { s.forwards[0].target_port = 0; },
       "port forward web (198.51.100.1 tcp/80): target port must not be 0"},
      {"duplicate outside port",
       [](DesiredState& s) {
         s.forwards.push_back(Forward("web2", "198.51.100.1", 80, "10.0.0.9", 80));
       },
       "port forward web2 (198.51.100.1 tcp/80): outside port already forwarded to "
       "10.0.0.5:8080 by port forward web"},
      {"guard port 0", [](DesiredState& s) { s.guarded_tcp_ports.push_back(0); },
       "port guard: port must not be 0"},
      {"long interface",
       [](DesiredState& s) {
         s.forwards[0].outside_address.reset();
         s.forwards[0].outside_interface = "averyveryverylongname";
       },
       "longer than 15 characters"},
      {"vip listed twice differently",
       [](DesiredState& s) {
         s.clamped_vips.push_back({s.clamped_vips[0].vip, 1300, false});
       },
       "clamped VIP 192.0.2.10: listed twice with different MSS settings"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    FakeNetlinkTransport fake;
    Reconciler r(&fake);
    DesiredState s = Sample();
    c.spoil(s);
    EXPECT_THAT(r.Reconcile(s), StatusIs(absl::StatusCode::kInvalidArgument, c.message));
    EXPECT_EQ(fake.dumps(), 0);
    EXPECT_EQ(fake.batches(), 0);
  }
  // Exact duplicates collapse instead of failing.
  FakeNetlinkTransport fake;
  Reconciler r(&fake);
  DesiredState s = Sample();
  s.forwards.push_back(s.forwards[0]);
  s.clamped_vips.push_back(s.clamped_vips[0]);
  ASSERT_THAT(r.Reconcile(s), IsOk());
  EXPECT_EQ(fake.element_count(kFwd4), 1u);
}

TEST(NftReconcilerTest, SmallChangesAreValidatedToo) {
  FakeNetlinkTransport fake;
  Reconciler r(&fake);
  DesiredState s = Sample();
  ASSERT_THAT(r.Reconcile(s), IsOk());
  const int batches = fake.batches();
  s.forwards.push_back(Forward("clash", "198.51.100.1", 80, "10.0.0.7", 80));
  EXPECT_THAT(r.Reconcile(s),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "port forward clash (198.51.100.1 tcp/80): outside port already forwarded "
                       "to 10.0.0.5:8080 by port forward web"));
  s.forwards.back() = Forward("zero", "198.51.100.1", 0, "10.0.0.7", 80);
  EXPECT_THAT(r.Reconcile(s), StatusIs(absl::StatusCode::kInvalidArgument, "port forward zero"));
  s.forwards.pop_back();
  s.clamped_vips.push_back({*IpAddress::Parse("192.0.2.10"), 1300, false});
  EXPECT_THAT(r.Reconcile(s),
              StatusIs(absl::StatusCode::kInvalidArgument, "clamped VIP 192.0.2.10: listed twice"));
  EXPECT_EQ(fake.batches(), batches);
}

// The fast path (few entries changed) must leave exactly the elements a from-scratch reconcile
// of the same state leaves: random edits, including shared source-NAT targets, duplicates,
// VIPs moving between fixed MSS and pmtu, and changes larger than the fast-path limit.
TEST(NftReconcilerTest, FastPathEqualsFullReconcileUnderRandomEdits) {
  FakeNetlinkTransport fake;
  Reconciler r(&fake);
  DesiredState s;
  for (int i = 0; i < 200; ++i) {
    s.forwards.push_back(
        Forward("f" + std::to_string(i), "198.51.100.1", static_cast<uint16_t>(1000 + i),
                "10.0.0." + std::to_string(i % 7 + 1), static_cast<uint16_t>(80 + i % 3)));
    s.forwards.back().source_nat = i % 2 == 0;
    s.clamped_vips.push_back(
        {*IpAddress::Parse("192.0.2." + std::to_string(i + 1)), 1200u + i % 5, i % 4 == 0});
  }
  ASSERT_THAT(r.Reconcile(s), IsOk());
  uint32_t rng = 12345;
  auto next = [&rng](uint32_t n) {
    rng = rng * 1103515245u + 12345u;
    return n == 0 ? 0u : (rng >> 8) % n;
  };
  int fast_batches = 0;
  for (int step = 0; step < 300; ++step) {
    SCOPED_TRACE(step);
    DesiredState t = s;
    const uint32_t kind = next(8);
    const size_t fi = next(static_cast<uint32_t>(t.forwards.size()));
    const size_t vi = next(static_cast<uint32_t>(t.clamped_vips.size()));
    switch (kind) {
      case 0:  // new forward at the end
        t.forwards.push_back(Forward("n" + std::to_string(step), "198.51.100.2",
                                     static_cast<uint16_t>(2000 + step), "10.0.0.9", 443));
        t.forwards.back().source_nat = next(2) == 0;
        break;
      case 1:  // remove one in the middle
        t.forwards.erase(t.forwards.begin() + static_cast<long>(fi));
        break;
      case 2:  // retarget / toggle snat
        t.forwards[fi].target_port = static_cast<uint16_t>(t.forwards[fi].target_port + 1);
        t.forwards[fi].source_nat = !t.forwards[fi].source_nat;
        break;
      case 3:  // exact duplicate
        t.forwards.push_back(t.forwards[fi]);
        break;
      case 4:  // VIP between fixed and pmtu, or new MSS
        t.clamped_vips[vi].pmtu = !t.clamped_vips[vi].pmtu;
        t.clamped_vips[vi].mss = 1300 + next(100);
        break;
      case 5:  // VIP removed
        t.clamped_vips.erase(t.clamped_vips.begin() + static_cast<long>(vi));
        break;
      case 6:  // big change: beyond the fast-path limit
        if (t.forwards.size() > 120) {
          t.forwards.resize(t.forwards.size() - 80);
        } else {
          for (int k = 0; k < 80; ++k) {
            t.forwards.push_back(Forward("b" + std::to_string(step * 100 + k), "198.51.100.3",
                                         static_cast<uint16_t>(10000 + step * 100 + k), "10.0.0.8",
                                         80));
          }
        }
        break;
      default:  // VIP duplicate
        t.clamped_vips.push_back(t.clamped_vips[vi]);
        break;
    }
    if (!ValidateDesiredState(t).ok()) continue;
    auto res = r.Reconcile(t);
    ASSERT_THAT(res, IsOk());
    if (res->operations > 0 && !res->rebuilt) ++fast_batches;
    s = t;
    FakeNetlinkTransport fresh;
    Reconciler scratch(&fresh);
    ASSERT_THAT(scratch.Reconcile(s), IsOk());
    ASSERT_EQ(fake.AllElements(), fresh.AllElements());
  }
  EXPECT_GT(fast_batches, 100);
}

TEST(NftReconcilerTest, CleanupRemovesTheTable) {
  FakeNetlinkTransport fake;
  Reconciler r(&fake);
  ASSERT_THAT(r.Reconcile(Sample()), IsOk());
  ASSERT_THAT(r.Cleanup(), IsOk());
  EXPECT_FALSE(fake.table_exists());
  EXPECT_THAT(r.Cleanup(), IsOk());
}

}  // namespace
}  // namespace ironlb::nft

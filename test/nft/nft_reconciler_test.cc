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
  EXPECT_EQ(res->operations, 1u);
  EXPECT_EQ(fake.last_batch_types(), std::vector<uint16_t>{NFT_MSG_NEWSETELEM});
  EXPECT_EQ(fake.element_count(kFwd4), 2u);

  // Changing a target replaces that one element (delete + add), nothing else.
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

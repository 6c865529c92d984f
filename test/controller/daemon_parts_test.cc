// The controller daemon's pure parts: what must change on a Service to show an allocation,
// the trimmed Service the cache keeps, the per-object last-good configuration, and the
// dirty-key queue.
#include "absl/time/clock.h"
#include "config/loader.h"
#include "controller/config_assembler.h"
#include "controller/dirty_queue.h"
#include "controller/service_decoder.h"
#include "controller/service_fields.h"
#include "controller/service_status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "test/controller/api_objects.h"

namespace ironlb::controller::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

Allocation Assigned(const std::vector<std::string>& ips, const std::string& pool) {
  Allocation a{.status = AllocationStatus::kAssigned, .pool = pool};
  for (const std::string& ip : ips) a.addresses.push_back(*IpAddress::Parse(ip));
  return a;
}

json Showing(const std::vector<std::string>& ips, const std::string& pool, bool ip_mode = true) {
  json s = ServiceJson("shop", "web");
  json ingress = json::array();
  for (const std::string& ip : ips) {
    json e = {{"ip", ip}};
    if (ip_mode) e["ipMode"] = "VIP";
    ingress.push_back(e);
  }
  if (!ips.empty()) s["status"]["loadBalancer"]["ingress"] = ingress;
  if (!pool.empty()) s["metadata"]["annotations"]["ironlb.io/allocated-from-pool"] = pool;
  return s;
}

TEST(ServiceStatusTest, AssignedAddressesAreWrittenWithIpModeVipAndThePoolAnnotation) {
  const ServiceChange c = ChangeFor(Showing({}, ""), Assigned({"10.0.0.1", "fd00::1"}, "lan"));
  ASSERT_TRUE(c.ingress);
  EXPECT_EQ(*c.ingress, json::parse(R"([{"ip":"10.0.0.1","ipMode":"VIP"},
                                        {"ip":"fd00::1","ipMode":"VIP"}])"));
  ASSERT_TRUE(c.pool_annotation);
  EXPECT_EQ(*c.pool_annotation, "lan");
}

TEST(ServiceStatusTest, NothingToWriteWhenTheServiceShowsItAlready) {
  EXPECT_TRUE(ChangeFor(Showing({"10.0.0.1"}, "lan"), Assigned({"10.0.0.1"}, "lan")).empty());
  // API servers before 1.30 drop ipMode: that must not make the controller write forever.
  EXPECT_TRUE(
      ChangeFor(Showing({"10.0.0.1"}, "lan", false), Assigned({"10.0.0.1"}, "lan")).empty());
}

TEST(ServiceStatusTest, PendingClearsAddressesAndAnnotation) {
  const ServiceChange c = ChangeFor(Showing({"10.0.0.1"}, "lan"), Allocation{});
  ASSERT_TRUE(c.ingress);
  EXPECT_THAT(*c.ingress, IsEmpty());
  ASSERT_TRUE(c.pool_annotation);
  EXPECT_FALSE(c.pool_annotation->has_value());
  json s = Showing({"10.0.0.1"}, "lan");
  SetIngress(s, *c.ingress);
  EXPECT_EQ(s["status"], json::parse(R"({"loadBalancer":{}})"));
}

TEST(ServiceStatusTest, IgnoredServicesAreLeftAloneUnlessIronlbAssignedThem) {
  const Allocation ignored{.status = AllocationStatus::kIgnored, .reason = "other class"};
  EXPECT_TRUE(ChangeFor(Showing({"192.0.2.1"}, ""), ignored).empty());
  const ServiceChange c = ChangeFor(Showing({"10.0.0.1"}, "lan"), ignored);
  EXPECT_TRUE(c.ingress && c.ingress->empty());
  EXPECT_TRUE(c.pool_annotation && !c.pool_annotation->has_value());
}

TEST(ServiceFieldsTest, TrimmedServiceDecodesTheSameAndDropsTheRest) {
  json full = ServiceJson("shop", "web", {80, 443}, {{"ironlb.io/sharing-key", "k"}});
  full["metadata"]["managedFields"] = json::array({{{"manager", "kubectl"}}});
  full["metadata"]["annotations"]["kubectl.kubernetes.io/last-applied-configuration"] = "{...}";
  full["spec"]["loadBalancerClass"] = "ironlb.io/lb";
  full["status"]["loadBalancer"]["ingress"] = {{{"ip", "10.0.0.1"}, {"ipMode", "VIP"}}};
  const json trimmed = KeepServiceFields(full);
  EXPECT_FALSE(trimmed["metadata"].contains("managedFields"));
  EXPECT_FALSE(trimmed["metadata"]["annotations"].contains(
      "kubectl.kubernetes.io/last-applied-configuration"));
  EXPECT_FALSE(trimmed["spec"].contains("clusterIP"));
  EXPECT_EQ(trimmed["spec"]["ports"][0], json::parse(R"({"port":80,"protocol":"TCP"})"));
  std::vector<config::Diagnostic> problems;
  auto a = DecodeService({.object = full}, &problems);
  auto b = DecodeService({.object = trimmed}, &problems);
  EXPECT_THAT(problems, IsEmpty());
  ASSERT_TRUE(a && b);
  a->annotations.erase("kubectl.kubernetes.io/last-applied-configuration");  // dropped on purpose
  EXPECT_EQ(*a, *b);
}

json Pool(const std::string& name, std::vector<std::string> addresses) {
  return PoolJson(name, std::move(addresses));
}

TEST(ConfigAssemblerTest, ABadEditKeepsTheObjectsLastGoodVersionAndTheRestApplies) {
  ConfigAssembler assembler;
  ConfigAssembly first = assembler.Assemble({Pool("lan", {"10.0.0.0/24"})});
  ASSERT_TRUE(first.config);
  EXPECT_THAT(first.rejected, IsEmpty());

  ConfigAssembly second = assembler.Assemble(
      {Pool("lan", {"10.0.0.9-10.0.0.1"}), Pool("dmz", {"10.1.0.0/24"}), Pool("new", {"bad"})});
  ASSERT_TRUE(second.config);
  ASSERT_EQ(second.config->pools.size(), 2u);  // lan (last good) and dmz; "new" never was good
  const config::AddressPool* lan = second.config->FindPool("lan");
  ASSERT_NE(lan, nullptr);
  EXPECT_THAT(lan->address_texts, ElementsAre("10.0.0.0/24"));
  ASSERT_EQ(second.rejected.count("AddressPool/lan"), 1u);
  EXPECT_EQ(second.rejected["AddressPool/lan"][0].field, "spec.addresses[0]");
  EXPECT_EQ(second.rejected.count("AddressPool/new"), 1u);
  EXPECT_NE(second.fingerprint, first.fingerprint);

  // Status changes are not configuration changes.
  json with_status = Pool("dmz", {"10.1.0.0/24"});
  with_status["status"] = {{"conditions", json::array()}};
  ConfigAssembly third =
      assembler.Assemble({Pool("lan", {"10.0.0.9-10.0.0.1"}), with_status, Pool("new", {"bad"})});
  EXPECT_EQ(third.fingerprint, second.fingerprint);
}

TEST(ConfigAssemblerTest, WhenTheRestCannotStandAloneNothingNewApplies) {
  ConfigAssembler assembler;
  ASSERT_TRUE(assembler.Assemble({Pool("lan", {"10.0.0.0/24"})}).config);
  // "b" overlaps "lan": both are named by the error, and "b" has no good version.
  ConfigAssembly next =
      assembler.Assemble({Pool("lan", {"10.0.0.0/24"}), Pool("b", {"10.0.0.128/25"})});
  ASSERT_TRUE(next.config);
  EXPECT_EQ(next.config->pools.size(), 1u);
  EXPECT_FALSE(next.rejected.empty());
}

TEST(DirtyQueueTest, KeysAreTakenOnceSortedAndDelayedOnesLater) {
  DirtyQueue q;
  q.Mark("svc/b");
  q.Mark("svc/a");
  q.Mark("svc/b");
  q.MarkAfter("svc/c", absl::Milliseconds(100));
  EXPECT_THAT(q.Take(absl::Seconds(1)), ElementsAre("svc/a", "svc/b"));
  const absl::Time start = absl::Now();
  EXPECT_THAT(q.Take(absl::Seconds(5)), ElementsAre("svc/c"));
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(90));
  EXPECT_THAT(q.Take(absl::Milliseconds(10)), IsEmpty());
  q.Wake();
  EXPECT_THAT(q.Take(absl::Seconds(5)), IsEmpty());  // returns at once
}

}  // namespace
}  // namespace ironlb::controller::testing

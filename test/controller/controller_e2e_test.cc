// The controller end to end against the fake API server, in one process: Services get
// addresses written into their status, restarts keep them, sharing, pool deletion, release on
// delete / type change / class change, and configuration objects that fail validation.
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/ip.h"
#include "common/metrics.h"
#include "controller/controller_daemon.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "test/controller/api_objects.h"
#include "test/kube/fake_api_server.h"
#include "test/kube/kube_test_util.h"
#include "test/support/status_matchers.h"

namespace ironlb::controller::testing {
namespace {

using ::ironlb::kube::testing::ClientFor;
using ::ironlb::kube::testing::FakeApiServer;
using ::ironlb::testing::IsOk;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

class ControllerE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto server = FakeApiServer::Start();
    ASSERT_THAT(server, IsOk());
    server_ = *std::move(server);
    client_ = ClientFor(*server_);
  }
  void TearDown() override {
    if (daemon_) daemon_->Stop();
  }

  void StartController(std::optional<std::string> lb_class = std::nullopt) {
    registry_ = std::make_unique<metrics::Registry>();
    auto daemon =
        ControllerDaemon::Create(client_.get(), *registry_,
                                 ControllerDaemonOptions{.ns = kSystemNamespace,
                                                         .identity = "test-controller",
                                                         .load_balancer_class = lb_class});
    ASSERT_THAT(daemon, IsOk());
    daemon_ = *std::move(daemon);
    daemon_->Start();
  }
  void StopController() {
    daemon_->Stop();
    daemon_.reset();
  }
  std::vector<std::string> Ips(const std::string& ns, const std::string& name) {
    auto s = server_->Object(kServices, ns, name);
    return s ? IngressIps(*s) : std::vector<std::string>{};
  }
  json Service(const std::string& ns, const std::string& name) {
    return server_->Object(kServices, ns, name).value_or(json());
  }
  bool Settled() { return daemon_->WritesIdle(); }

  std::unique_ptr<FakeApiServer> server_;
  std::unique_ptr<kube::Client> client_;
  std::unique_ptr<metrics::Registry> registry_;
  std::unique_ptr<ControllerDaemon> daemon_;
};

// Polls every 50 ms: reading a thousand Services from the fake server holds its lock, and
// polling faster would slow down the controller under test.
bool Eventually(const std::function<bool()>& condition,
                absl::Duration timeout = absl::Seconds(10)) {
  const absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    if (condition()) return true;
    absl::SleepFor(absl::Milliseconds(50));
  }
  return condition();
}

std::string Name(int i) { return absl::StrFormat("svc-%04d", i); }

TEST_F(ControllerE2eTest, AThousandServicesGetDistinctAddressesWithStatusAnnotationAndEvent) {
  server_->Put(kPools, PoolJson("lan", {"10.20.0.0/22"}));
  for (int i = 0; i < 1000; ++i) server_->Put(kServices, ServiceJson("shop", Name(i)));
  StartController();
  ASSERT_TRUE(Eventually([&] { return Assigned(*server_).size() == 1000; }, absl::Seconds(60)))
      << Assigned(*server_).size() << " of 1000 assigned";
  ASSERT_TRUE(Eventually([&] { return Settled(); }));
  std::set<std::string> seen;
  const IpRange pool = *IpRange::Parse("10.20.0.0/22");
  for (const json& s : server_->Objects(kServices)) {
    const std::vector<std::string> ips = IngressIps(s);
    ASSERT_THAT(ips, SizeIs(1)) << KeyOf(s);
    EXPECT_TRUE(seen.insert(ips[0]).second) << ips[0] << " given twice";
    EXPECT_TRUE(pool.Contains(*IpAddress::Parse(ips[0]))) << ips[0];
    EXPECT_EQ(s["status"]["loadBalancer"]["ingress"][0]["ipMode"], "VIP");
    EXPECT_EQ(PoolAnnotation(s), "lan") << KeyOf(s);
  }
  EXPECT_THAT(EventsAbout(*server_, "Service", "shop", Name(7)),
              ElementsAre(absl::StrCat("Normal IPAllocated: Assigned IP ", Ips("shop", Name(7))[0],
                                       " from pool lan")));
  const std::string metrics = registry_->Render();
  EXPECT_THAT(metrics, HasSubstr("ironlb_controller_services{state=\"assigned\"} 1000\n"));
  EXPECT_THAT(metrics,
              HasSubstr("ironlb_controller_pool_addresses_in_use{pool=\"lan\",family=\"ipv4\"} "
                        "1000\n"));
  EXPECT_THAT(metrics,
              HasSubstr("ironlb_controller_pool_addresses{pool=\"lan\",family=\"ipv4\"} 1024\n"));
}

TEST_F(ControllerE2eTest, RestartChangesNoAddressEvenWhenTheLowestOnesFreedMeanwhile) {
  server_->Put(kPools, PoolJson("lan", {"10.20.0.0/22"}));
  for (int i = 0; i < 1000; ++i) server_->Put(kServices, ServiceJson("shop", Name(i)));
  StartController();
  ASSERT_TRUE(Eventually([&] { return Assigned(*server_).size() == 1000; }, absl::Seconds(60)));
  ASSERT_TRUE(Eventually([&] { return Settled(); }));
  StopController();
  std::map<std::string, std::vector<std::string>> before = Assigned(*server_);

  // While no controller runs: the first ten Services go (freeing the lowest addresses), one
  // lost its annotation (a crash between the two writes), and five new ones arrive.
  for (int i = 0; i < 10; ++i) {
    server_->Remove(kServices, "shop", Name(i));
    before.erase(absl::StrCat("shop/", Name(i)));
  }
  json half = Service("shop", Name(500));
  half["metadata"]["annotations"].erase("ironlb.io/allocated-from-pool");
  server_->Put(kServices, half);
  for (int i = 1000; i < 1005; ++i) server_->Put(kServices, ServiceJson("shop", Name(i)));

  StartController();
  ASSERT_TRUE(Eventually([&] { return Assigned(*server_).size() == 995; }, absl::Seconds(30)));
  ASSERT_TRUE(Eventually([&] { return Settled(); }));
  const auto after = Assigned(*server_);
  int changed = 0;
  for (const auto& [key, ips] : before) changed += after.at(key) != ips;
  EXPECT_EQ(changed, 0);
  EXPECT_EQ(PoolAnnotation(Service("shop", Name(500))), "lan");
  // The newcomers got the freed addresses, and no kept Service got a second Event.
  EXPECT_EQ(Ips("shop", Name(1000)), Ips("shop", Name(1000)));
  EXPECT_THAT(EventsAbout(*server_, "Service", "shop", Name(600)), SizeIs(1));
}

TEST_F(ControllerE2eTest, SharingKeysPutServicesOnOneAddressOnlyWhenPortsDoNotClash) {
  server_->Put(kPools, PoolJson("lan", {"10.20.0.10-10.20.0.20"}));
  const std::map<std::string, std::string> share = {{"ironlb.io/sharing-key", "web"}};
  const std::map<std::string, std::string> metallb = {{"metallb.io/allow-shared-ip", "web"}};
  server_->Put(kServices, ServiceJson("shop", "http", {80}, share));
  server_->Put(kServices, ServiceJson("shop", "https", {443}, metallb));
  server_->Put(kServices, ServiceJson("shop", "http-alt", {80}, share));  // port 80 taken
  server_->Put(kServices, ServiceJson("shop", "plain", {8080}));          // no key
  // Another namespace shares too, as in MetalLB (restrictSharingToNamespace opts out).
  server_->Put(kServices, ServiceJson("other", "http", {8443}, share));
  StartController();
  ASSERT_TRUE(Eventually([&] { return Assigned(*server_).size() == 5; }));
  EXPECT_EQ(Ips("shop", "http"), Ips("shop", "https"));
  EXPECT_NE(Ips("shop", "http"), Ips("shop", "http-alt"));
  EXPECT_NE(Ips("shop", "http"), Ips("shop", "plain"));
  EXPECT_EQ(Ips("shop", "http"), Ips("other", "http"));
  ASSERT_TRUE(Eventually([&] { return Settled(); }));
  EXPECT_THAT(EventsAbout(*server_, "Service", "shop", "https"),
              ElementsAre(HasSubstr("(shared with other/http, shop/http)")));
}

TEST_F(ControllerE2eTest, DeletedPoolMovesServicesOrLeavesThemPendingWithTheReason) {
  server_->Put(kPools, PoolJson("a", {"10.20.1.0/30"}, {{"serviceAllocation", {{"priority", 1}}}}));
  server_->Put(kPools, PoolJson("b", {"10.20.2.0/24"}));
  server_->Put(kServices, ServiceJson("shop", "auto"));
  server_->Put(kServices, ServiceJson("shop", "pinned", {80}, {{"ironlb.io/pool", "a"}}));
  StartController();
  ASSERT_TRUE(Eventually([&] { return Assigned(*server_).size() == 2; }));
  ASSERT_TRUE(Eventually([&] { return Settled(); }));  // the annotation follows the status
  EXPECT_EQ(PoolAnnotation(Service("shop", "auto")), "a");
  const std::vector<std::string> pinned_ip = Ips("shop", "pinned");

  server_->Remove(kPools, kSystemNamespace, "a");
  ASSERT_TRUE(Eventually([&] {
    return PoolAnnotation(Service("shop", "auto")) == "b" && Ips("shop", "pinned").empty();
  })) << Service("shop", "pinned").dump();
  ASSERT_TRUE(Eventually([&] { return Settled(); }));
  EXPECT_TRUE(IpRange::Parse("10.20.2.0/24")->Contains(*IpAddress::Parse(Ips("shop", "auto")[0])));
  EXPECT_EQ(PoolAnnotation(Service("shop", "pinned")), "");
  ASSERT_TRUE(Eventually([&] { return Settled(); }));
  const std::vector<std::string> events = EventsAbout(*server_, "Service", "shop", "pinned");
  EXPECT_THAT(events,
              Contains(HasSubstr(absl::StrCat("Normal IPReleased: Released ", pinned_ip[0]))))
      << ::testing::PrintToString(events);
  EXPECT_THAT(events,
              Contains("Warning AllocationFailed: No IP assigned: pool \"a\" does not exist"));
  EXPECT_THAT(EventsAbout(*server_, "Service", "shop", "auto"),
              Contains(HasSubstr("Normal IPAllocated: Assigned IP 10.20.2.")));
}

TEST_F(ControllerE2eTest, DeleteTypeChangeAndClassChangeReleaseAddressesToWaitingServices) {
  server_->Put(kPools, PoolJson("tiny", {"10.20.3.1-10.20.3.3"}));
  for (const char* name : {"a", "b", "c", "d", "e", "f"}) {
    server_->Put(kServices, ServiceJson("shop", name));
  }
  StartController();
  ASSERT_TRUE(Eventually([&] { return Assigned(*server_).size() == 3; }));
  ASSERT_TRUE(Eventually([&] { return Settled(); }));
  EXPECT_THAT(EventsAbout(*server_, "Service", "shop", "f"),
              ElementsAre(HasSubstr("Warning AllocationFailed: No IP assigned:")));
  const auto first = Assigned(*server_);
  ASSERT_EQ(first.count("shop/a"), 1u);

  server_->Remove(kServices, "shop", "a");
  json b = Service("shop", "b");
  b["spec"]["type"] = "ClusterIP";
  server_->Put(kServices, b);
  json c = Service("shop", "c");
  c["spec"]["loadBalancerClass"] = "example.com/other";
  server_->Put(kServices, c);
  ASSERT_TRUE(Eventually([&] {
    auto now = Assigned(*server_);
    return now.size() == 3 && now.count("shop/d") && now.count("shop/e") && now.count("shop/f");
  })) << ::testing::PrintToString(Assigned(*server_));
  ASSERT_TRUE(Eventually([&] { return Settled(); }));  // the annotation follows the status
  EXPECT_THAT(Ips("shop", "b"), IsEmpty());
  EXPECT_EQ(PoolAnnotation(Service("shop", "b")), "");
  EXPECT_THAT(Ips("shop", "c"), IsEmpty());
  ASSERT_TRUE(Eventually([&] { return Settled(); }));
  EXPECT_THAT(EventsAbout(*server_, "Service", "shop", "b"),
              Contains(HasSubstr("Normal IPReleased: Released 10.20.3.")));
  EXPECT_THAT(EventsAbout(*server_, "Service", "shop", "a"),
              Contains(HasSubstr(": the Service was deleted")));
}

TEST_F(ControllerE2eTest, OtherClassesAreLeftAloneAndTheClassFlagSelects) {
  server_->Put(kPools, PoolJson("lan", {"10.20.4.0/24"}));
  json mine = ServiceJson("shop", "mine");
  mine["spec"]["loadBalancerClass"] = "ironlb.io/lb";
  server_->Put(kServices, mine);
  json theirs = ServiceJson("shop", "theirs");
  theirs["status"]["loadBalancer"]["ingress"] = {{{"ip", "192.0.2.1"}}};
  server_->Put(kServices, theirs);  // no class: somebody else's, with its own status
  StartController("ironlb.io/lb");
  ASSERT_TRUE(Eventually([&] { return !Ips("shop", "mine").empty(); }));
  ASSERT_TRUE(Eventually([&] { return Settled(); }));
  EXPECT_THAT(Ips("shop", "theirs"), ElementsAre("192.0.2.1"));
  EXPECT_THAT(EventsAbout(*server_, "Service", "shop", "theirs"), IsEmpty());
}

TEST_F(ControllerE2eTest, NamespaceLabelsSteerPoolSelection) {
  server_->Put(kPools, PoolJson("general", {"10.20.5.0/24"}));
  server_->Put(
      kPools,
      PoolJson(
          "prod", {"10.20.6.0/24"},
          {{"serviceAllocation",
            {{"priority", 1}, {"namespaceSelectors", {{{"matchLabels", {{"tier", "prod"}}}}}}}}}));
  server_->Put(kNamespaces, NamespaceJson("shop", {{"tier", "prod"}}));
  server_->Put(kNamespaces, NamespaceJson("lab", {}));
  server_->Put(kServices, ServiceJson("shop", "web"));
  server_->Put(kServices, ServiceJson("lab", "web"));
  StartController();
  ASSERT_TRUE(Eventually([&] { return Assigned(*server_).size() == 2; }));
  // The pool annotation is a patch of its own, after the status: wait until writes are done.
  ASSERT_TRUE(Eventually([&] { return Settled(); }));
  EXPECT_EQ(PoolAnnotation(Service("shop", "web")), "prod");
  EXPECT_EQ(PoolAnnotation(Service("lab", "web")), "general");
  // A namespace labelled later: its new Services come from the matching pool. The Namespace
  // and the Service arrive on different watches, in no set order (as from a real API server):
  // first a Service that can only get an address from "prod" tells that the controller has
  // seen the label.
  server_->Put(kNamespaces, NamespaceJson("lab", {{"tier", "prod"}}));
  server_->Put(kServices, ServiceJson("lab", "probe", {80}, {{"ironlb.io/pool", "prod"}}));
  ASSERT_TRUE(Eventually([&] { return PoolAnnotation(Service("lab", "probe")) == "prod"; }));
  server_->Put(kServices, ServiceJson("lab", "api"));
  ASSERT_TRUE(Eventually([&] { return PoolAnnotation(Service("lab", "api")) == "prod"; }));
  EXPECT_EQ(PoolAnnotation(Service("lab", "web")), "general");  // kept: still valid there
}

json AcceptedCondition(const FakeApiServer& server, const std::string& pool) {
  auto object = server.Object(kPools, kSystemNamespace, pool);
  if (!object) return json::object();
  for (const json& c : object->value("status", json::object()).value("conditions", json::array())) {
    if (c.value("type", "") == "Accepted") return c;
  }
  return json::object();
}

TEST_F(ControllerE2eTest, BadConfigObjectGetsEventAndConditionNamingTheFieldAndLastGoodStays) {
  server_->Put(kPools, PoolJson("lan", {"10.20.7.0/24"}));
  server_->Put(kServices, ServiceJson("shop", "a"));
  StartController();
  ASSERT_TRUE(Eventually([&] { return !Ips("shop", "a").empty(); }));
  ASSERT_TRUE(
      Eventually([&] { return AcceptedCondition(*server_, "lan").value("status", "") == "True"; }));
  const std::vector<std::string> a_ip = Ips("shop", "a");

  // An edit that breaks the pool, a new pool that never was valid, and a good new pool.
  server_->Put(kPools, PoolJson("lan", {"10.20.7.0/24", "10.20.9.9-10.20.9.1"}));
  server_->Put(kPools, PoolJson("broken", {"10.20.10.0/24"}, {{"tcpMSS", 10}}));
  server_->Put(kPools, PoolJson("extra", {"10.20.8.0/24"}, {{"autoAssign", false}}));
  ASSERT_TRUE(Eventually([&] {
    return AcceptedCondition(*server_, "lan").value("status", "") == "False" &&
           AcceptedCondition(*server_, "broken").value("status", "") == "False" &&
           AcceptedCondition(*server_, "extra").value("status", "") == "True";
  })) << server_->Object(kPools, kSystemNamespace, "lan")->dump();
  EXPECT_THAT(AcceptedCondition(*server_, "lan").value("message", ""),
              HasSubstr("spec.addresses[1]: "));
  EXPECT_THAT(AcceptedCondition(*server_, "broken").value("message", ""),
              HasSubstr("spec.tcpMSS: "));
  ASSERT_TRUE(Eventually([&] {
    return !EventsAbout(*server_, "AddressPool", kSystemNamespace, "lan").empty() &&
           !EventsAbout(*server_, "AddressPool", kSystemNamespace, "broken").empty();
  }));
  EXPECT_THAT(EventsAbout(*server_, "AddressPool", kSystemNamespace, "lan"),
              ElementsAre(HasSubstr("Warning InvalidConfiguration: spec.addresses[1]: ")));
  EXPECT_THAT(EventsAbout(*server_, "AddressPool", kSystemNamespace, "broken"),
              ElementsAre(HasSubstr("Warning InvalidConfiguration: spec.tcpMSS: ")));

  // Everything else goes on: the last good "lan" serves new Services, "extra" is in force.
  server_->Put(kServices, ServiceJson("shop", "b"));
  server_->Put(kServices, ServiceJson("shop", "c", {80}, {{"ironlb.io/pool", "extra"}}));
  ASSERT_TRUE(Eventually([&] { return !Ips("shop", "b").empty() && !Ips("shop", "c").empty(); }));
  EXPECT_TRUE(IpRange::Parse("10.20.7.0/24")->Contains(*IpAddress::Parse(Ips("shop", "b")[0])));
  EXPECT_TRUE(IpRange::Parse("10.20.8.0/24")->Contains(*IpAddress::Parse(Ips("shop", "c")[0])));
  EXPECT_EQ(Ips("shop", "a"), a_ip);

  // Fixed: accepted again, and nothing moved.
  server_->Put(kPools, PoolJson("lan", {"10.20.7.0/24", "10.20.9.1-10.20.9.9"}));
  ASSERT_TRUE(
      Eventually([&] { return AcceptedCondition(*server_, "lan").value("status", "") == "True"; }));
  EXPECT_EQ(Ips("shop", "a"), a_ip);
}

TEST_F(ControllerE2eTest, StandbyTakesOverAGracefulHandoverAtOnceWithoutMovingAnyAddress) {
  server_->Put(kPools, PoolJson("lan", {"10.20.11.0/24"}));
  for (int i = 0; i < 50; ++i) server_->Put(kServices, ServiceJson("shop", Name(i)));
  auto make = [&](const std::string& identity, metrics::Registry& registry) {
    auto d =
        ControllerDaemon::Create(client_.get(), registry,
                                 ControllerDaemonOptions{.ns = kSystemNamespace,
                                                         .identity = identity,
                                                         .leader_elect = true,
                                                         // A minute: taking over in the 10 s
                                                         // below needs the handed-back Lease.
                                                         .lease_duration = absl::Minutes(1),
                                                         .renew_deadline = absl::Seconds(2),
                                                         .retry_period = absl::Milliseconds(300)});
    EXPECT_THAT(d, IsOk());
    return d.ok() ? *std::move(d) : nullptr;
  };
  metrics::Registry ra, rb;
  std::unique_ptr<ControllerDaemon> a = make("replica-a", ra);
  std::unique_ptr<ControllerDaemon> b = make("replica-b", rb);
  a->Start();
  ASSERT_TRUE(Eventually([&] { return a->IsLeader(); }));
  b->Start();
  ASSERT_TRUE(Eventually([&] { return Assigned(*server_).size() == 50; }));
  EXPECT_FALSE(b->IsLeader());
  EXPECT_THAT(rb.Render(), HasSubstr("ironlb_controller_leader 0\n"));
  const auto before = Assigned(*server_);

  a->Stop();  // hands the Lease back
  server_->Put(kServices, ServiceJson("shop", "late"));
  ASSERT_TRUE(Eventually([&] { return b->IsLeader() && !Ips("shop", "late").empty(); }));
  auto after = Assigned(*server_);
  after.erase("shop/late");
  EXPECT_EQ(after, before);
  EXPECT_THAT(rb.Render(), HasSubstr("ironlb_controller_leader 1\n"));
  b->Stop();
}

}  // namespace
}  // namespace ironlb::controller::testing

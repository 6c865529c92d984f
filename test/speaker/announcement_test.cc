// ServiceAnnouncements: what this node publishes (pure), and the publisher against the fake API
// server — writes only on change, deletes what is no longer true (also what a previous run
// left), retries after failures, withdraws everything at graceful stop.
#include <algorithm>
#include <map>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "speaker/kube/announcement_plan.h"
#include "speaker/kube/announcement_publisher.h"
#include "test/kube/fake_api_server.h"
#include "test/kube/kube_test_util.h"

namespace ironlb::speaker {
namespace {

using kube::testing::Eventually;
using kube::testing::FakeApiServer;
using nlohmann::json;
using ::testing::ElementsAre;
using ::testing::SizeIs;

constexpr char kCollection[] = "ironlb.io/v1alpha1/serviceannouncements";

IpAddress Ip(const char* s) { return *IpAddress::Parse(s); }

AssignedServices Plan() {
  AssignedServices plan;
  auto assigned = [](const std::string& key, std::vector<IpAddress> ips) {
    AssignedService s{.name = key};
    s.allocation.status = controller::AllocationStatus::kAssigned;
    s.allocation.addresses = std::move(ips);
    s.allocation.pool = "lan";
    return s;
  };
  plan.push_back(assigned("shop/web", {Ip("10.90.0.100")}));
  plan.push_back(assigned("shop/dns-tcp", {Ip("10.90.0.101")}));
  plan.push_back(assigned("shop/dns-udp", {Ip("10.90.0.101")}));
  plan.push_back(assigned("shop/routed", {Ip("10.100.0.5")}));
  plan.push_back(assigned("shop/elsewhere", {Ip("10.90.0.102")}));
  return plan;
}

TEST(AnnouncementPlanTest, OneObjectPerServiceThisNodeAnnounces) {
  const AssignedServices plan = Plan();
  bgp::DesiredState bgp;
  bgp::Announcement a{.prefix = *IpPrefix::Parse("10.100.0.0/24")};
  a.peers["tor-a"] = {};
  a.peers["tor-b"] = {};
  bgp.announcements.push_back(a);
  AnnouncementFacts facts{.node = "s1",
                          .services = &plan,
                          .service_uids = {{"shop/web", "uid-web"}},
                          .layer2_owned = {{"eth0", {Ip("10.90.0.100"), Ip("10.90.0.101")}}},
                          .bgp = &bgp};
  const auto objects = DesiredAnnouncements(facts);
  ASSERT_THAT(objects, SizeIs(4));  // web, dns-tcp, dns-udp (shared VIP), routed; not elsewhere
  const json& web = objects.at("shop/web-s1");
  EXPECT_EQ(web["kind"], "ServiceAnnouncement");
  EXPECT_EQ(web["metadata"]["labels"]["ironlb.io/node"], "s1");
  EXPECT_EQ(web["metadata"]["labels"]["ironlb.io/service-name"], "web");
  EXPECT_EQ(web["metadata"]["ownerReferences"][0]["uid"], "uid-web");
  EXPECT_EQ(web["spec"], (json{{"service", "web"},
                               {"node", "s1"},
                               {"mode", "layer2"},
                               {"addresses", {"10.90.0.100"}},
                               {"interfaces", {"eth0"}}}));
  EXPECT_EQ(objects.at("shop/dns-udp-s1")["spec"]["addresses"], json({"10.90.0.101"}));
  const json& routed = objects.at("shop/routed-s1")["spec"];
  EXPECT_EQ(routed["mode"], "bgp");
  EXPECT_EQ(routed["peers"], json({"tor-a", "tor-b"}));
  EXPECT_FALSE(routed.contains("interfaces"));
  EXPECT_EQ(objects.count("shop/elsewhere-s1"), 0u);
}

TEST(AnnouncementPlanTest, LongNamesFitTheApiLimits) {
  const std::string node(300, 'n');
  const std::string fitted = FitName(node, 63);
  EXPECT_EQ(fitted.size(), 63u);
  // Stored in the API: pinned (FNV-1a 64 of the whole name, the common stable hash).
  EXPECT_EQ(fitted, std::string(46, 'n') + "-a4cf91b7088f4495");
  EXPECT_NE(FitName(node + "x", 63), fitted);  // distinct
  EXPECT_EQ(FitName("short", 63), "short");
  // What speakers wrote before (an FNV offset basis without its last digit), still recognised.
  EXPECT_EQ(LegacyFitName(node, 63), std::string(46, 'n') + "-28da431d8a252e13");
  EXPECT_EQ(LegacyFitName("short", 63), "short");
}

class PublisherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto server = FakeApiServer::Start();
    ASSERT_TRUE(server.ok());
    server_ = std::move(*server);
    client_ = kube::testing::ClientFor(*server_);
    plan_ = Plan();
  }
  std::map<std::string, json> Desired(const std::string& node, std::vector<IpAddress> owned) {
    return DesiredAnnouncements(
        {.node = node, .services = &plan_, .layer2_owned = {{"eth0", std::move(owned)}}});
  }
  int Writes() const {
    int n = 0;
    for (const auto& r : server_->Requests()) {
      if (r.method != "GET" && r.path.find("serviceannouncements") != std::string::npos) ++n;
    }
    return n;
  }
  std::vector<std::string> Names() const {
    std::vector<std::string> out;
    for (const json& o : server_->Objects(kCollection)) out.push_back(kube::NameOf(o));
    return out;
  }
  std::unique_ptr<FakeApiServer> server_;
  std::unique_ptr<kube::Client> client_;
  AssignedServices plan_;
};

TEST_F(PublisherTest, WritesOnlyChangesAndCleansUp) {
  // A previous run of s1 left an object that is no longer true; s2's objects are not ours.
  server_->Put(kCollection, Desired("s1", {Ip("10.90.0.102")}).at("shop/elsewhere-s1"));
  server_->Put(kCollection, Desired("s2", {Ip("10.90.0.102")}).at("shop/elsewhere-s2"));
  AnnouncementPublisher publisher(
      client_.get(), "s1", {.initial = absl::Milliseconds(10), .max = absl::Milliseconds(50)});
  publisher.SetDesired(Desired("s1", {Ip("10.90.0.100")}));
  ASSERT_TRUE(Eventually([&] { return publisher.converged(); }));
  EXPECT_THAT(Names(), ElementsAre("elsewhere-s2", "web-s1"));
  const int writes = Writes();
  EXPECT_EQ(writes, 2);  // one create, one delete
  // The same desired state again (the once-a-second refresh): no request at all.
  for (int i = 0; i < 10; ++i) publisher.SetDesired(Desired("s1", {Ip("10.90.0.100")}));
  absl::SleepFor(absl::Milliseconds(50));
  EXPECT_EQ(Writes(), writes);
  // The VIP moves to us too: the shared-IP Services appear; web loses it.
  publisher.SetDesired(Desired("s1", {Ip("10.90.0.101")}));
  ASSERT_TRUE(Eventually([&] { return publisher.converged(); }));
  EXPECT_THAT(Names(), ElementsAre("dns-tcp-s1", "dns-udp-s1", "elsewhere-s2"));
  // Failures are retried until the API holds the desired objects.
  server_->FailNextRequests(3, 503);
  publisher.SetDesired(Desired("s1", {Ip("10.90.0.100"), Ip("10.90.0.101")}));
  ASSERT_TRUE(Eventually([&] { return publisher.converged(); }));
  EXPECT_GE(publisher.stats().failures, 1);
  EXPECT_THAT(Names(), ElementsAre("dns-tcp-s1", "dns-udp-s1", "elsewhere-s2", "web-s1"));
  // Graceful stop: ours go, s2's stay.
  publisher.WithdrawAll(absl::Seconds(30));
  EXPECT_THAT(Names(), ElementsAre("elsewhere-s2"));
}

TEST_F(PublisherTest, ANewLayer2OwnerRetiresTheDeadOwnersClaim) {
  // s2 died (SIGKILL, machine gone) while announcing web in layer 2; s3 announces web by BGP.
  server_->Put(kCollection, Desired("s2", {Ip("10.90.0.100")}).at("shop/web-s2"));
  json bgp = Desired("s3", {Ip("10.90.0.100")}).at("shop/web-s3");
  bgp["spec"]["mode"] = "bgp";
  server_->Put(kCollection, bgp);
  AnnouncementPublisher publisher(
      client_.get(), "s1", {.initial = absl::Milliseconds(10), .max = absl::Milliseconds(50)});
  publisher.SetDesired(Desired("s1", {Ip("10.90.0.100")}));
  ASSERT_TRUE(Eventually([&] { return publisher.converged(); }));
  ASSERT_TRUE(Eventually([&] {
    return Names() == std::vector<std::string>{"web-s1", "web-s3"};
  })) << ::testing::PrintToString(Names());
}

TEST_F(PublisherTest, AnObjectChangedByOthersIsPutBack) {
  AnnouncementPublisher publisher(client_.get(), "s1");
  publisher.SetDesired(Desired("s1", {Ip("10.90.0.100")}));
  ASSERT_TRUE(Eventually([&] { return publisher.converged(); }));
  // A restart of the speaker with the object already there (AlreadyExists -> replace).
  json changed = *server_->Object(kCollection, "shop", "web-s1");
  changed["spec"]["interfaces"] = {"eth9"};
  server_->Put(kCollection, changed);
  AnnouncementPublisher restarted(client_.get(), "s1");
  auto desired = Desired("s1", {Ip("10.90.0.100")});
  restarted.SetDesired(desired);
  ASSERT_TRUE(Eventually([&] { return restarted.converged(); }));
  EXPECT_EQ((*server_->Object(kCollection, "shop", "web-s1"))["spec"],
            desired.at("shop/web-s1")["spec"]);
}

TEST_F(PublisherTest, ObjectsNamedByAnOlderSpeakerAreReplaced) {
  // A node name too long for a label value: an older speaker labelled (and, for a long Service,
  // named) its objects with the old hash. The restarted speaker finds them and replaces them.
  const std::string node = "node-" + std::string(80, 'x');
  const std::string long_service(200, 's');
  plan_.push_back(AssignedService{.name = "shop/" + long_service});
  plan_.back().allocation.status = controller::AllocationStatus::kAssigned;
  plan_.back().allocation.addresses = {Ip("10.90.0.100")};
  plan_.back().allocation.pool = "lan";
  const std::map<std::string, json> desired = Desired(node, {Ip("10.90.0.100")});
  ASSERT_EQ(desired.size(), 2u);
  std::vector<std::string> want;
  for (const auto& [key, object] : desired) {
    json old = object;
    old["metadata"]["labels"]["ironlb.io/node"] = LegacyFitName(node, 63);
    const std::string name = kube::NameOf(object);
    if (name.size() > 200) {
      old["metadata"]["name"] = LegacyFitName(absl::StrCat(long_service, "-", node), 253);
      ASSERT_NE(old["metadata"]["name"], name);
    }
    server_->Put(kCollection, old);
    want.push_back(name);
  }
  std::sort(want.begin(), want.end());
  AnnouncementPublisher publisher(client_.get(), node);
  publisher.SetDesired(desired);
  ASSERT_TRUE(Eventually([&] { return publisher.converged(); }));
  std::vector<std::string> names = Names();
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, want);
  for (const json& o : server_->Objects(kCollection)) {
    EXPECT_EQ(o["metadata"]["labels"]["ironlb.io/node"], FitName(node, 63));
  }
  // And the graceful stop finds them all under the new label.
  publisher.WithdrawAll(absl::Seconds(30));
  EXPECT_THAT(Names(), SizeIs(0));
}

}  // namespace
}  // namespace ironlb::speaker

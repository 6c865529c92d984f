// Health-gated layer-2 ownership as a pure decision: an L2Advertisement with a localCheck
// selects a node only while the node's adverts say its check passes; the verdict names the
// check; the passing checks travel in advert labels and come back out of them unchanged.
#include <set>

#include "absl/strings/str_cat.h"
#include "config/loader.h"
#include "controller/manifest_reader.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "speaker/layer2/layer2_plan.h"
#include "speaker/layer2/membership/owner_election.h"

namespace ironlb::speaker {
namespace {

using ::testing::HasSubstr;
using ::testing::Pair;
using ::testing::UnorderedElementsAre;

constexpr char kConfig[] = R"(apiVersion: ironlb.io/v1alpha1
kind: AddressPool
metadata: {name: api}
spec: {addresses: [10.0.0.100/32]}
---
apiVersion: ironlb.io/v1alpha1
kind: L2Advertisement
metadata: {name: apiserver}
spec:
  ipAddressPools: [api]
  localCheck: {type: HTTPS, port: 6443, path: /readyz}
---
apiVersion: v1
kind: Service
metadata: {name: kubernetes-api, namespace: kube-system, annotations: {ironlb.io/addresses: 10.0.0.100}}
spec: {type: LoadBalancer, ports: [{protocol: TCP, port: 6443}]}
)";

class LocalCheckPlanTest : public ::testing::Test {
 protected:
  void SetUp() override {
    config::ConfigReader reader;
    reader.AddYaml(kConfig, "config.yaml");
    config_ = std::move(reader).Finish();
    ASSERT_TRUE(config_.ok());
    controller::ManifestReader services;
    services.AddText(kConfig, "config.yaml");
    auto manifests = std::move(services).Finish();
    ASSERT_TRUE(manifests.ok());
    services_ = Assign(manifests.services,
                       controller::Plan(config_.config, manifests.namespaces, manifests.services));
    vips_ = Layer2Vips(config_.config, services_);
    ASSERT_EQ(vips_.size(), 1u);
  }
  static SegmentView::Member Member(bool passing) {
    SegmentView::Member m("eth0", {});
    if (passing) m.passing_checks = {"apiserver"};
    return m;
  }
  SegmentView View(std::set<std::string> passing) {
    SegmentView v{"eth0", {}};
    for (const char* n : {"cp1", "cp2", "cp3"}) v.alive[n] = Member(passing.count(n) > 0);
    return v;
  }
  config::LoadResult config_;
  AssignedServices services_;
  std::vector<Layer2Vip> vips_;
  std::vector<std::string> excluded_;
};

TEST_F(LocalCheckPlanTest, OnlyANodeWhoseCheckPassesIsEligibleAndTheVerdictSaysWhy) {
  const Verdict yes = Eligibility(vips_[0], "cp1", Member(true), excluded_);
  EXPECT_TRUE(yes.yes);
  EXPECT_THAT(yes.reason, HasSubstr("apiserver selects it and its localCheck passes"));
  const Verdict no = Eligibility(vips_[0], "cp2", Member(false), excluded_);
  EXPECT_FALSE(no.yes);
  EXPECT_EQ(no.reason,
            "apiserver: its localCheck (HTTPS 127.0.0.1:6443/readyz) is not passing on it");
  EXPECT_FALSE(Eligible(vips_[0], "cp2", Member(false), excluded_));
}

TEST_F(LocalCheckPlanTest, TheOwnerIsTheHashWinnerAmongPassingNodesOnly) {
  const IpAddress vip = vips_[0].vip;
  const std::string winner = *OwnerFor(vip, {"cp1", "cp2", "cp3"});
  EXPECT_EQ(OwnerOn(vips_[0], View({"cp1", "cp2", "cp3"}), excluded_), winner);
  // The winner's check fails: the VIP goes to the winner among the others, even while the
  // winner claims it (it stops claiming once it sees itself ineligible, but nobody waits).
  std::set<std::string> others = {"cp1", "cp2", "cp3"};
  others.erase(winner);
  SegmentView v = View(others);
  v.alive[winner].claims = {vip};
  const auto heir = OwnerOn(vips_[0], v, excluded_);
  ASSERT_TRUE(heir.has_value());
  EXPECT_NE(*heir, winner);
  EXPECT_EQ(*heir, *OwnerFor(vip, std::vector<std::string>(others.begin(), others.end())));
  // Nobody passes (no kube-apiserver anywhere yet): nobody holds the address.
  EXPECT_EQ(OwnerOn(vips_[0], View({}), excluded_), std::nullopt);
  // Only one passes (the first control-plane node of a new cluster): it holds it.
  const std::string first = winner == "cp3" ? "cp1" : "cp3";
  EXPECT_EQ(OwnerOn(vips_[0], View({first}), excluded_), first);
}

TEST_F(LocalCheckPlanTest, AdvertisementsWithoutACheckIgnoreIt) {
  config::LoadResult plain = config_;
  plain.config.l2_advertisements[0].local_check.reset();
  const auto vips = Layer2Vips(plain.config, services_);
  EXPECT_TRUE(Eligible(vips[0], "cp2", Member(false), excluded_));
}

TEST(LocalCheckLabelsTest, PassingChecksRoundTripThroughAdvertLabels) {
  const config::Labels node = {{"zone", "a"}, {"kubernetes.io/hostname", "cp1"}};
  const config::Labels advert = WithPassingChecks(node, {"apiserver", "etcd"});
  EXPECT_EQ(advert.size(), 4u);
  EXPECT_EQ(advert.at("localcheck.ironlb.io/apiserver"), "passing");
  std::set<std::string> passing;
  EXPECT_EQ(PassingChecksOf(advert, &passing), node);
  EXPECT_THAT(passing, UnorderedElementsAre("apiserver", "etcd"));
  // A label of that prefix with another value passes nothing (and is not a node label).
  std::set<std::string> none;
  EXPECT_THAT(PassingChecksOf({{"localcheck.ironlb.io/x", "failing"}, {"a", "b"}}, &none),
              UnorderedElementsAre(Pair("a", "b")));
  EXPECT_TRUE(none.empty());
}

}  // namespace
}  // namespace ironlb::speaker

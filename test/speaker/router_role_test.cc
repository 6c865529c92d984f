// RouterRole with the speaker's nftables programmer on the in-memory nf_tables (test/nft's
// fake, itself checked against the kernel): the plan's forwards reach the table next to the
// MSS clamps, nothing is sent when nothing changed, a deleted table is rebuilt at the next
// re-plan, conflicts are in /metrics. The lab test runs it for real (and reads the counters).
#include "speaker/router/router_role.h"

#include "absl/strings/str_cat.h"
#include "config/loader.h"
#include "controller/manifest_reader.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nft/ruleset_spec.h"
#include "test/nft/fake_netlink_transport.h"
#include "test/speaker/no_routes.h"
#include "test/support/status_matchers.h"

namespace ironlb::speaker {
namespace {

using ::ironlb::nft::testing::FakeNetlinkTransport;
using ::ironlb::testing::IsOk;
using ::testing::HasSubstr;
using ::testing::Not;

using testing::NoRoutes;

// The role's second socket (the /metrics thread's) sees the same kernel as the first.
class SameKernel : public nft::NetlinkTransport {
 public:
  explicit SameKernel(FakeNetlinkTransport* kernel) : kernel_(kernel) {}
  absl::StatusOr<std::vector<std::string>> Dump(const std::string& request) override {
    return kernel_->Dump(request);
  }
  absl::StatusOr<std::vector<nft::NetlinkAck>> SendBatch(const std::string& batch) override {
    return kernel_->SendBatch(batch);
  }

 private:
  FakeNetlinkTransport* kernel_;
};

constexpr char kConfig[] = R"(apiVersion: ironlb.io/v1alpha1
kind: AddressPool
metadata: {name: lan}
spec: {addresses: [10.90.0.100-10.90.0.120]}
---
apiVersion: ironlb.io/v1alpha1
kind: PortForward
metadata: {name: home}
spec: {interfaces: [wan0]}
)";

std::string Svc(const std::string& name, const std::string& created, int port) {
  return absl::StrCat("apiVersion: v1\nkind: Service\nmetadata:\n  name: ", name,
                      "\n  namespace: shop\n  creationTimestamp: \"", created,
                      "\"\n  annotations: {ironlb.io/forward-from: home}\nspec:\n"
                      "  type: LoadBalancer\n  ports: [{protocol: TCP, port: ",
                      port, "}]\n---\n");
}

class RouterRoleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto loop = EventLoop::Create();
    ASSERT_THAT(loop, IsOk());
    loop_ = std::move(*loop);
    nft_ = std::make_unique<NftProgrammer>(loop_.get(), &kernel_, &registry_);
    // Another author's part of the table, which the router role must leave alone.
    nft_->SetClampedVips({{*IpAddress::Parse("10.90.0.110"), 1300, false}});
    role_ = std::make_unique<RouterRole>(
        loop_.get(), nft_.get(), &registry_,
        RouterRole::Options{
            .replan_interval = std::chrono::milliseconds(20),
            .on_new_conflict =
                [this](const ForwardConflict& c) { new_conflicts_.push_back(c.service); }},
        std::make_unique<SameKernel>(&kernel_), std::make_unique<NoRoutes>());
    config::ConfigReader reader;
    reader.AddYaml(kConfig, "config.yaml");
    config_ = std::move(reader).Finish();
    ASSERT_TRUE(config_.ok());
  }

  // Plans, then lets the programmer converge the table.
  absl::Status Set(const std::string& services) {
    controller::ManifestReader reader;
    reader.AddText(services, "services.yaml");
    controller::ServiceManifests m = std::move(reader).Finish();
    EXPECT_TRUE(m.ok());
    controller::PlanOutput plan = controller::Plan(config_.config, m.namespaces, m.services);
    role_->SetDesired(config_.config, Assign(m.services, std::move(plan)));
    return nft_->ApplyNow();
  }

  metrics::Registry registry_;
  std::unique_ptr<EventLoop> loop_;
  FakeNetlinkTransport kernel_;
  std::unique_ptr<NftProgrammer> nft_;
  std::unique_ptr<RouterRole> role_;
  config::LoadResult config_;
  std::vector<std::string> new_conflicts_;  // on_new_conflict calls (Kubernetes Events)
};

TEST_F(RouterRoleTest, AppliesOnceAndReportsConflictsAndForwardsInMetrics) {
  const std::string services = Svc("new", "2024-01-01T00:00:00Z", 80) +
                               Svc("old", "2023-01-01T00:00:00Z", 80) +
                               Svc("api", "2023-06-01T00:00:00Z", 8081);
  ASSERT_THAT(Set(services), IsOk());
  EXPECT_EQ(kernel_.element_count(nft::kFwdIf4), 2u);
  EXPECT_EQ(kernel_.element_count(nft::kMss4), 1u);  // the other author's clamp stays
  const int batches = kernel_.batches();
  ASSERT_THAT(Set(services), IsOk());
  EXPECT_EQ(kernel_.batches(), batches) << "an unchanged plan must not touch the kernel";
  // Reported once when it appeared, not at every plan.
  EXPECT_THAT(new_conflicts_, ::testing::ElementsAre("shop/new"));

  const std::string metrics = registry_.Render();
  EXPECT_THAT(metrics, HasSubstr("ironlb_router_forwards 2\n"));
  EXPECT_THAT(metrics, HasSubstr("ironlb_router_port_conflicts{group=\"home\",outside=\"wan0\","
                                 "protocol=\"tcp\",port=\"80\",service=\"shop/new\","
                                 "holder=\"shop/old\"} 1\n"));
  // (Counter values need the real kernel's element counters: the lab test reads them.)
  EXPECT_THAT(metrics, HasSubstr("# TYPE ironlb_forward_packets_total counter"));

  // The older one goes: the newer gets the port, the conflict leaves /metrics.
  ASSERT_THAT(Set(Svc("new", "2024-01-01T00:00:00Z", 80)), IsOk());
  EXPECT_EQ(kernel_.element_count(nft::kFwdIf4), 1u);
  const std::string after = registry_.Render();
  EXPECT_THAT(after, Not(HasSubstr("ironlb_router_port_conflicts{")));
  EXPECT_THAT(after, HasSubstr("ironlb_router_forwards 1\n"));
}

TEST_F(RouterRoleTest, ADeletedTableIsRebuiltAtTheNextReplan) {
  ASSERT_THAT(Set(Svc("web", "2024-01-01T00:00:00Z", 80)), IsOk());
  kernel_.DeleteTableBehindOurBack();
  ASSERT_FALSE(kernel_.table_exists());
  for (int i = 0; i < 1500 && !kernel_.table_exists(); ++i) {  // up to 30 s: a hung test only
    ASSERT_THAT(loop_->RunOnce(std::chrono::milliseconds(20)), IsOk());
  }
  EXPECT_TRUE(kernel_.table_exists());
  EXPECT_EQ(kernel_.element_count(nft::kFwdIf4), 1u);
}

}  // namespace
}  // namespace ironlb::speaker

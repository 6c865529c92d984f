// MSS clamps from pools and Service annotations, and the speaker's nftables programmer: parts
// from several authors merged, bad entries dropped by name while the rest is applied, retries
// after the kernel refuses. The lab checks the clamp on the wire through the real speaker.
#include "speaker/nft_programmer.h"

#include <memory>

#include "absl/strings/str_cat.h"
#include "common/event_loop.h"
#include "common/metrics.h"
#include "config/loader.h"
#include "controller/manifest_reader.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "speaker/mss_plan.h"
#include "test/nft/fake_netlink_transport.h"
#include "test/support/status_matchers.h"

namespace ironlb::speaker {
namespace {

using ::ironlb::testing::IsOk;
using ::ironlb::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

const char kConfig[] = R"(apiVersion: ironlb.io/v1alpha1
kind: AddressPool
metadata: {name: clamped}
spec: {addresses: [192.168.1.240/30], tcpMSS: 1400}
---
apiVersion: ironlb.io/v1alpha1
kind: AddressPool
metadata: {name: plain}
spec: {addresses: [10.100.0.0/30, "fd00:1::/126"]}
)";

std::string Service(const std::string& name, const std::string& annotations,
                    const std::string& ports = "[{protocol: TCP, port: 80}]") {
  return absl::StrCat("apiVersion: v1\nkind: Service\nmetadata:\n  name: ", name,
                      "\n  namespace: web\n  annotations: {", annotations,
                      "}\nspec: {type: LoadBalancer, ports: ", ports, "}\n---\n");
}

struct Inputs {
  std::unique_ptr<config::LoadResult> config;
  AssignedServices services;
};

Inputs Load(const std::string& services) {
  Inputs in;
  config::ConfigReader reader;
  reader.AddYaml(kConfig, "config.yaml");
  in.config = std::make_unique<config::LoadResult>(std::move(reader).Finish());
  EXPECT_TRUE(in.config->ok());
  controller::ManifestReader r;
  r.AddText(services, "services.yaml");
  controller::ServiceManifests manifests = std::move(r).Finish();
  controller::PlanOutput plan =
      controller::Plan(in.config->config, manifests.namespaces, manifests.services);
  in.services = Assign(std::move(manifests.services), std::move(plan));
  return in;
}

TEST(MssClampsTest, PoolValueAnnotationOverrideAndPmtu) {
  Inputs in = Load(Service("from-pool", "ironlb.io/pool: clamped") +
                   Service("annotated", "ironlb.io/pool: plain, ironlb.io/tcp-mss: '1300'") +
                   Service("pmtu", "ironlb.io/pool: plain, ironlb.io/tcp-mss: pmtu") +
                   Service("none", "ironlb.io/pool: plain"));
  MssPlan mss = MssClamps(in.config->config, in.services);
  EXPECT_THAT(mss.problems, IsEmpty());
  ASSERT_THAT(mss.clamps, SizeIs(3));
  // Sorted by VIP: 10.100.0.x (annotated 1300, pmtu) before 192.168.1.240 (pool 1400).
  EXPECT_EQ(mss.clamps[0].mss, 1300u);
  EXPECT_FALSE(mss.clamps[0].pmtu);
  EXPECT_TRUE(mss.clamps[1].pmtu);
  EXPECT_EQ(mss.clamps[2].vip.ToString(), "192.168.1.240");
  EXPECT_EQ(mss.clamps[2].mss, 1400u);
}

TEST(MssClampsTest, BadAnnotationIsNamedAndFallsBackToThePool) {
  Inputs in = Load(Service("bad", "ironlb.io/pool: clamped, ironlb.io/tcp-mss: huge") +
                   Service("good", "ironlb.io/pool: plain, ironlb.io/tcp-mss: '1200'"));
  MssPlan mss = MssClamps(in.config->config, in.services);
  ASSERT_THAT(mss.problems, SizeIs(1));
  EXPECT_THAT(mss.problems[0], HasSubstr("Service web/bad annotation ironlb.io/tcp-mss"));
  ASSERT_THAT(mss.clamps, SizeIs(2));
  EXPECT_EQ(mss.clamps[0].mss, 1200u);  // the other Service is unaffected
  EXPECT_EQ(mss.clamps[1].mss, 1400u);  // the bad one keeps its pool's clamp
}

TEST(MssClampsTest, SharedVipTakesTheStricterClampAndSaysSo) {
  const std::string shared = "ironlb.io/pool: plain, ironlb.io/sharing-key: k, ";
  Inputs in =
      Load(Service("a", shared + "ironlb.io/tcp-mss: pmtu") +
           Service("b", shared + "ironlb.io/tcp-mss: '1360'", "[{protocol: TCP, port: 81}]"));
  ASSERT_EQ(in.services[0].allocation.addresses, in.services[1].allocation.addresses);
  MssPlan mss = MssClamps(in.config->config, in.services);
  ASSERT_THAT(mss.clamps, SizeIs(1));
  EXPECT_EQ(mss.clamps[0].mss, 1360u);
  EXPECT_FALSE(mss.clamps[0].pmtu);
  ASSERT_THAT(mss.problems, SizeIs(1));
  EXPECT_THAT(mss.problems[0], HasSubstr("clamping to 1360"));
}

TEST(MssClampsTest, ExplicitForwardTargetsInAClampedPoolAreClamped) {
  config::ConfigReader reader;
  reader.AddYaml(std::string(kConfig) +
                     "---\napiVersion: ironlb.io/v1alpha1\nkind: PortForward\n"
                     "metadata: {name: home}\nspec:\n  interfaces: [wan0]\n  targets:\n"
                     "  - {protocol: TCP, port: 2222, address: 192.168.1.242, targetPort: 22}\n"
                     "  - {protocol: TCP, port: 8443, address: 10.100.0.2, targetPort: 443}\n",
                 "config.yaml");
  const config::LoadResult cfg = std::move(reader).Finish();
  ASSERT_TRUE(cfg.ok());
  MssPlan mss = MssClamps(cfg.config, {});
  ASSERT_THAT(mss.clamps, SizeIs(1));  // 10.100.0.2 is in the unclamped pool
  EXPECT_EQ(mss.clamps[0].vip.ToString(), "192.168.1.242");
  EXPECT_EQ(mss.clamps[0].mss, 1400u);
}

class NftProgrammerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto loop = EventLoop::Create();
    ASSERT_TRUE(loop.ok());
    loop_ = std::move(*loop);
    programmer_ = std::make_unique<NftProgrammer>(loop_.get(), &fake_, &registry_);
  }
  // Runs the loop until nothing is due within `ms`.
  void Drain(int ms = 20) {
    for (int i = 0; i < 50; ++i) ASSERT_THAT(loop_->RunOnce(std::chrono::milliseconds(ms)), IsOk());
  }
  static nft::ClampedVip Clamp(const char* ip, uint32_t mss) {
    return {*IpAddress::Parse(ip), mss, false};
  }

  nft::testing::FakeNetlinkTransport fake_;
  metrics::Registry registry_;
  std::unique_ptr<EventLoop> loop_;
  std::unique_ptr<NftProgrammer> programmer_;
};

TEST_F(NftProgrammerTest, ChangesOfOneTurnGoInOneBatch) {
  programmer_->SetClampedVips({Clamp("10.0.0.1", 1400), Clamp("10.0.0.2", 1300)});
  programmer_->SetGuardedTcpPorts("frr-grpc", {50051, 50052});
  programmer_->SetGuardedTcpPorts("other", {50052, 7000});
  EXPECT_EQ(fake_.batches(), 0);  // nothing before the loop runs
  Drain();
  EXPECT_EQ(fake_.batches(), 1);
  EXPECT_TRUE(programmer_->converged());
  EXPECT_THAT(programmer_->applied().clamped_vips, SizeIs(2));
  EXPECT_THAT(programmer_->applied().guarded_tcp_ports, ElementsAre(7000, 50051, 50052));
  EXPECT_EQ(fake_.element_count("mss4"), 2u);
  programmer_->SetGuardedTcpPorts("other", {});
  Drain();
  EXPECT_THAT(programmer_->applied().guarded_tcp_ports, ElementsAre(50051, 50052));
}

TEST_F(NftProgrammerTest, BadEntryIsDroppedByNameAndTheRestApplied) {
  programmer_->SetClampedVips({Clamp("10.0.0.1", 1400), Clamp("10.0.0.2", 20)});
  Drain();
  EXPECT_TRUE(programmer_->converged());
  ASSERT_THAT(programmer_->dropped(), SizeIs(1));
  EXPECT_THAT(programmer_->dropped()[0], HasSubstr("10.0.0.2"));
  ASSERT_THAT(programmer_->applied().clamped_vips, SizeIs(1));
  EXPECT_EQ(programmer_->applied().clamped_vips[0].vip.ToString(), "10.0.0.1");
}

TEST_F(NftProgrammerTest, KernelRefusalIsRetriedUntilItConverges) {
  fake_.FailNextBatch(ENOMEM);
  programmer_->SetClampedVips({Clamp("10.0.0.1", 1400)});
  ASSERT_THAT(loop_->RunOnce(std::chrono::milliseconds(5)), IsOk());
  EXPECT_FALSE(programmer_->converged());
  EXPECT_THAT(programmer_->last_error(), StatusIs(absl::StatusCode::kResourceExhausted, ""));
  EXPECT_THAT(registry_.Render(), HasSubstr("ironlb_nft_reconcile_failures_total 1"));
  Drain(50);  // the first retry is 100 ms later
  EXPECT_TRUE(programmer_->converged());
  EXPECT_EQ(fake_.element_count("mss4"), 1u);
  EXPECT_THAT(registry_.Render(), HasSubstr("ironlb_nft_clamped_vips 1"));
}

}  // namespace
}  // namespace ironlb::speaker

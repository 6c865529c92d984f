// The speaker agent in Kubernetes mode against the fake API server (nftables faked; no FRR:
// BGP's worker just retries): what it publishes and what its /metrics say.
#include "speaker/speaker_agent.h"

#include <thread>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kube/client.h"
#include "test/kube/fake_api_server.h"
#include "test/kube/kube_test_util.h"
#include "test/nft/fake_netlink_transport.h"
#include "test/speaker/kube_objects.h"

namespace ironlb::speaker {
namespace {

using kube::testing::Eventually;
using kube::testing::FakeApiServer;
using nlohmann::json;
using ::testing::HasSubstr;
using namespace ::ironlb::speaker::testing;  // NOLINT

constexpr char kPools[] = "ironlb.io/v1alpha1/addresspools";
constexpr char kL2[] = "ironlb.io/v1alpha1/l2advertisements";
constexpr char kPeers[] = "ironlb.io/v1alpha1/bgppeers";
constexpr char kBgpAds[] = "ironlb.io/v1alpha1/bgpadvertisements";
constexpr char kServices[] = "v1/services";
constexpr char kNodes[] = "v1/nodes";
constexpr char kAnnouncements[] = "ironlb.io/v1alpha1/serviceannouncements";

json Object(const std::string& kind, const std::string& name, json spec) {
  return {{"apiVersion", "ironlb.io/v1alpha1"},
          {"kind", kind},
          {"metadata", {{"namespace", "ironlb-system"}, {"name", name}}},
          {"spec", std::move(spec)}};
}

class SpeakerAgentTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto server = FakeApiServer::Start();
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
    auto loop = EventLoop::Create();
    ASSERT_TRUE(loop.ok());
    loop_ = std::move(*loop);
    server_->Put(kPools, PoolObject("ironlb-system", "lan", "10.90.0.100-10.90.0.120"));
    server_->Put(kServices, ServiceObject("shop", "web", "10.90.0.105"));
    server_->Put(kNodes, NodeObject("s0"));
  }
  void Start() {
    auto agent = SpeakerAgent::Create(loop_.get(),
                                      {.mode = RunMode::kKubernetes,
                                       .node_name = "s0",
                                       .metrics_address = "127.0.0.1:0",
                                       .frr_vty_dir = vty_dir_.path(),
                                       // Nothing listens there: BGP's worker retries.
                                       .frr_grpc_ports = "1,2,0",
                                       .nft_transport = &nft_,
                                       .frr_call_deadline = absl::Milliseconds(100)},
                                      kube::testing::ClientFor(*server_));
    ASSERT_TRUE(agent.ok()) << agent.status();
    agent_ = std::move(*agent);
    loop_thread_ = std::thread([this] { (void)loop_->Run(); });
  }
  void TearDown() override {
    if (loop_thread_.joinable()) {
      loop_->Stop();
      loop_thread_.join();
    }
    agent_.reset();
  }
  std::string Metrics() const { return agent_->registry().Render(); }

  kube::testing::TempDir vty_dir_;
  std::unique_ptr<FakeApiServer> server_;
  std::unique_ptr<EventLoop> loop_;
  nft::testing::FakeNetlinkTransport nft_;
  std::unique_ptr<SpeakerAgent> agent_;
  std::thread loop_thread_;
};

// #15: layer 2 configured without --layer2-key-file must not stop the rest of the apply: BGP's
// ServiceAnnouncements are still published.
TEST_F(SpeakerAgentTest, BgpIsPublishedWhenLayer2HasNoKey) {
  server_->Put(kL2, L2AdvertisementObject("ironlb-system", "lan", "lan"));
  server_->Put(kPeers,
               Object("BGPPeer", "tor",
                      {{"myASN", 64512}, {"peerASN", 64501}, {"peerAddress", "10.90.0.1"}}));
  server_->Put(kBgpAds, Object("BGPAdvertisement", "routed", {{"ipAddressPools", {"lan"}}}));
  Start();
  ASSERT_TRUE(Eventually([&] {
    for (const json& o : server_->Objects(kAnnouncements)) {
      if (kube::NameOf(o) == "web-s0" && o["spec"]["mode"] == "bgp") return true;
    }
    return false;
  })) << "no ServiceAnnouncement for shop/web";
  const json a = server_->Objects(kAnnouncements).at(0);
  EXPECT_EQ(a["spec"]["peers"], json({"tor"}));
  EXPECT_EQ(a["spec"]["addresses"], json({"10.90.0.105"}));
}

// #15: in Kubernetes mode ironlb_config_* follow the configuration read from the API.
TEST_F(SpeakerAgentTest, ConfigMetricsFollowTheClusterConfiguration) {
  Start();
  ASSERT_TRUE(Eventually([&] {
    const std::string m = Metrics();
    return m.find("ironlb_config_generation 1\n") != std::string::npos &&
           m.find("ironlb_config_last_reload_successful 1\n") != std::string::npos;
  })) << Metrics();
  EXPECT_THAT(Metrics(), HasSubstr("ironlb_config_errors 0\n"));
  // A bad object: refused, the previous configuration stays (generation 1), and it shows.
  server_->Put(kPools, PoolObject("ironlb-system", "bad", "not-an-address"));
  ASSERT_TRUE(Eventually([&] {
    return Metrics().find("ironlb_config_last_reload_successful 0\n") != std::string::npos;
  })) << Metrics();
  EXPECT_THAT(Metrics(), HasSubstr("ironlb_config_generation 1\n"));
  EXPECT_THAT(Metrics(), HasSubstr("ironlb_config_errors 1\n"));
  // Fixed: a new generation.
  server_->Remove(kPools, "ironlb-system", "bad");
  server_->Put(kPools, PoolObject("ironlb-system", "lan", "10.90.0.100-10.90.0.121"));
  ASSERT_TRUE(Eventually([&] {
    const std::string m = Metrics();
    return m.find("ironlb_config_generation 2\n") != std::string::npos &&
           m.find("ironlb_config_last_reload_successful 1\n") != std::string::npos;
  })) << Metrics();
}

}  // namespace
}  // namespace ironlb::speaker

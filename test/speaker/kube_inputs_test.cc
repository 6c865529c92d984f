// KubeInputs against the fake API server: real-shaped Services, EndpointSlices, Nodes and
// ironlb.io objects become the speaker's inputs; changes arrive debounced on the event loop;
// 410 Gone and dropped connections lose nothing; an unreachable API server changes nothing;
// a bad configuration object leaves the last good configuration in force.
#include "speaker/kube/kube_inputs.h"

#include <atomic>
#include <future>
#include <thread>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "test/kube/fake_api_server.h"
#include "test/kube/kube_test_util.h"
#include "test/speaker/kube_objects.h"

namespace ironlb::speaker {
namespace {

using kube::testing::Eventually;
using kube::testing::FakeApiServer;
using nlohmann::json;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using namespace ::ironlb::speaker::testing;  // NOLINT

constexpr char kPools[] = "ironlb.io/v1alpha1/addresspools";
constexpr char kL2[] = "ironlb.io/v1alpha1/l2advertisements";
constexpr char kServices[] = "v1/services";
constexpr char kSlices[] = "discovery.k8s.io/v1/endpointslices";
constexpr char kNodes[] = "v1/nodes";

// What one apply() saw, summarised.
struct Seen {
  bool config = false;
  int pool_count = 0;
  std::vector<std::string> assigned;  // "ns/name=ip"
  std::set<std::string> local_nodes;  // of shop/local
  std::set<std::string> excluded;
};

class KubeInputsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto server = FakeApiServer::Start();
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
    client_ = kube::testing::ClientFor(*server_);
    auto loop = EventLoop::Create();
    ASSERT_TRUE(loop.ok());
    loop_ = std::move(*loop);
    server_->Put(kPools, PoolObject("ironlb-system", "lan", "10.90.0.100-10.90.0.120"));
    server_->Put(kL2, L2AdvertisementObject("ironlb-system", "lan", "lan"));
    server_->Put(kServices, ServiceObject("shop", "web", "10.90.0.105"));
    server_->Put(kServices, ServiceObject("shop", "local", "10.90.0.106", "Local"));
    server_->Put(kSlices, EndpointSliceObject("shop", "local", "local-1", {{"s0"}, {"s1", false}}));
    server_->Put(kNodes, NodeObject("s0"));
    server_->Put(kNodes, NodeObject("s1"));
    KubeInputsOptions options{
        .config_namespace = "ironlb-system",
        .debounce = absl::Milliseconds(20),
        .watch_timeout = absl::Seconds(30),
        .backoff = {.initial = absl::Milliseconds(10), .max = absl::Milliseconds(100)}};
    inputs_ = std::make_unique<KubeInputs>(client_.get(), loop_.get(), options, [this] {
      ++applies_;
      Seen s;
      auto config = inputs_->config();
      s.config = config != nullptr;
      if (config) s.pool_count = static_cast<int>(config->config.pools.size());
      KubeSnapshot snap = inputs_->Snapshot();
      for (const auto& p : snap.services) {
        if (p.allocation.status != controller::AllocationStatus::kAssigned) continue;
        s.assigned.push_back(p.name + "=" + p.allocation.addresses[0].ToString());
      }
      auto local = snap.facts->local_endpoint_nodes.find("shop/local");
      if (local != snap.facts->local_endpoint_nodes.end()) s.local_nodes = local->second;
      s.excluded = snap.facts->excluded_nodes;
      std::lock_guard<std::mutex> lock(mu_);
      seen_ = s;
    });
    loop_thread_ = std::thread([this] { (void)loop_->Run(); });
    inputs_->Start();
  }
  void TearDown() override {
    if (loop_) loop_->Stop();
    if (loop_thread_.joinable()) loop_thread_.join();
    inputs_.reset();
  }
  Seen seen() {
    std::lock_guard<std::mutex> lock(mu_);
    return seen_;
  }

  std::unique_ptr<FakeApiServer> server_;
  std::unique_ptr<kube::Client> client_;
  std::unique_ptr<EventLoop> loop_;
  std::unique_ptr<KubeInputs> inputs_;
  std::thread loop_thread_;
  std::atomic<int> applies_{0};
  std::mutex mu_;
  Seen seen_;
};

TEST_F(KubeInputsTest, ObjectsBecomeInputsAndChangesArriveDebounced) {
  ASSERT_TRUE(Eventually([&] { return seen().config; }));
  Seen s = seen();
  EXPECT_EQ(s.pool_count, 1);
  EXPECT_THAT(s.assigned, ElementsAre("shop/local=10.90.0.106", "shop/web=10.90.0.105"));
  EXPECT_THAT(s.local_nodes, ElementsAre("s0"));
  EXPECT_THAT(s.excluded, IsEmpty());
  // The first apply waited for every informer: no half-synced apply happened before it.
  EXPECT_EQ(applies_.load(), 1);

  // Endpoints move to s1; s0 gets excluded; a burst of 20 changes is a handful of applies.
  const int before = applies_.load();
  server_->Put(kSlices, EndpointSliceObject("shop", "local", "local-1", {{"s0", false}, {"s1"}}));
  server_->Put(kNodes, NodeObject("s0", false, true));
  for (int i = 0; i < 18; ++i) {
    server_->Put(kServices, ServiceObject("shop", "web", "10.90.0.105", "Cluster", "lan"));
  }
  ASSERT_TRUE(Eventually([&] {
    Seen now = seen();
    return now.local_nodes == std::set<std::string>{"s1"} &&
           now.excluded == std::set<std::string>{"s0"};
  }));
  absl::SleepFor(absl::Milliseconds(100));
  EXPECT_LE(applies_.load() - before, 5);
  EXPECT_GE(applies_.load() - before, 1);
}

TEST_F(KubeInputsTest, GoneAndDroppedWatchesLoseNothing) {
  ASSERT_TRUE(Eventually([&] { return seen().config; }));
  // While the watches are down, things change and history is compacted: the informers come
  // back with 410 Gone, list again, and see all of it.
  server_->SetWatchesUnavailable(true);
  server_->DropWatches();
  server_->Put(kSlices, EndpointSliceObject("shop", "local", "local-1", {{"s1"}}));
  server_->Put(kServices, ServiceObject("shop", "new", "10.90.0.107"));
  server_->Remove(kServices, "shop", "web");
  server_->Put(kNodes, NodeObject("s1", true));
  server_->Compact();
  server_->SetWatchesUnavailable(false);
  ASSERT_TRUE(Eventually([&] {
    Seen now = seen();
    return now.assigned ==
               std::vector<std::string>{"shop/local=10.90.0.106", "shop/new=10.90.0.107"} &&
           now.local_nodes == std::set<std::string>{"s1"} &&
           now.excluded == std::set<std::string>{"s1"};
  })) << seen().assigned.size();
  EXPECT_EQ(seen().pool_count, 1);
}

TEST_F(KubeInputsTest, UnreachableApiServerChangesNothing) {
  ASSERT_TRUE(Eventually([&] { return seen().config; }));
  const Seen before = seen();
  const size_t requests = server_->Requests().size();
  server_->SetWatchesUnavailable(true);
  server_->FailNextRequests(1000, 503);
  server_->DropWatches();
  // Many failed retries (each informer tries again and again).
  ASSERT_TRUE(Eventually([&] { return server_->Requests().size() >= requests + 10; }));
  const Seen during = seen();
  EXPECT_EQ(during.assigned, before.assigned);
  EXPECT_EQ(during.local_nodes, before.local_nodes);
  EXPECT_TRUE(during.config);
  // Whatever apply runs now (none should: nothing changed) sees the same caches.
  std::promise<std::vector<std::string>> assigned;
  loop_->Post([&] {
    std::vector<std::string> out;
    for (const auto& p : inputs_->Snapshot().services) out.push_back(p.name);
    assigned.set_value(out);
  });
  EXPECT_THAT(assigned.get_future().get(), ElementsAre("shop/local", "shop/web"));
}

TEST_F(KubeInputsTest, BadConfigurationKeepsTheLastGoodOne) {
  ASSERT_TRUE(Eventually([&] { return seen().config; }));
  server_->Put(kPools, PoolObject("ironlb-system", "bad", "10.90.0.300-10.90.0.301"));
  ASSERT_TRUE(Eventually([&] { return !inputs_->ConfigProblems().empty(); }));
  EXPECT_THAT(inputs_->ConfigProblems()[0], ::testing::HasSubstr("addresses"));
  EXPECT_EQ(seen().pool_count, 1);
  EXPECT_THAT(seen().assigned, ElementsAre("shop/local=10.90.0.106", "shop/web=10.90.0.105"));
  // Objects in other namespaces are not configuration.
  server_->Remove(kPools, "ironlb-system", "bad");
  server_->Put(kPools, PoolObject("elsewhere", "other", "10.90.1.0/24"));
  ASSERT_TRUE(Eventually([&] { return inputs_->ConfigProblems().empty(); }));
  EXPECT_EQ(seen().pool_count, 1);
}

// A cluster switching from MetalLB: only MetalLB's objects, as they are, in metallb-system.
// The speaker reads them (and the kinds it has no CRD for count as empty).
TEST(KubeInputsMetalLBTest, MetalLBObjectsInTheirNamespaceAreTheConfiguration) {
  auto server = FakeApiServer::Start();
  ASSERT_TRUE(server.ok()) << server.status();
  auto client = kube::testing::ClientFor(**server);
  auto loop = EventLoop::Create();
  ASSERT_TRUE(loop.ok());
  (*server)->Put("metallb.io/v1beta1/ipaddresspools",
                 {{"apiVersion", "metallb.io/v1beta1"},
                  {"kind", "IPAddressPool"},
                  {"metadata", {{"name", "homelab"}, {"namespace", "metallb-system"}}},
                  {"spec", {{"addresses", {"10.90.0.100-10.90.0.120"}}}}});
  (*server)->Put("metallb.io/v1beta1/l2advertisements",
                 {{"apiVersion", "metallb.io/v1beta1"},
                  {"kind", "L2Advertisement"},
                  {"metadata", {{"name", "l2"}, {"namespace", "metallb-system"}}},
                  {"spec", json::object()}});
  (*server)->Put(kServices, ServiceObject("shop", "web", "10.90.0.105"));
  (*server)->Put(kNodes, NodeObject("s0"));
  std::mutex mu;
  std::vector<std::string> pools, l2, assigned;
  std::unique_ptr<KubeInputs> inputs;
  inputs = std::make_unique<KubeInputs>(
      client.get(), loop->get(),
      KubeInputsOptions{
          .config_namespace = "ironlb-system",
          .metallb_namespace = "metallb-system",
          .debounce = absl::Milliseconds(20),
          .backoff = {.initial = absl::Milliseconds(10), .max = absl::Milliseconds(100)}},
      [&] {
        auto config = inputs->config();
        if (!config) return;
        KubeSnapshot snap = inputs->Snapshot();
        std::lock_guard<std::mutex> lock(mu);
        pools.clear();
        l2.clear();
        assigned.clear();
        for (const auto& p : config->config.pools) pools.push_back(p.meta.name);
        for (const auto& a : config->config.l2_advertisements) l2.push_back(a.meta.name);
        for (const auto& p : snap.services) {
          if (p.allocation.status != controller::AllocationStatus::kAssigned) continue;
          assigned.push_back(p.name + "=" + p.allocation.addresses[0].ToString());
        }
      });
  std::thread loop_thread([&] { (void)(*loop)->Run(); });
  inputs->Start();
  EXPECT_TRUE(Eventually([&] {
    std::lock_guard<std::mutex> lock(mu);
    return !assigned.empty();
  }));
  {
    std::lock_guard<std::mutex> lock(mu);
    EXPECT_THAT(pools, ElementsAre("homelab"));
    EXPECT_THAT(l2, ElementsAre("l2"));
    EXPECT_THAT(assigned, ElementsAre("shop/web=10.90.0.105"));
  }
  (*loop)->Stop();
  loop_thread.join();
  inputs.reset();
}

}  // namespace
}  // namespace ironlb::speaker

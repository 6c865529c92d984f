// A router host with --config-dir and a cluster: the configuration (pools, PortForward) from the
// directory, the Services with their addresses from the API (no ironlb.io informers), and a
// contested outside port reported as a Warning Event on the Service that did not get it.
#include <atomic>
#include <mutex>
#include <thread>

#include "absl/strings/str_cat.h"
#include "config/loader.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "speaker/kube/kube_event_sink.h"
#include "speaker/kube/kube_inputs.h"
#include "speaker/router/port_forward_plan.h"
#include "test/kube/fake_api_server.h"
#include "test/kube/kube_test_util.h"
#include "test/speaker/kube_objects.h"
#include "test/speaker/no_routes.h"

namespace ironlb::speaker {
namespace {

using kube::testing::FakeApiServer;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using namespace ::ironlb::speaker::testing;  // NOLINT

constexpr char kServices[] = "v1/services";
constexpr char kEvents[] = "v1/events";

constexpr char kDirConfig[] = R"(apiVersion: ironlb.io/v1alpha1
kind: AddressPool
metadata: {name: lan}
spec: {addresses: [10.90.0.100-10.90.0.120]}
---
apiVersion: ironlb.io/v1alpha1
kind: PortForward
metadata: {name: home}
spec: {interfaces: [wan0]}
)";

using testing::NoRoutes;

nlohmann::json Forwarded(const std::string& name, const std::string& ip) {
  nlohmann::json s = ServiceObject("shop", name, ip);
  s["metadata"]["annotations"]["ironlb.io/forward-from"] = "home";
  return s;
}

TEST(RouterClusterTest, ServicesFromTheClusterConfigFromTheDirectoryAndEventsForConflicts) {
  // The API server's clock: "zeta" is created a second before "alpha".
  std::atomic<int64_t> now_s{1'700'000'000};
  auto server = FakeApiServer::Start({.clock = [&] { return absl::FromUnixSeconds(now_s); }});
  ASSERT_TRUE(server.ok()) << server.status();
  // Both want outside port 80; "zeta" was created first (the API server stamps creation times,
  // to the second) and keeps it, although "alpha" sorts first by name.
  (*server)->Put(kServices, Forwarded("zeta", "10.90.0.106"));
  ++now_s;
  (*server)->Put(kServices, Forwarded("alpha", "10.90.0.105"));
  auto client = kube::testing::ClientFor(**server);
  auto loop = EventLoop::Create();
  ASSERT_TRUE(loop.ok());

  config::ConfigReader reader;
  reader.AddYaml(kDirConfig, "router.yaml");
  const config::LoadResult dir_config = std::move(reader).Finish();
  ASSERT_TRUE(dir_config.ok());

  std::mutex mu;
  PortForwardPlan plan;
  std::atomic<int> applies{0};
  KubeInputs* inputs_ptr = nullptr;
  KubeInputs inputs(client.get(), loop->get(),
                    {.config_namespace = "ironlb-system",
                     .read_config = false,
                     .debounce = absl::Milliseconds(20),
                     .watch_timeout = absl::Seconds(30)},
                    [&] {
                      KubeSnapshot snap = inputs_ptr->SnapshotWith(dir_config.config);
                      std::lock_guard<std::mutex> lock(mu);
                      plan = PlanPortForwards(dir_config.config, snap.services, NoRoutes());
                      ++applies;
                    });
  inputs_ptr = &inputs;
  std::thread loop_thread([&] { (void)(*loop)->Run(); });
  inputs.Start();
  ASSERT_TRUE(kube::testing::Eventually([&] { return applies > 0; }));
  {
    std::lock_guard<std::mutex> lock(mu);
    ASSERT_EQ(plan.forwards.size(), 1u);
    EXPECT_EQ(plan.forwards[0].target_address.ToString(), "10.90.0.106");  // the status' address
    ASSERT_EQ(plan.conflicts.size(), 1u);
    EXPECT_EQ(plan.conflicts[0].service, "shop/alpha");
    EXPECT_EQ(plan.conflicts[0].holder, "shop/zeta");
  }
  // No ironlb.io objects were asked for: the directory's configuration is the one in force.
  EXPECT_EQ(inputs.config(), nullptr);

  // The conflict, as RouterRole reports it, becomes a Warning Event on shop/alpha.
  {
    KubeEventSink events(client.get(), "router-1");
    ForwardConflict c;
    {
      std::lock_guard<std::mutex> lock(mu);
      c = plan.conflicts[0];
    }
    events.ServiceWarning(c.service, "PortForwardContested", c.message);
    ASSERT_TRUE(kube::testing::Eventually([&] { return events.written() == 1; }));
  }
  const auto stored = (*server)->Objects(kEvents);
  ASSERT_EQ(stored.size(), 1u);
  EXPECT_EQ(stored[0]["type"], "Warning");
  EXPECT_EQ(stored[0]["reason"], "PortForwardContested");
  EXPECT_EQ(stored[0]["involvedObject"]["name"], "alpha");
  EXPECT_EQ(stored[0]["involvedObject"]["namespace"], "shop");
  EXPECT_THAT(stored[0]["message"].get<std::string>(), HasSubstr("shop/zeta"));

  (*loop)->Stop();
  loop_thread.join();
}

}  // namespace
}  // namespace ironlb::speaker

// Standalone Services from a config directory: planned with stable addresses, and every Service
// without an address reported by name with the engine's reason (log and `ironlbctl status`).
#include "speaker/standalone_services.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "config/loader.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ironlb::speaker {
namespace {

using ::testing::ElementsAre;

TEST(StandaloneServicesTest, PendingServicesAreNamedWithTheirReason) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("ilb-standalone-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "all.yaml")
      << "apiVersion: ironlb.io/v1alpha1\nkind: AddressPool\nmetadata: {name: lan}\n"
         "spec: {addresses: [10.0.0.7/32]}\n---\n"
         "apiVersion: v1\nkind: Service\nmetadata: {name: a, namespace: shop}\n"
         "spec: {type: LoadBalancer, ports: [{protocol: TCP, port: 80}]}\n---\n"
         "apiVersion: v1\nkind: Service\nmetadata: {name: b, namespace: shop}\n"
         "spec: {type: LoadBalancer, ports: [{protocol: TCP, port: 80}]}\n";
  config::LoadResult config = config::LoadDirectory(dir.string());
  ASSERT_TRUE(config.ok());
  const AssignedServices services = ReadStandaloneServices(config, dir.string());
  ASSERT_EQ(services.size(), 2u);
  EXPECT_THAT(PendingServices(services),
              ElementsAre("Service shop/b is pending: pool \"lan\" exhausted"));
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace ironlb::speaker

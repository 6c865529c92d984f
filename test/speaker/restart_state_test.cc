// The restart-state file: written by a restarting speaker, taken once by the next process,
// refused when it belongs to another node or namespace, is out of date, or is malformed.
#include "speaker/layer2/restart_state.h"

#include <unistd.h>

#include <cstdio>
#include <fstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "test/support/status_matchers.h"

namespace ironlb::speaker {
namespace {

using ::ironlb::testing::IsOk;
using ::ironlb::testing::StatusIs;

std::string TempPath() {
  return ::testing::TempDir() + "/restart-state-" + std::to_string(getpid()) + "/l2.json";
}

TEST(RestartStateTest, TakenOnceByTheSameNodeWithinItsGrace) {
  const std::string path = TempPath();
  const absl::Time now = absl::FromUnixSeconds(1800000000);
  RestartState s{
      .node = "s0",
      .host_id = ThisHostId(),
      .deadline = now + absl::Seconds(30),
      .claims = {{"eth0", {*IpAddress::Parse("10.90.0.100"), *IpAddress::Parse("fd00:90::100")}}}};
  ASSERT_THAT(WriteRestartState(path, s), IsOk());
  auto taken = TakeRestartState(path, "s0", ThisHostId(), now + absl::Seconds(1));
  ASSERT_THAT(taken, IsOk());
  ASSERT_TRUE(taken->has_value());
  EXPECT_EQ(**taken, s);
  // Never twice.
  auto again = TakeRestartState(path, "s0", ThisHostId(), now + absl::Seconds(2));
  ASSERT_THAT(again, IsOk());
  EXPECT_FALSE(again->has_value());
}

TEST(RestartStateTest, AnotherNodeNamespaceOrALateStartAdoptsNothing) {
  const std::string path = TempPath();
  const absl::Time now = absl::FromUnixSeconds(1800000000);
  RestartState s{.node = "s0", .host_id = ThisHostId(), .deadline = now + absl::Seconds(30)};
  for (const auto& [node, host, at] :
       {std::tuple<std::string, std::string, absl::Time>{"s1", ThisHostId(), now},
        {"s0", "another-boot/net:1", now},
        {"s0", ThisHostId(), now + absl::Seconds(30)}}) {
    ASSERT_THAT(WriteRestartState(path, s), IsOk());
    auto taken = TakeRestartState(path, node, host, at);
    ASSERT_THAT(taken, IsOk());
    EXPECT_FALSE(taken->has_value()) << node << " " << host;
    EXPECT_FALSE(std::ifstream(path).good()) << "the file is removed all the same";
  }
}

TEST(RestartStateTest, AMalformedFileNamesTheFieldAndIsRemoved) {
  const std::string path = TempPath();
  ASSERT_THAT(WriteRestartState(path, RestartState{.node = "s0"}), IsOk());
  for (const char* text :
       {"not json", R"({"node":"s0","deadlineUnixMs":"soon","claims":{}})",
        R"({"node":"s0","deadlineUnixMs":1,"claims":{"eth0":["10.0.0.300"]}})"}) {
    std::ofstream(path) << text;
    EXPECT_THAT(TakeRestartState(path, "s0", ThisHostId(), absl::FromUnixSeconds(0)),
                StatusIs(absl::StatusCode::kInvalidArgument, path));
    EXPECT_FALSE(std::ifstream(path).good());
  }
  // No file: nothing to adopt, no error.
  EXPECT_THAT(TakeRestartState(path, "s0", ThisHostId(), absl::FromUnixSeconds(0)), IsOk());
}

}  // namespace
}  // namespace ironlb::speaker

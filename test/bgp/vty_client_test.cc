// The vty client against a real bgpd (and zebra) in a namespace of the test's own.
#include "bgp/vty_client.h"

#include <unistd.h>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "test/support/frr_process.h"
#include "test/support/status_matchers.h"

namespace ironlb::bgp {
namespace {

using ::ironlb::testing::IsOk;
using ::ironlb::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::Not;

class VtyClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_THAT(frr_.Start("zebra"), IsOk());
    ASSERT_THAT(frr_.Start("bgpd"), IsOk());
    auto c = VtyClient::Connect(
        "bgpd", absl::StrCat("/var/run/ironlb-frr/", frr_.name(), "/bgpd.vty"), absl::Seconds(5));
    ASSERT_THAT(c, IsOk());
    client_ = std::move(*c);
  }
  ironlb::testing::FrrInstance frr_{absl::StrCat("vtytest", getpid())};
  std::unique_ptr<VtyClient> client_;
};

TEST_F(VtyClientTest, ConfiguresBgpAndReadsItBack) {
  ASSERT_THAT(
      client_->Configure({"router bgp 64512", "bgp router-id 10.0.0.1",
                          "neighbor 10.0.0.2 remote-as 64501", "neighbor 10.0.0.2 timers 3 9"}),
      IsOk());
  auto running = client_->Execute("show running-config");
  ASSERT_THAT(running, IsOk());
  EXPECT_THAT(*running, HasSubstr("router bgp 64512"));
  EXPECT_THAT(*running, HasSubstr("neighbor 10.0.0.2 remote-as 64501"));
  EXPECT_THAT(*running, HasSubstr("neighbor 10.0.0.2 timers 3 9"));

  auto summary = client_->Execute("show bgp ipv4 unicast summary json");
  ASSERT_THAT(summary, IsOk());
  const auto j = nlohmann::json::parse(*summary);
  EXPECT_EQ(j["as"], 64512);
  EXPECT_TRUE(j["peers"].contains("10.0.0.2"));
}

TEST_F(VtyClientTest, RefusedLinesAreNamedAndStopTheBatch) {
  const absl::Status st =
      client_->Configure({"router bgp 64512", "neighbor 10.0.0.9 remote-as banana",
                          "neighbor 10.0.0.3 remote-as 64501"});
  EXPECT_THAT(st, StatusIs(absl::StatusCode::kInvalidArgument,
                           "FRR bgpd refused \"neighbor 10.0.0.9 remote-as banana\""));
  auto running = client_->Execute("show running-config");
  ASSERT_THAT(running, IsOk());
  EXPECT_THAT(*running, Not(HasSubstr("10.0.0.3")));  // the batch stopped at the bad line
  // The session is back at the top: a second configuration works.
  EXPECT_THAT(client_->Configure({"router bgp 64512", "neighbor 10.0.0.3 remote-as 64501"}),
              IsOk());
  EXPECT_THAT(client_->Execute("frobnicate"),
              StatusIs(absl::StatusCode::kInvalidArgument, "refused \"frobnicate\""));
}

TEST_F(VtyClientTest, ABatchIsOneRoundTripEveryLineRunsAndTheFirstRefusalIsNamed) {
  std::vector<std::string> lines = {"router bgp 64512", "no bgp network import-check",
                                    "address-family ipv4 unicast"};
  for (int i = 1; i <= 1000; ++i) {
    lines.push_back(absl::StrCat("network 10.77.", i / 250, ".", i % 250, "/32"));
  }
  ASSERT_THAT(client_->ConfigureAll(lines), IsOk());
  auto running = client_->Execute("show running-config");
  ASSERT_THAT(running, IsOk());
  EXPECT_THAT(*running, HasSubstr("network 10.77.0.1/32"));
  EXPECT_THAT(*running, HasSubstr("network 10.77.4.0/32"));  // the 1,000th
  // A refused line is named; the lines after it still ran (bgpd has read them already).
  const absl::Status st = client_->ConfigureAll({"router bgp 64512", "address-family ipv4 unicast",
                                                 "network banana", "network 10.78.0.1/32"});
  EXPECT_THAT(st,
              StatusIs(absl::StatusCode::kInvalidArgument, "FRR bgpd refused \"network banana\""));
  running = client_->Execute("show running-config");
  ASSERT_THAT(running, IsOk());
  EXPECT_THAT(*running, HasSubstr("network 10.78.0.1/32"));
  // The session is back at the top.
  EXPECT_THAT(client_->Execute("show bgp ipv4 unicast summary json"), IsOk());
}

TEST_F(VtyClientTest, ADeadDaemonIsUnavailableNotAHang) {
  frr_.Kill("bgpd");
  EXPECT_THAT(client_->Execute("show running-config"),
              StatusIs(absl::StatusCode::kUnavailable, "FRR bgpd"));
  EXPECT_THAT(VtyClient::Connect("bgpd", "/nonexistent/bgpd.vty", absl::Seconds(1)),
              StatusIs(absl::StatusCode::kNotFound, "is bgpd running?"));
}

}  // namespace
}  // namespace ironlb::bgp

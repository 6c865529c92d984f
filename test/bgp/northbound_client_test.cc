// The gRPC northbound client against real FRR daemons (zebra + staticd built with gRPC by
// packaging/build-frr.sh), inside a network namespace of the test's own (see CMakeLists.txt).
#include "bgp/northbound_client.h"

#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <thread>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "test/support/frr_process.h"
#include "test/support/shell.h"
#include "test/support/status_matchers.h"

namespace ironlb::bgp {
namespace {

using ::ironlb::testing::IsOk;
using ::ironlb::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::Not;

std::string RouteListXpath(const std::string& prefix, const std::string& afi) {
  return absl::StrCat(
      "/frr-routing:routing/control-plane-protocols/control-plane-protocol"
      "[type='frr-staticd:staticd'][name='staticd'][vrf='default']/frr-staticd:staticd/"
      "route-list[prefix='",
      prefix, "'][afi-safi='frr-routing:", afi, "']");
}

// A blackhole route: the nexthop list entry plus its blackhole type.
YangEdit RouteEdit(const std::string& prefix, const std::string& afi) {
  return {YangEdit::Op::kSet,
          absl::StrCat(RouteListXpath(prefix, afi),
                       "/path-list[table-id='0'][distance='1']/frr-nexthops/"
                       "nexthop[nh-type='blackhole'][vrf='default'][gateway=''][interface='(null)']"
                       "/bh-type"),
          "unspec"};
}

// Polls `cmd` until its output contains (or no longer contains) `text`; bounded to 30 s (a hung
// test only).
bool EventuallyOutput(const std::string& cmd, const std::string& text, bool present = true) {
  for (int i = 0; i < 600; ++i) {
    if ((ironlb::testing::RunShell(cmd).find(text) != std::string::npos) == present) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

class NorthboundClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_THAT(frr_.Start("zebra"), IsOk());
    port_ = ironlb::testing::FreeLoopbackPort();
    ASSERT_THAT(frr_.Start("staticd", port_), IsOk());
    client_ = GrpcNorthboundClient::Create("staticd", absl::StrCat("127.0.0.1:", port_),
                                           absl::Seconds(2));
  }
  ironlb::testing::FrrInstance frr_{absl::StrCat("nbtest", getpid())};
  int port_ = 0;
  std::unique_ptr<GrpcNorthboundClient> client_;
};

TEST_F(NorthboundClientTest, CommitsRoutesThatFrrAndTheKernelThenHold) {
  auto version = client_->Version();
  ASSERT_THAT(version, IsOk());
  EXPECT_THAT(*version, HasSubstr("8."));

  ASSERT_THAT(client_->Commit({RouteEdit("192.0.2.10/32", "ipv4-unicast"),
                               RouteEdit("fd00::10/128", "ipv6-unicast")},
                              "ironlb test"),
              IsOk());
  const std::string running = frr_.Vtysh({"show running-config"});
  EXPECT_THAT(running, HasSubstr("ip route 192.0.2.10/32 blackhole"));
  EXPECT_THAT(running, HasSubstr("ipv6 route fd00::10/128 blackhole"));
  EXPECT_TRUE(EventuallyOutput("ip route show 192.0.2.10/32", "blackhole 192.0.2.10"));

  auto tree = client_->GetJson("/frr-routing:routing", DataKind::kConfig);
  ASSERT_THAT(tree, IsOk());
  EXPECT_THAT(*tree, HasSubstr("\"prefix\": \"192.0.2.10/32\""));

  // The same commit again changes nothing, and that is success (and says so).
  auto again = client_->Commit({RouteEdit("192.0.2.10/32", "ipv4-unicast")}, "again");
  ASSERT_THAT(again, IsOk());
  EXPECT_FALSE(*again);

  ASSERT_THAT(client_->Commit(
                  {{YangEdit::Op::kDelete, RouteListXpath("192.0.2.10/32", "ipv4-unicast"), ""}},
                  "withdraw"),
              IsOk());
  EXPECT_THAT(frr_.Vtysh({"show running-config"}), Not(HasSubstr("ip route 192.0.2.10/32")));
  EXPECT_TRUE(EventuallyOutput("ip route show 192.0.2.10/32", "192.0.2.10", /*present=*/false));
}

TEST_F(NorthboundClientTest, RejectedCommitKeepsFrrsMessageAndChangesNothing) {
  const absl::Status st =
      client_
          ->Commit({RouteEdit("192.0.2.20/32", "ipv4-unicast"),
                    {YangEdit::Op::kSet, "/frr-routing:routing/no-such-node", "1"}},
                   "bad")
          .status();
  EXPECT_FALSE(st.ok());
  EXPECT_THAT(std::string(st.message()), HasSubstr("FRR staticd at 127.0.0.1:"));
  EXPECT_THAT(std::string(st.message()), HasSubstr("no-such-node"));
  // One transaction: the good half of the rejected edit was not applied either.
  EXPECT_THAT(frr_.Vtysh({"show running-config"}), Not(HasSubstr("192.0.2.20")));
}

TEST_F(NorthboundClientTest, UnreachableFrrIsUnavailableAndARestartedOneIsReconnected) {
  frr_.Kill("staticd");
  EXPECT_THAT(client_->Commit({RouteEdit("192.0.2.30/32", "ipv4-unicast")}, "while down"),
              StatusIs(absl::StatusCode::kUnavailable, "FRR staticd"));
  ASSERT_THAT(frr_.Start("staticd", port_), IsOk());
  absl::Status st;
  for (int i = 0; i < 300; ++i) {  // gRPC reconnects within its (shortened) backoff
    st = client_->Commit({RouteEdit("192.0.2.30/32", "ipv4-unicast")}, "after restart").status();
    if (st.ok()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_THAT(st, IsOk());
  EXPECT_THAT(frr_.Vtysh({"show running-config"}), HasSubstr("ip route 192.0.2.30/32 blackhole"));
}

}  // namespace
}  // namespace ironlb::bgp

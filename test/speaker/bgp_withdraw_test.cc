// Graceful stop of BGP: "routes withdrawn" is said only when bgpd confirmed it.
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "speaker/bgp/bgp_speaker.h"
#include "test/support/status_matchers.h"

namespace ironlb::speaker {
namespace {

using ::ironlb::testing::IsOk;
using ::ironlb::testing::StatusIs;

bgp::FrrStatus Sending(uint64_t prefixes) {
  bgp::FrrStatus s;
  s.peers.push_back({.name = "tor",
                     .address = "10.0.0.1",
                     .family = "ipv4Unicast",
                     .state = "Established",
                     .prefixes_sent = prefixes});
  return s;
}

TEST(AwaitWithdrawnTest, ConfirmedWhenBgpdReportsNothingSent) {
  std::vector<bgp::FrrStatus> replies = {Sending(3), Sending(1), Sending(0)};
  size_t reads = 0;
  EXPECT_THAT(AwaitWithdrawn([&] { return replies.at(reads++); }, absl::Now() + absl::Seconds(30)),
              IsOk());
  EXPECT_EQ(reads, 3u);
}

// FRR's status cannot be read (bgpd.vty gone, say): nothing is confirmed, and the reason says
// so instead of "routes withdrawn".
TEST(AwaitWithdrawnTest, AnUnreadableStatusIsNotAConfirmation) {
  EXPECT_THAT(AwaitWithdrawn(
                  []() -> absl::StatusOr<bgp::FrrStatus> {
                    return absl::UnavailableError("connect to bgpd.vty: No such file");
                  },
                  absl::Now() + absl::Seconds(30)),
              StatusIs(absl::StatusCode::kUnavailable, "cannot read FRR's status to confirm"));
}

TEST(AwaitWithdrawnTest, StillSendingAtTheDeadlineNamesThePeer) {
  EXPECT_THAT(AwaitWithdrawn([] { return Sending(2); }, absl::Now()),
              StatusIs(absl::StatusCode::kDeadlineExceeded, "tor (2)"));
}

}  // namespace
}  // namespace ironlb::speaker

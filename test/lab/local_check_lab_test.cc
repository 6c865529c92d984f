// Health-gated layer-2 ownership end to end (the control-plane VIP recipe): three standalone
// speakers, no cluster, an L2Advertisement with `localCheck: {port: 6443}` and a stand-in for
// each host's kube-apiserver. Only a host whose check passes holds the VIP; the check failing
// on the owner moves the VIP to a host whose check passes (the time is printed, not asserted:
// test/bench/l2_failover_baseline --contenders ironlb_local_check measures it); the new
// owner's status names the cause, the old owner's `ironlbctl explain` and `status` say why it
// is not eligible; with every check failing nobody holds the VIP.
#include <iostream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "ctl/explain_command.h"
#include "ctl/status_command.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "test/lab/failover_trial.h"
#include "test/lab/lab.h"
#include "test/lab/local_check_holder.h"
#include "test/support/status_matchers.h"

namespace ironlb::lab {
namespace {

using ::ironlb::testing::IsOk;
using ::testing::HasSubstr;

constexpr char kOwned[] = "ironlb_l2_vips_owned{interface=\"eth0\"}";
constexpr char kPassing[] = "ironlb_l2_local_check_passing{advertisement=\"lab\"}";

class LocalCheckLabTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto l = Lab::Create({.speakers = 3});
    ASSERT_THAT(l, IsOk());
    lab_ = std::move(*l);
    holder_ = std::make_unique<LocalCheckHolder>(
        lab_.get(),
        IronlbHolderOptions{.speaker_binary = IRONLB_SPEAKER_BINARY, .rebalance = false});
  }
  void TearDown() override {
    if (HasFailure()) {
      for (const Host& h : lab_->speakers()) {
        std::cout << "---- status of " << h.name << "\n" << StatusText(h) << "\n";
      }
    }
    holder_.reset();
    lab_.reset();
  }

  std::string StatusText(const Host& host) {
    std::ostringstream out, err;
    ctl::RunStatus({.socket = holder_->speakers().StatusSocket(host)}, out, err);
    return out.str() + err.str();
  }
  std::string Explain(const Host& host) {
    std::ostringstream out, err;
    ctl::RunExplain({.config_dir = holder_->speakers().config_dir(),
                     .service = "lab/backend",
                     .status_socket = holder_->speakers().StatusSocket(host)},
                    out, err);
    return out.str() + err.str();
  }
  const Host& Other(const Host& not_this) const {
    for (const Host& h : lab_->speakers()) {
      if (h.name != not_this.name) return h;
    }
    return lab_->speaker(0);
  }

  std::unique_ptr<Lab> lab_;
  std::unique_ptr<LocalCheckHolder> holder_;
};

TEST_F(LocalCheckLabTest, TheVipFollowsThePassingCheck) {
  const Host& winner = holder_->PreferredOwner();  // the hash's choice with every check passing
  const Host& first = Other(winner);
  const std::string vip = holder_->vip();

  // A new cluster: only `first` runs a kube-apiserver yet. It holds the VIP, though it is not
  // the hash winner: the others are not eligible.
  ASSERT_THAT(holder_->StartStandIn(first), IsOk());
  for (const Host& h : lab_->speakers()) ASSERT_THAT(holder_->speakers().Start(h), IsOk());
  ASSERT_THAT(WaitForServingHost(*lab_, vip, 8080, Protocol::kTcp, first, absl::Seconds(60), 5),
              IsOk());
  EXPECT_EQ(WaitForSpeakerMetric(*lab_, winner, kPassing, [](double v) { return v == 0; }), 0);
  const std::string why = Explain(first);
  EXPECT_THAT(why, HasSubstr(absl::StrCat("owner: ", first.name)));
  EXPECT_THAT(why, HasSubstr("lab: its localCheck (TCP 127.0.0.1:6443) is not passing on it"));
  const std::string status = StatusText(winner);
  EXPECT_THAT(status, HasSubstr("Local checks"));
  EXPECT_THAT(status, HasSubstr("localCheck of L2Advertisement lab (TCP 127.0.0.1:6443) is not "
                                "passing"));

  // Every control-plane node up: the hash winner, there all along, becomes eligible and
  // takes the VIP.
  for (const Host& h : lab_->speakers()) ASSERT_THAT(holder_->StartStandIn(h), IsOk());
  ASSERT_THAT(WaitForServingHost(*lab_, vip, 8080, Protocol::kTcp, winner, absl::Seconds(60), 5),
              IsOk());

  // The owner's kube-apiserver dies while its speaker runs on: the VIP moves.
  auto trial = RunFailoverTrial(
      *lab_, *holder_, Failure::kKill,
      {.settle_timeout = absl::Seconds(60), .failover_timeout = absl::Seconds(60)});
  ASSERT_THAT(trial, IsOk());
  EXPECT_EQ(trial->old_owner, winner.name);
  EXPECT_NE(trial->new_owner, winner.name);
  std::cout << "local check failed on the owner -> another host answering: "
            << absl::ToDoubleMilliseconds(trial->failover) << " ms (" << trial->failed_requests
            << " failed requests)\n";
  const Host* heir = nullptr;
  for (const Host& h : lab_->speakers()) {
    if (h.name == trial->new_owner) heir = &h;
  }
  ASSERT_NE(heir, nullptr);
  const std::string takeover =
      "ironlb_l2_takeovers_total{interface=\"eth0\",cause=\"peer-ineligible\"}";
  EXPECT_GE(WaitForSpeakerMetric(*lab_, *heir, takeover, [](double v) { return v >= 1; }), 1);
  EXPECT_THAT(StatusText(*heir),
              HasSubstr(absl::StrCat(winner.name, " is no longer eligible: lab: its localCheck")));

  // The trial brought the winner's kube-apiserver back; then every one of them dies: nobody
  // holds the VIP.
  for (const Host& h : lab_->speakers()) holder_->StopStandIn(h);
  for (const Host& h : lab_->speakers()) {
    EXPECT_EQ(WaitForSpeakerMetric(
                  *lab_, h, kPassing, [](double v) { return v == 0; }, absl::Seconds(30)),
              0)
        << h.name;
    EXPECT_EQ(WaitForSpeakerMetric(
                  *lab_, h, kOwned, [](double v) { return v == 0; }, absl::Seconds(30)),
              0)
        << h.name;
  }
}

}  // namespace
}  // namespace ironlb::lab

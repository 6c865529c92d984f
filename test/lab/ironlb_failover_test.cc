// The ironlb speaker in the lab, measured like keepalived: after the owner's speaker is killed
// or its cable is cut another host serves the VIP within the targets' reach; a graceful stop
// loses no request at all; the returning owner gets back only the VIP it wins.
#include <regex>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "speaker/layer2/membership/owner_election.h"
#include "test/lab/failover_trial.h"
#include "test/lab/host_command.h"
#include "test/lab/ironlb_holder.h"
#include "test/lab/lab.h"
#include "test/support/status_matchers.h"

namespace ironlb::lab {
namespace {

using ::ironlb::testing::IsOk;

// Every case for an IPv4 VIP (ARP) and an IPv6 VIP (NDP).
class IronlbFailoverTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    auto l = Lab::Create({.speakers = 3});
    ASSERT_THAT(l, IsOk());
    lab_ = std::move(*l);
    holder_ = std::make_unique<IronlbHolder>(
        lab_.get(),
        IronlbHolderOptions{.vip = GetParam(), .speaker_binary = IRONLB_SPEAKER_BINARY});
    for (const Host& h : lab_->speakers()) ASSERT_THAT(holder_->Start(h), IsOk());
  }
  void TearDown() override { holder_.reset(); }
  std::unique_ptr<Lab> lab_;
  std::unique_ptr<IronlbHolder> holder_;
};

TEST_P(IronlbFailoverTest, KillLinkCutAndGracefulStop) {
  // No wall-clock bound here (a loaded machine must not fail it): how fast is measured by
  // test/bench/l2_failover_baseline. What makes a kill fast is that the heir notices the closed
  // liveness connection instead of waiting for silence: its takeover cause says which it was.
  const auto took_over_because = [&](const std::string& heir, const std::string& cause) {
    for (const Host& h : lab_->speakers()) {
      if (h.name != heir) continue;
      return WaitForSpeakerMetric(
                 *lab_, h,
                 absl::StrCat("ironlb_l2_takeovers_total{interface=\"eth0\",cause=\"", cause,
                              "\"}"),
                 [](double v) { return v >= 1; }) >= 1;
    }
    return false;
  };
  auto kill = RunFailoverTrial(*lab_, *holder_, Failure::kKill);
  ASSERT_THAT(kill, IsOk());
  EXPECT_EQ(kill->old_owner, holder_->PreferredOwner().name);
  EXPECT_NE(kill->new_owner, kill->old_owner);
  EXPECT_TRUE(took_over_because(kill->new_owner, "peer-died"));

  auto cut = RunFailoverTrial(*lab_, *holder_, Failure::kLinkDown);
  ASSERT_THAT(cut, IsOk());
  EXPECT_NE(cut->new_owner, cut->old_owner);
  EXPECT_TRUE(took_over_because(cut->new_owner, "peer-silent"));

  auto stop = RunFailoverTrial(*lab_, *holder_, Failure::kStop);
  ASSERT_THAT(stop, IsOk());
  EXPECT_NE(stop->new_owner, stop->old_owner);
  EXPECT_EQ(stop->failed_requests, 0)
      << "a graceful stop must hand over without a gap (new owner answered after "
      << absl::FormatDuration(stop->failover) << "): " << stop->failures;

  // After every trial the owner came back (RunFailoverTrial restores it) and won its VIP back.
  EXPECT_THAT(WaitForServingHost(*lab_, holder_->vip(), 8080, Protocol::kTcp,
                                 holder_->PreferredOwner(), absl::Seconds(10)),
              IsOk());
}

}  // namespace
}  // namespace ironlb::lab

namespace ironlb::lab {
namespace {

// MACs answering ARP for `vip` from the client, over a few requests.
std::set<std::string> ArpAnswerers(const Lab& lab, const std::string& vip) {
  std::set<std::string> macs;
  // arping: "... from 02:..:.. (10.90.0.100)"; ndisc6: "Target link-layer address: 02:..".
  static const std::regex kMac(R"((?:from|address:) ([0-9a-f]{2}(:[0-9a-f]{2}){5}))",
                               std::regex::icase);
  const bool v6 = vip.find(':') != std::string::npos;
  for (int i = 0; i < 3; ++i) {
    // ndisc6 -m waits for every answer, not just the first.
    auto r = v6 ? lab.Run(lab.client(),
                          {"ndisc6", "-m", "-r", "1", "-w", "300", vip, lab.client().lan_if})
                : lab.Run(lab.client(),
                          {"arping", "-c", "1", "-w", "0.3", "-I", lab.client().lan_if, vip});
    if (!r.ok()) continue;
    for (std::sregex_iterator it(r->output.begin(), r->output.end(), kMac), end; it != end; ++it) {
      macs.insert(absl::AsciiStrToLower((*it)[1].str()));
    }
  }
  return macs;
}

TEST_P(IronlbFailoverTest, HealedPartitionLeavesOneOwner) {
  std::vector<std::string> names;
  for (const Host& h : lab_->speakers()) names.push_back(h.name);
  const auto order = speaker::PreferenceOrder(*IpAddress::Parse(holder_->vip()), names);
  const Host* first = nullptr;
  const Host* second = nullptr;
  for (const Host& h : lab_->speakers()) {
    if (h.name == order[0]) first = &h;
    if (h.name == order[1]) second = &h;
  }
  ASSERT_TRUE(first && second);
  ASSERT_THAT(
      WaitForServingHost(*lab_, holder_->vip(), 8080, Protocol::kTcp, *first, absl::Seconds(10)),
      IsOk());

  // Cut first <-> second at the switch (adverts and everything else); the third hears both.
  const std::string table = "ironlb_partition";
  auto sw = [&](std::vector<std::string> argv) {
    std::vector<std::string> full = {"ip", "netns", "exec", lab_->switch_netns(), "nft"};
    full.insert(full.end(), argv.begin(), argv.end());
    return RunChecked(full);
  };
  ASSERT_THAT(sw({"add", "table", "bridge", table}), IsOk());
  ASSERT_THAT(sw({"add", "chain", "bridge", table, "isolate",
                  "{ type filter hook forward priority 0; policy accept; }"}),
              IsOk());
  for (const auto& [from, to] : {std::pair(first, second), std::pair(second, first)}) {
    ASSERT_THAT(sw({"add", "rule", "bridge", table, "isolate", "iifname", from->switch_port,
                    "oifname", to->switch_port, "drop"}),
                IsOk());
  }
  // Each side now believes the other dead: both claim the VIP (split brain, as designed).
  const std::set<std::string> both = {first->mac, second->mac};
  std::set<std::string> answering;
  for (const absl::Time until = absl::Now() + absl::Seconds(10);
       answering != both && absl::Now() < until;) {
    answering = ArpAnswerers(*lab_, holder_->vip());
  }
  EXPECT_EQ(answering, both);

  ASSERT_THAT(sw({"delete", "table", "bridge", table}), IsOk());
  // Healed: one owner answers ARP, and the client is served by it again (well within a second
  // on a quiet machine; no bound here, a loaded one must not fail this).
  ASSERT_THAT(
      WaitForServingHost(*lab_, holder_->vip(), 8080, Protocol::kTcp, *first, absl::Seconds(10)),
      IsOk());
  for (const absl::Time until = absl::Now() + absl::Seconds(10);
       answering != std::set<std::string>{first->mac} && absl::Now() < until;) {
    answering = ArpAnswerers(*lab_, holder_->vip());
  }
  EXPECT_EQ(answering, std::set<std::string>{first->mac});
}

}  // namespace
}  // namespace ironlb::lab

namespace ironlb::lab {
namespace {

TEST_P(IronlbFailoverTest, MetricsShowOwnersMembersAndAdverts) {
  const Host& owner = holder_->PreferredOwner();
  ASSERT_THAT(
      WaitForServingHost(*lab_, holder_->vip(), 8080, Protocol::kTcp, owner, absl::Seconds(10)),
      IsOk());
  const std::string eth0 = "{interface=\"eth0\"}";
  for (const Host& h : lab_->speakers()) {
    SCOPED_TRACE(h.name);
    // Gauges refresh once a second: wait for the settled values rather than a fixed time.
    const double owned = h.name == owner.name ? 1 : 0;
    EXPECT_EQ(WaitForSpeakerMetric(*lab_, h, "ironlb_l2_vips_owned" + eth0,
                                   [&](double v) { return v == owned; }),
              owned);
    EXPECT_EQ(WaitForSpeakerMetric(*lab_, h, "ironlb_l2_members_alive" + eth0,
                                   [](double v) { return v == 3; }),
              3);
    EXPECT_GT(WaitForSpeakerMetric(
                  *lab_, h, "ironlb_l2_adverts_total{interface=\"eth0\",direction=\"received\"}",
                  [](double v) { return v > 10; }),
              10);
  }
  auto kill = RunFailoverTrial(*lab_, *holder_, Failure::kKill);
  ASSERT_THAT(kill, IsOk());
  const Host* heir = nullptr;
  for (const Host& h : lab_->speakers()) {
    if (h.name == kill->new_owner) heir = &h;
  }
  ASSERT_NE(heir, nullptr);
  EXPECT_GE(WaitForSpeakerMetric(*lab_, *heir, "ironlb_l2_vips_gained_total" + eth0,
                                 [](double v) { return v >= 1; }),
            1);
}

INSTANTIATE_TEST_SUITE_P(Families, IronlbFailoverTest,
                         ::testing::Values("10.90.0.100", "fd00:90::100"), [](const auto& info) {
                           return info.param.find(':') == std::string::npos ? "ipv4" : "ipv6";
                         });
}  // namespace
}  // namespace ironlb::lab

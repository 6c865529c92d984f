// Hitless restart and sticky ownership in the lab (three speakers, a client, real ARP/NDP):
// - the owner's speaker restarted (SIGTERM, a new process): not one request fails, every
//   request is served by the owner, nobody else takes the VIP, the new process adopts it;
// - a restart that does not come back is taken over once its grace ends; a host that goes down
//   while its speaker restarts is taken over as fast as any dead host;
// - a returning owner takes nothing back (sticky), and a speaker leaving for good hands over
//   with one ARP/NDP answerer at any instant (the client never sees the old MAC again).
// Every wait is on a condition with a generous deadline; which mechanism acted (grace ended,
// host gone, frozen hold) is read from the takeover's cause, never from how long it took.
#include <signal.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
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

const std::string kEth0 = "{interface=\"eth0\"}";

class IronlbRestartLabTest : public ::testing::TestWithParam<std::string> {
 protected:
  void StartLab(std::vector<std::string> extra_args = {}) {
    auto l = Lab::Create({.speakers = 3});
    ASSERT_THAT(l, IsOk());
    lab_ = std::move(*l);
    holder_ = std::make_unique<IronlbHolder>(
        lab_.get(), IronlbHolderOptions{.vip = GetParam(),
                                        .speaker_binary = IRONLB_SPEAKER_BINARY,
                                        .rebalance = false,
                                        .extra_args = std::move(extra_args)});
    for (const Host& h : lab_->speakers()) ASSERT_THAT(holder_->Start(h), IsOk());
    // Every speaker hears every other (each then past its hold-off within 160 ms), and the
    // hash winner serves.
    for (const Host& h : lab_->speakers()) {
      ASSERT_TRUE(MetricReaches(h, "ironlb_l2_members_alive" + kEth0, 3)) << h.name;
    }
    ASSERT_THAT(WaitForServingHost(*lab_, GetParam(), 8080, Protocol::kTcp, Owner(),
                                   absl::Seconds(20), /*count=*/20),
                IsOk());
  }
  void TearDown() override { holder_.reset(); }
  const Host& Owner() const { return holder_->PreferredOwner(); }
  // The speaker that takes the VIP when the owner is gone.
  const Host& Heir() const {
    std::vector<std::string> names;
    for (const Host& h : lab_->speakers()) {
      if (h.name != Owner().name) names.push_back(h.name);
    }
    const auto heir = speaker::OwnerFor(*IpAddress::Parse(GetParam()), names);
    for (const Host& h : lab_->speakers()) {
      if (h.name == *heir) return h;
    }
    return lab_->speaker(0);
  }
  // Waits until `sample` of `host`'s metrics reaches at least `want`.
  bool MetricReaches(const Host& host, const std::string& sample, double want,
                     absl::Duration timeout = absl::Seconds(10)) {
    const absl::Time deadline = absl::Now() + timeout;
    while (absl::Now() < deadline) {
      if (SpeakerMetric(*lab_, host, sample) >= want) return true;
      absl::SleepFor(absl::Milliseconds(50));
    }
    return false;
  }
  // VIPs gained by every speaker but `except` since they started (takeovers, not the start).
  double GainedByOthers(const Host& except) {
    double sum = 0;
    for (const Host& h : lab_->speakers()) {
      if (h.name == except.name) continue;
      sum += std::max(0.0, SpeakerMetric(*lab_, h, "ironlb_l2_vips_gained_total" + kEth0));
    }
    return sum;
  }
  std::unique_ptr<Lab> lab_;
  std::unique_ptr<IronlbHolder> holder_;
};

TEST_P(IronlbRestartLabTest, RestartsOfTheOwnerLoseNothingAndMoveNothing) {
  StartLab();
  const Host& owner = Owner();
  const double gained_before = GainedByOthers(owner);
  auto prober = Prober::Start(lab_->client().netns,
                              {.vip = GetParam(), .port = 8080, .max_duration = absl::Seconds(60)});
  ASSERT_THAT(prober, IsOk());
  ASSERT_THAT((*prober)->WaitForAnswerFrom(absl::Now(), "", absl::Seconds(5)), IsOk());
  for (int i = 0; i < 3; ++i) {
    SCOPED_TRACE(absl::StrCat("restart ", i));
    // Like systemd's restart or a rolling update: the old process exits, 300 ms without a
    // speaker, then the new one starts.
    ASSERT_THAT(holder_->Restart(owner, absl::Milliseconds(300)), IsOk());
    // The new process says it adopted the VIP from its predecessor.
    EXPECT_TRUE(
        MetricReaches(owner, "ironlb_l2_takeovers_total{interface=\"eth0\",cause=\"restart\"}", 1));
    EXPECT_EQ(SpeakerMetric(*lab_, owner, "ironlb_l2_vips_owned" + kEth0), 1);
  }
  // Past the new process's hold-off, it is a full member again; the others still hold nothing.
  for (const Host& h : lab_->speakers()) {
    EXPECT_TRUE(MetricReaches(h, "ironlb_l2_members_alive" + kEth0, 3)) << h.name;
  }
  (*prober)->Stop();
  int failed = 0, others = 0, served = 0;
  for (const ProbeResult& r : (*prober)->Results()) {
    if (!r.ok) {
      ++failed;
    } else {
      ++served;
      if (r.host != owner.name) ++others;
    }
  }
  EXPECT_GT(served, 50);
  EXPECT_EQ(failed, 0) << "requests failed during the restarts";
  EXPECT_EQ(others, 0) << "requests served by another host: the VIP moved";
  EXPECT_EQ(GainedByOthers(owner), gained_before) << "another speaker took the VIP";
}

TEST_P(IronlbRestartLabTest, ARestartThatDoesNotComeBackIsTakenOverAfterItsGrace) {
  StartLab({"--restart-grace=2s"});
  const Host& owner = Owner();
  const absl::Time terminated = absl::Now();
  ASSERT_THAT(holder_->TerminateForRestart(owner), IsOk());
  ASSERT_THAT(
      WaitForServingHost(*lab_, GetParam(), 8080, Protocol::kTcp, Heir(), absl::Seconds(20)),
      IsOk());
  // Not before the grace ended (a lower bound only: a busy machine may take longer).
  EXPECT_GE(absl::Now() - terminated, absl::Seconds(2));
  EXPECT_TRUE(MetricReaches(
      Heir(), "ironlb_l2_takeovers_total{interface=\"eth0\",cause=\"peer-restart-timeout\"}", 1));
}

TEST_P(IronlbRestartLabTest, AHostThatGoesDownWhileItsSpeakerRestartsIsTakenOverAtOnce) {
  StartLab();  // the default grace: 30 s
  const Host& owner = Owner();
  ASSERT_THAT(holder_->TerminateForRestart(owner), IsOk());
  // The host's kernel still answers the others' probes: they keep waiting for its speaker.
  // Then its cable is cut (as a host powering off during a reboot).
  ASSERT_THAT(lab_->CutLink(owner), IsOk());
  ASSERT_THAT(
      WaitForServingHost(*lab_, GetParam(), 8080, Protocol::kTcp, Heir(), absl::Seconds(60)),
      IsOk());
  // Not by the grace running out: the others noticed the host itself was gone (the cause says
  // which; how soon is l2_failover_baseline's to measure).
  EXPECT_TRUE(MetricReaches(
      Heir(), "ironlb_l2_takeovers_total{interface=\"eth0\",cause=\"peer-silent\"}", 1));
  ASSERT_THAT(lab_->RestoreLink(owner), IsOk());
}

TEST_P(IronlbRestartLabTest, AStarvedOwnerKeepsItsVipUntilTheFrozenHoldEnds) {
  StartLab({"--layer2-frozen-hold=8s"});
  const Host& owner = Owner();
  const double gained_before = GainedByOthers(owner);
  auto prober = Prober::Start(lab_->client().netns,
                              {.vip = GetParam(), .port = 8080, .max_duration = absl::Seconds(60)});
  ASSERT_THAT(prober, IsOk());
  ASSERT_THAT((*prober)->WaitForAnswerFrom(absl::Now(), "", absl::Seconds(5)), IsOk());
  // The owner's speaker gets no CPU for a while (SIGSTOP: far past dead_after); its host
  // still answers and forwards, so nobody takes the VIP.
  ASSERT_THAT(holder_->Signal(owner, SIGSTOP), IsOk());
  const absl::Time stopped = absl::Now();
  // Stopped for 1 s (six times dead_after; the scenario, not a wait for a result).
  while (absl::Now() - stopped < absl::Seconds(1)) absl::SleepFor(absl::Milliseconds(50));
  ASSERT_THAT(holder_->Signal(owner, SIGCONT), IsOk());
  for (const Host& h : lab_->speakers()) {
    EXPECT_TRUE(MetricReaches(h, "ironlb_l2_members_alive" + kEth0, 3)) << h.name;
  }
  (*prober)->Stop();
  int others = 0, served = 0;
  for (const ProbeResult& r : (*prober)->Results()) {
    if (r.ok) ++served;
    if (r.ok && r.host != owner.name) ++others;
  }
  EXPECT_GT(served, 10);
  EXPECT_EQ(others, 0) << "requests served by another host: the VIP moved";
  EXPECT_EQ(GainedByOthers(owner), gained_before) << "another speaker took the VIP";
  // Stopped for longer than the hold: the VIP moves, and says why.
  ASSERT_THAT(holder_->Signal(owner, SIGSTOP), IsOk());
  ASSERT_THAT(
      WaitForServingHost(*lab_, GetParam(), 8080, Protocol::kTcp, Heir(), absl::Seconds(30)),
      IsOk());
  EXPECT_TRUE(MetricReaches(
      Heir(), "ironlb_l2_takeovers_total{interface=\"eth0\",cause=\"peer-frozen\"}", 1));
  ASSERT_THAT(holder_->Signal(owner, SIGCONT), IsOk());
}

TEST_P(IronlbRestartLabTest, AReturningOwnerTakesNothingBack) {
  StartLab();
  const absl::Time started = absl::Now();  // every speaker joined before this
  const Host& owner = Owner();
  const Host& heir = Heir();
  holder_->Kill(owner);
  ASSERT_THAT(WaitForServingHost(*lab_, GetParam(), 8080, Protocol::kTcp, heir, absl::Seconds(20)),
              IsOk());
  const double heir_gained = SpeakerMetric(*lab_, heir, "ironlb_l2_vips_gained_total" + kEth0);
  // A node that joins within 10 s of the others counts as starting with them (a cluster
  // starting up is balanced by the hash); one that returns later takes nothing back. The
  // protocol's window, not a wait for an outcome.
  absl::SleepFor(started + absl::Seconds(11) - absl::Now());
  ASSERT_THAT(holder_->Restore(owner), IsOk());  // its speaker starts again
  // Everyone sees everyone again, and the returned owner is past its hold-off.
  for (const Host& h : lab_->speakers()) {
    ASSERT_TRUE(MetricReaches(h, "ironlb_l2_members_alive" + kEth0, 3)) << h.name;
  }
  // Over the next 100 requests (about 2 s), the heir serves every one: no second move. Each
  // may take long on a busy machine (a move shows as another host answering, not as a wait).
  auto prober = Prober::Start(
      lab_->client().netns,
      {.vip = GetParam(), .port = 8080, .timeout = absl::Seconds(5), .max_requests = 100});
  ASSERT_THAT(prober, IsOk());
  const absl::Time deadline = absl::Now() + absl::Seconds(120);
  while ((*prober)->Results().size() < 100 && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(50));
  }
  (*prober)->Stop();
  int by_heir = 0;
  std::set<std::string> seen;
  for (const ProbeResult& r : (*prober)->Results()) {
    by_heir += r.ok && r.host == heir.name;
    seen.insert(r.ok ? r.host : r.error);
  }
  EXPECT_EQ(by_heir, static_cast<int>((*prober)->Results().size()))
      << "heir " << heir.name << "; served by or failed with: " << absl::StrJoin(seen, ", ");
  EXPECT_EQ(SpeakerMetric(*lab_, owner, "ironlb_l2_vips_owned" + kEth0), 0);
  EXPECT_EQ(SpeakerMetric(*lab_, heir, "ironlb_l2_vips_gained_total" + kEth0), heir_gained);
}

// MACs of the ARP replies / NAs for `vip` the client captured, in order.
std::vector<std::string> AnswerersInOrder(const std::string& pcap_text, const std::string& vip) {
  std::vector<std::string> macs;
  for (absl::string_view line : absl::StrSplit(pcap_text, '\n')) {
    // tcpdump -e -n: "<time> 02:..:.. > ...: ARP, Reply 10.90.0.100 is-at 02:..:.., length 28"
    // or "... ICMP6, neighbor advertisement, tgt is fd00:90::100, length 32"
    const bool arp = absl::StrContains(line, absl::StrCat("Reply ", vip, " is-at"));
    const bool na = absl::StrContains(line, "neighbor advertisement") &&
                    absl::StrContains(line, absl::StrCat("tgt is ", vip, ","));
    if (!arp && !na) continue;
    std::vector<absl::string_view> words = absl::StrSplit(line, ' ', absl::SkipEmpty());
    if (words.size() > 1) macs.emplace_back(words[1]);  // the frame's source MAC
  }
  return macs;
}

TEST_P(IronlbRestartLabTest, LeavingForGoodHasOneAnswererAtAnyInstant) {
  StartLab();
  const Host& owner = Owner();
  const bool v6 = GetParam().find(':') != std::string::npos;
  const std::string pcap = lab_->work_dir() + "/handover.txt";
  auto dump = lab_->Spawn(lab_->client(),
                          {"sh", "-c",
                           absl::StrCat("exec tcpdump -l -e -n -i ", lab_->client().lan_if, " ",
                                        v6 ? "icmp6" : "arp", " > ", pcap, " 2>/dev/null")},
                          "tcpdump");
  ASSERT_THAT(dump, IsOk());
  // Waits (bounded) until the capture holds `n` answers from `mac`.
  auto answers_from = [&](const std::string& mac, long n) {
    const absl::Time deadline = absl::Now() + absl::Seconds(120);
    while (absl::Now() < deadline) {
      const std::vector<std::string> seen = AnswerersInOrder(ReadFile(pcap), GetParam());
      if (std::count(seen.begin(), seen.end(), mac) >= n) return true;
      absl::SleepFor(absl::Milliseconds(100));
    }
    return false;
  };
  // The client asks for the VIP every 10 ms while the owner leaves, until told to stop (a
  // busy machine spawns each ask slowly: the test waits on answers, not on a count of asks).
  const std::string stop_file = lab_->work_dir() + "/asker.stop";
  auto asker = lab_->Spawn(
      lab_->client(),
      {"sh", "-c",
       absl::StrCat(
           "for i in $(seq 3000); do [ -e ", stop_file, " ] && break; ",
           v6 ? absl::StrCat("ndisc6 -q -r 1 -w 10 ", GetParam(), " ", lab_->client().lan_if)
              : absl::StrCat("arping -q -c 1 -w 0.05 -i ", lab_->client().lan_if, " ", GetParam()),
           " >/dev/null 2>&1; sleep 0.01; done")},
      "asker");
  ASSERT_THAT(asker, IsOk());
  // The capture sees the owner answer before it leaves (tcpdump attached, the asks arrive).
  ASSERT_TRUE(answers_from(owner.mac, 3)) << ReadFile(pcap).substr(0, 2000);
  ASSERT_THAT(holder_->Stop(owner), IsOk());  // SIGUSR2: leaving for good
  // Until the heir has answered 20 times (well past the handover); judged below.
  (void)answers_from(Heir().mac, 20);
  { std::ofstream(stop_file) << "stop\n"; }
  ASSERT_TRUE((*asker)->WaitExit(absl::Seconds(60)));
  (*dump)->Signal(SIGTERM);
  (*dump)->WaitExit(absl::Seconds(5));
  const std::string text = ReadFile(pcap);
  const std::vector<std::string> macs = AnswerersInOrder(text, GetParam());
  ASSERT_GT(macs.size(), 10u) << text.substr(0, 2000);
  // Old owner's MAC first, then the heir's; once the heir answered, never the old one again.
  size_t first_new = macs.size();
  for (size_t i = 0; i < macs.size(); ++i) {
    if (macs[i] != owner.mac) {
      first_new = i;
      break;
    }
  }
  ASSERT_LT(first_new, macs.size()) << "the heir never answered";
  std::set<std::string> after(macs.begin() + static_cast<long>(first_new), macs.end());
  EXPECT_EQ(after, std::set<std::string>{Heir().mac})
      << "two answerers alternated after the handover began";
}

INSTANTIATE_TEST_SUITE_P(Families, IronlbRestartLabTest,
                         ::testing::Values("10.90.0.100", "fd00:90::100"), [](const auto& info) {
                           return info.param.find(':') == std::string::npos ? "ipv4" : "ipv6";
                         });

}  // namespace
}  // namespace ironlb::lab

// The lab harness against the real kernel: hosts in namespaces, backends that say who they
// are, VIP ownership by announcement (not by the kernel), link cuts, and teardown that leaves
// nothing behind, whether by destructor or by SIGTERM.
#include "test/lab/lab.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "test/lab/failover.h"
#include "test/lab/neighbour.h"
#include "test/lab/prober.h"
#include "test/support/status_matchers.h"

namespace ironlb::lab {
namespace {

using ::ironlb::testing::IsOk;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kVip4[] = "10.90.0.100";
constexpr char kVip6[] = "fd00:90::100";
constexpr uint16_t kPort = 8080;

std::string NetnsList() {
  auto r = RunCommand({"ip", "netns", "list"});
  return r.ok() ? r->output : "";
}

TEST(LabTest, VipMovedByHandAfterLinkCutIsServedByTheNewOwner) {
  auto lab = Lab::Create({.speakers = 3});
  ASSERT_THAT(lab.status(), IsOk());
  Lab& l = **lab;
  const Host& s0 = l.speaker(0);
  const Host& s1 = l.speaker(1);
  const std::string& client = l.client().netns;

  // On lo with arp_ignore=1 the kernel serves the VIP but does not claim it on the LAN.
  ASSERT_THAT(l.AddVip(s0, kVip4), IsOk());
  EXPECT_THAT(ProbeOnce(client, kVip4, kPort, Protocol::kTcp, absl::Milliseconds(300)).status(),
              Not(IsOk()));
  ASSERT_THAT(l.AnnounceVip(s0, kVip4), IsOk());
  EXPECT_EQ(ProbeOnce(client, kVip4, kPort, Protocol::kTcp).value_or("?"), "s0");
  EXPECT_EQ(ProbeOnce(client, kVip4, kPort, Protocol::kUdp).value_or("?"), "s0");
  auto owner = NeighbourOwner(l, l.client(), kVip4);
  ASSERT_THAT(owner.status(), IsOk());
  EXPECT_EQ((*owner)->name, "s0");

  auto prober = Prober::Start(client, {.vip = kVip4, .port = kPort});
  ASSERT_THAT(prober.status(), IsOk());
  absl::SleepFor(absl::Milliseconds(100));
  const absl::Time cut = absl::Now();
  ASSERT_THAT(l.CutLink(s0), IsOk());
  const absl::Time cut_done = absl::Now();  // s0's link is down from here on
  ASSERT_THAT(l.AddVip(s1, kVip4), IsOk());
  ASSERT_THAT(l.AnnounceVip(s1, kVip4), IsOk());
  auto answer = (*prober)->WaitForAnswerFrom(cut, "s0", absl::Seconds(30));
  (*prober)->Stop();
  ASSERT_THAT(answer.status(), IsOk());
  EXPECT_EQ(answer->host, "s1");

  const std::vector<ProbeResult> results = (*prober)->Results();
  ASSERT_FALSE(results.empty());
  EXPECT_TRUE(results.front().ok);
  EXPECT_EQ(results.front().host, "s0");
  auto failover = FailoverTime(results, cut, "s0");
  ASSERT_THAT(failover.status(), IsOk());
  EXPECT_GT(*failover, absl::ZeroDuration());
  // Nothing sent after the cut was done is served by s0 (a busy machine may take a while to
  // run the cut itself: judged from when it returned, not from when it was started).
  for (const ProbeResult& r : results) {
    if (r.sent > cut_done) EXPECT_NE(r.host, "s0");
  }
  owner = NeighbourOwner(l, l.client(), kVip4);
  ASSERT_THAT(owner.status(), IsOk());
  EXPECT_EQ((*owner)->name, "s1");
}

TEST(LabTest, Ipv6VipFollowsUnsolicitedNeighborAdvertisements) {
  auto lab = Lab::Create({.speakers = 2});
  ASSERT_THAT(lab.status(), IsOk());
  Lab& l = **lab;
  const std::string& client = l.client().netns;
  ASSERT_THAT(l.AddVip(l.speaker(0), kVip6), IsOk());
  ASSERT_THAT(l.AnnounceVip(l.speaker(0), kVip6), IsOk());
  EXPECT_EQ(ProbeOnce(client, kVip6, kPort, Protocol::kTcp).value_or("?"), "s0");
  EXPECT_EQ(ProbeOnce(client, kVip6, kPort, Protocol::kUdp).value_or("?"), "s0");

  ASSERT_THAT(l.RemoveVip(l.speaker(0), kVip6), IsOk());
  ASSERT_THAT(l.AddVip(l.speaker(1), kVip6), IsOk());
  ASSERT_THAT(l.AnnounceVip(l.speaker(1), kVip6), IsOk());
  EXPECT_EQ(ProbeOnce(client, kVip6, kPort, Protocol::kTcp).value_or("?"), "s1");
  auto owner = NeighbourOwner(l, l.client(), kVip6);
  ASSERT_THAT(owner.status(), IsOk());
  EXPECT_EQ((*owner)->name, "s1");
}

TEST(LabTest, RunsCommandsInAHostAndReportsExitCodeAndOutput) {
  auto lab = Lab::Create({.speakers = 1, .backend_ports = {}});
  ASSERT_THAT(lab.status(), IsOk());
  auto addr = (*lab)->Run((*lab)->speaker(0), {"ip", "-o", "addr", "show", "dev", "eth0"});
  ASSERT_THAT(addr.status(), IsOk());
  EXPECT_EQ(addr->exit_code, 0);
  EXPECT_THAT(addr->output, HasSubstr("10.90.0.11/24"));
  auto fail = (*lab)->Run((*lab)->client(), {"sh", "-c", "echo oops >&2; exit 3"});
  ASSERT_THAT(fail.status(), IsOk());
  EXPECT_EQ(fail->exit_code, 3);
  EXPECT_EQ(fail->output, "oops\n");
  auto slow = (*lab)->Run((*lab)->client(), {"sleep", "5"}, absl::Milliseconds(100));
  ASSERT_THAT(slow.status(), IsOk());
  EXPECT_EQ(slow->exit_code, -1);
}

TEST(LabTest, OutsideClientReachesAVipThroughTheRouter) {
  auto lab = Lab::Create({.speakers = 2, .router = true});
  ASSERT_THAT(lab.status(), IsOk());
  Lab& l = **lab;
  ASSERT_NE(l.router(), nullptr);
  ASSERT_NE(l.outside_client(), nullptr);
  ASSERT_THAT(l.AddVip(l.speaker(1), kVip4), IsOk());
  ASSERT_THAT(l.AnnounceVip(l.speaker(1), kVip4), IsOk());
  EXPECT_EQ(ProbeOnce(l.outside_client()->netns, kVip4, kPort, Protocol::kTcp).value_or("?"), "s1");
  EXPECT_EQ(ProbeOnce(l.outside_client()->netns, kVip4, kPort, Protocol::kUdp).value_or("?"), "s1");
}

TEST(LabTest, DestructionRemovesEveryNamespaceAndProcess) {
  std::vector<std::string> namespaces;
  std::vector<pid_t> pids;
  {
    auto lab = Lab::Create({.speakers = 3});
    ASSERT_THAT(lab.status(), IsOk());
    auto sleeper = (*lab)->Spawn((*lab)->speaker(2), {"sleep", "1000"});
    ASSERT_THAT(sleeper.status(), IsOk());
    namespaces = (*lab)->Namespaces();
    pids = (*lab)->BackendPids();
    pids.push_back((*sleeper)->pid());
    EXPECT_EQ(namespaces.size(), 5u);  // switch, client, s0..s2
    const std::string listed = NetnsList();
    for (const std::string& ns : namespaces) EXPECT_THAT(listed, HasSubstr(ns));
    for (pid_t pid : pids) EXPECT_FALSE(ProcessGone(pid));
  }
  const std::string listed = NetnsList();
  for (const std::string& ns : namespaces) EXPECT_THAT(listed, Not(HasSubstr(ns)));
  for (pid_t pid : pids) EXPECT_TRUE(ProcessGone(pid)) << pid;
}

TEST(LabTest, SigtermOfTheTestRemovesEveryNamespaceAndProcess) {
  const std::string out = absl::StrCat("/tmp/ilb-lab-signal-", getpid(), ".out");
  auto child = HostProcess::Start({IRONLB_LAB_SIGNAL_CHILD}, "", out);
  ASSERT_THAT(child.status(), IsOk());
  std::string line;
  for (int i = 0; i < 300 && line.empty(); ++i) {
    std::ifstream f(out);
    std::getline(f, line);
    if (line.empty() || !f.good()) {
      line.clear();
      absl::SleepFor(absl::Milliseconds(50));
    }
  }
  ASSERT_FALSE(line.empty()) << "the child did not build its lab";
  std::vector<std::string> parts = absl::StrSplit(line, " | ");
  ASSERT_EQ(parts.size(), 2u);
  std::vector<std::string> namespaces = absl::StrSplit(parts[0], ' ');
  std::vector<std::string> pid_texts = absl::StrSplit(parts[1], ' ');
  EXPECT_EQ(namespaces.size(), 4u);
  EXPECT_EQ(pid_texts.size(), 3u);

  (*child)->Signal(SIGTERM);
  EXPECT_TRUE((*child)->WaitExit(absl::Seconds(5)));
  std::remove(out.c_str());
  const std::string listed = NetnsList();
  for (const std::string& ns : namespaces) EXPECT_THAT(listed, Not(HasSubstr(ns)));
  for (const std::string& p : pid_texts) {
    // SIGKILLed by the child's handler; give the kernel a moment to finish them (bounded).
    const pid_t pid = std::stoi(p);
    bool gone = ProcessGone(pid);
    for (int i = 0; i < 100 && !gone; ++i) {
      absl::SleepFor(absl::Milliseconds(20));
      gone = ProcessGone(pid);
    }
    EXPECT_TRUE(gone) << "pid " << pid << " survived its lab's SIGTERM";
  }
}

}  // namespace
}  // namespace ironlb::lab

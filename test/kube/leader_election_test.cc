// Two candidates against the fake API server's Lease: exactly one leads; when the leader stops
// renewing, the other takes over only after the lease has expired; a released lease is taken
// at once.
#include <atomic>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kube/kube_time.h"
#include "kube/leader_elector.h"
#include "test/kube/fake_api_server.h"
#include "test/kube/kube_test_util.h"
#include "test/support/status_matchers.h"

namespace ironlb::kube::testing {
namespace {

using ::ironlb::testing::IsOk;
using ::ironlb::testing::StatusIs;
using nlohmann::json;

constexpr char kLeases[] = "coordination.k8s.io/v1/leases";

struct Candidate {
  std::atomic<int> started{0};
  std::atomic<int> stopped{0};
  std::unique_ptr<LeaderElector> elector;
};

class LeaderElectionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto server = FakeApiServer::Start();
    ASSERT_THAT(server, IsOk());
    server_ = *std::move(server);
    client_a_ = ClientFor(*server_);
    client_b_ = ClientFor(*server_);
  }
  // `lease_duration` long (a minute) makes "without waiting for the lease to expire" a fact a
  // generous deadline can check, instead of a timing bound.
  void Make(Candidate& c, Client* client, const std::string& identity, bool release,
            absl::Duration lease_duration = absl::Seconds(2)) {
    LeaderElectionConfig config{.lease_namespace = "ironlb-system",
                                .lease_name = "ironlb-controller",
                                .identity = identity,
                                .lease_duration = lease_duration,
                                .renew_deadline = absl::Milliseconds(1500),
                                .retry_period = absl::Milliseconds(200),
                                .release_on_stop = release,
                                .on_started_leading = [&c] { ++c.started; },
                                .on_stopped_leading = [&c] { ++c.stopped; }};
    auto elector = LeaderElector::Create(client, config);
    ASSERT_THAT(elector, IsOk());
    c.elector = *std::move(elector);
  }
  std::string Holder() {
    auto lease = server_->Object(kLeases, "ironlb-system", "ironlb-controller");
    return lease ? (*lease)["spec"].value("holderIdentity", "") : "";
  }
  std::unique_ptr<FakeApiServer> server_;
  std::unique_ptr<Client> client_a_;
  std::unique_ptr<Client> client_b_;
};

TEST_F(LeaderElectionTest, ExactlyOneLeadsAndTheOtherTakesOverAfterExpiry) {
  Candidate a, b;
  Make(a, client_a_.get(), "node-a", /*release=*/false);
  Make(b, client_b_.get(), "node-b", /*release=*/false);
  a.elector->Start();
  b.elector->Start();
  ASSERT_TRUE(Eventually([&] { return a.elector->IsLeader() || b.elector->IsLeader(); }));
  // For a few lease periods, never two leaders and always the Lease's holder.
  const absl::Time until = absl::Now() + absl::Seconds(3);
  while (absl::Now() < until) {
    ASSERT_FALSE(a.elector->IsLeader() && b.elector->IsLeader());
    absl::SleepFor(absl::Milliseconds(10));
  }
  Candidate& leader = a.elector->IsLeader() ? a : b;
  Candidate& standby = a.elector->IsLeader() ? b : a;
  const std::string leader_id = a.elector->IsLeader() ? "node-a" : "node-b";
  const std::string standby_id = a.elector->IsLeader() ? "node-b" : "node-a";
  EXPECT_EQ(Holder(), leader_id);
  EXPECT_TRUE(Eventually([&] { return leader.started == 1; }));  // the callback follows
  EXPECT_EQ(standby.started, 0);

  const json lease = *server_->Object(kLeases, "ironlb-system", "ironlb-controller");
  EXPECT_EQ(lease["spec"]["leaseDurationSeconds"], 2);
  EXPECT_EQ(lease["spec"]["leaseTransitions"], 0);
  const std::string micro = "[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{6}Z";
  EXPECT_THAT(lease["spec"]["renewTime"].get<std::string>(), ::testing::MatchesRegex(micro));
  EXPECT_THAT(lease["spec"]["acquireTime"].get<std::string>(), ::testing::MatchesRegex(micro));
  // The leader keeps renewing: renewTime moves on.
  EXPECT_TRUE(Eventually([&] {
    const json now = *server_->Object(kLeases, "ironlb-system", "ironlb-controller");
    return now["spec"]["renewTime"] != lease["spec"]["renewTime"];
  }));

  // The leader dies without releasing: the standby must wait out the lease, then take it.
  const absl::Time died = absl::Now();
  leader.elector->Stop();
  EXPECT_EQ(leader.stopped, 1);
  ASSERT_TRUE(Eventually([&] { return standby.elector->IsLeader(); }, absl::Seconds(30)));
  const absl::Duration takeover = absl::Now() - died;
  EXPECT_GE(takeover, absl::Seconds(2) - absl::Milliseconds(500));  // it waited the lease out
  EXPECT_EQ(Holder(), standby_id);
  EXPECT_TRUE(Eventually([&] { return standby.started == 1; }));  // the callback follows
  const json taken = *server_->Object(kLeases, "ironlb-system", "ironlb-controller");
  EXPECT_EQ(taken["spec"]["leaseTransitions"], 1);
  EXPECT_EQ(standby.elector->ObservedLeader(), standby_id);
  standby.elector->Stop();
}

TEST_F(LeaderElectionTest, ReleasedLeaseIsTakenAtOnce) {
  Candidate a, b;
  // A minute's lease: b leading within the 10 s below can only come from a's release.
  Make(a, client_a_.get(), "node-a", /*release=*/true, absl::Minutes(1));
  a.elector->Start();
  ASSERT_TRUE(Eventually([&] { return a.elector->IsLeader(); }));
  Make(b, client_b_.get(), "node-b", /*release=*/true, absl::Minutes(1));
  b.elector->Start();
  ASSERT_TRUE(Eventually([&] { return b.elector->ObservedLeader() == "node-a"; }));
  EXPECT_FALSE(b.elector->IsLeader());

  a.elector->Stop();
  EXPECT_EQ(a.stopped, 1);
  ASSERT_TRUE(Eventually([&] { return b.elector->IsLeader(); }, absl::Seconds(10)));
  EXPECT_EQ(Holder(), "node-b");
}

TEST_F(LeaderElectionTest, LeaderThatCannotRenewStepsDown) {
  Candidate a;
  // A minute's lease: stepping down within the 10 s below can only come from the renew
  // deadline (1.5 s), long before the lease could expire.
  Make(a, client_a_.get(), "node-a", /*release=*/false, absl::Minutes(1));
  a.elector->Start();
  ASSERT_TRUE(Eventually([&] { return a.elector->IsLeader(); }));
  server_->FailNextRequests(1000, 503);  // the API server is unreachable for the leader
  ASSERT_TRUE(Eventually([&] { return !a.elector->IsLeader(); }, absl::Seconds(10)));
  EXPECT_TRUE(Eventually([&] { return a.stopped == 1; }));
  server_->FailNextRequests(0, 503);
  ASSERT_TRUE(Eventually([&] { return a.elector->IsLeader(); }));
  EXPECT_TRUE(Eventually([&] { return a.started == 2; }));
}

TEST(LeaderElectorConfigTest, RejectsInconsistentDurations) {
  LeaderElectionConfig config{.lease_namespace = "ns", .lease_name = "l", .identity = "me"};
  config.renew_deadline = config.lease_duration;
  EXPECT_THAT(LeaderElector::Create(nullptr, config),
              StatusIs(absl::StatusCode::kInvalidArgument, "lease duration > renew deadline"));
  config = LeaderElectionConfig{.lease_namespace = "ns", .lease_name = "l"};
  EXPECT_THAT(LeaderElector::Create(nullptr, config),
              StatusIs(absl::StatusCode::kInvalidArgument, "identity"));
}

}  // namespace
}  // namespace ironlb::kube::testing

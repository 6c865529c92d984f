// Failover arithmetic and the neighbour-table parser, on fixed inputs.
#include "test/lab/failover.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "test/lab/neighbour.h"
#include "test/support/status_matchers.h"

namespace ironlb::lab {
namespace {

using ::ironlb::testing::IsOk;
using ::ironlb::testing::StatusIs;

ProbeResult At(absl::Time t0, int sent_ms, int done_ms, bool ok, std::string host) {
  ProbeResult r;
  r.sent = t0 + absl::Milliseconds(sent_ms);
  r.done = t0 + absl::Milliseconds(done_ms);
  r.ok = ok;
  r.host = std::move(host);
  return r;
}

TEST(FailoverTest, MeasuresFromEventToFirstAnswerFromAnotherHost) {
  const absl::Time t0 = absl::FromUnixSeconds(1000);
  const std::vector<ProbeResult> results = {
      At(t0, 0, 1, true, "s0"),
      At(t0, 10, 11, true, "s0"),
      At(t0, 20, 520, false, ""),
      At(t0, 30, 530, false, ""),
      At(t0, 240, 241, true, "s0"),  // the old owner still answering
                                     // (split brain) does not count
      At(t0, 250, 252, true, "s1"),
      At(t0, 260, 261, true, "s1"),
  };
  auto d = FailoverTime(results, t0 + absl::Milliseconds(15), "s0");
  ASSERT_THAT(d.status(), IsOk());
  EXPECT_EQ(*d, absl::Milliseconds(237));
  EXPECT_EQ(FailedBetween(results, t0 + absl::Milliseconds(15), t0 + absl::Milliseconds(252)), 2);
  EXPECT_THAT(FailoverTime(results, t0 + absl::Seconds(1), "s0").status(),
              StatusIs(absl::StatusCode::kNotFound, "no answer"));
}

TEST(FailoverTest, SummarizesMedianNearestRankP95AndMax) {
  std::vector<double> samples;
  for (int i = 20; i >= 1; --i) samples.push_back(i);
  const Summary s = Summarize(samples);
  EXPECT_EQ(s.count, 20);
  EXPECT_DOUBLE_EQ(s.median, 10.5);
  EXPECT_DOUBLE_EQ(s.p95, 19);
  EXPECT_DOUBLE_EQ(s.max, 20);
  EXPECT_EQ(Summarize({}).count, 0);
  EXPECT_DOUBLE_EQ(Summarize({7}).p95, 7);
}

TEST(NeighbourTest, PicksTheVipsEntryFromIpJson) {
  const std::string json =
      R"([{"dst":"10.90.0.11","dev":"eth0","lladdr":"02:00:00:aa:90:0b","state":["REACHABLE"]},)"
      R"({"dst":"10.90.0.100","dev":"eth0","lladdr":"02:00:00:AA:90:0C","state":["STALE"]}])";
  auto e = ParseNeighbourJson(json, "10.90.0.100");
  ASSERT_THAT(e.status(), IsOk());
  EXPECT_EQ(e->mac, "02:00:00:aa:90:0c");
  EXPECT_EQ(e->state, "STALE");
  EXPECT_THAT(ParseNeighbourJson(json, "10.90.0.101").status(),
              StatusIs(absl::StatusCode::kNotFound, "10.90.0.101"));
  EXPECT_THAT(ParseNeighbourJson("{oops", "10.90.0.100").status(),
              StatusIs(absl::StatusCode::kInternal, "not a JSON array"));
  auto failed = ParseNeighbourJson(R"([{"dst":"10.90.0.100","state":["FAILED"]}])", "10.90.0.100");
  ASSERT_THAT(failed.status(), IsOk());
  EXPECT_EQ(failed->mac, "");
}

}  // namespace
}  // namespace ironlb::lab

// Pure pieces of kube/: URL building, the HTTP status -> absl::Status mapping, backoff bounds,
// API time formats.
#include <set>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kube/api_error.h"
#include "kube/backoff.h"
#include "kube/kube_time.h"
#include "kube/resource.h"
#include "test/support/status_matchers.h"

namespace ironlb::kube {
namespace {

using ::ironlb::testing::IsOk;
using ::ironlb::testing::StatusIs;

TEST(ResourceTest, BuildsCoreAndGroupPaths) {
  EXPECT_EQ(Resource::Services().ObjectPath("default", "web", "status"),
            "/api/v1/namespaces/default/services/web/status");
  EXPECT_EQ(Resource::Services().CollectionPath(""), "/api/v1/services");
  EXPECT_EQ(Resource::Leases().ObjectPath("ironlb-system", "ctl"),
            "/apis/coordination.k8s.io/v1/namespaces/ironlb-system/leases/ctl");
  EXPECT_EQ(Resource::Nodes().ObjectPath("ignored", "n1"), "/api/v1/nodes/n1");
  EXPECT_EQ(Resource::EndpointSlices().ApiVersion(), "discovery.k8s.io/v1");
  EXPECT_EQ(EscapeQueryValue("app in (a,b)"), "app%20in%20%28a%2Cb%29");
}

TEST(ApiErrorTest, MapsCodesAndQuotesTheStatusMessage) {
  const std::string conflict =
      R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",)"
      R"("message":"Operation cannot be fulfilled","reason":"Conflict","code":409})";
  EXPECT_THAT(StatusFromResponse({409, conflict}, "PUT services a/b"),
              StatusIs(absl::StatusCode::kAborted,
                       "PUT services a/b: HTTP 409 Conflict: Operation cannot be fulfilled"));
  const std::string exists = R"({"kind":"Status","reason":"AlreadyExists","message":"x"})";
  EXPECT_THAT(StatusFromResponse({409, exists}, "POST"),
              StatusIs(absl::StatusCode::kAlreadyExists, "x"));
  EXPECT_THAT(StatusFromResponse({410, ""}, "WATCH"),
              StatusIs(absl::StatusCode::kOutOfRange, "WATCH: HTTP 410 Gone"));
  EXPECT_THAT(StatusFromResponse({403, ""}, "GET"),
              StatusIs(absl::StatusCode::kPermissionDenied, "HTTP 403 Forbidden"));
  EXPECT_THAT(StatusFromResponse({422, ""}, "POST"),
              StatusIs(absl::StatusCode::kInvalidArgument, "HTTP 422"));
  EXPECT_THAT(StatusFromResponse({502, "<html>bad gateway</html>"}, "GET"),
              StatusIs(absl::StatusCode::kUnavailable, "HTTP 502 Bad Gateway: <html>bad gateway"));
  EXPECT_THAT(StatusFromResponse({504, ""}, "GET"),
              StatusIs(absl::StatusCode::kDeadlineExceeded, "HTTP 504"));
}

TEST(BackoffTest, GrowsWithJitterAndStaysBounded) {
  Backoff backoff({.initial = absl::Milliseconds(100), .max = absl::Seconds(1), .jitter = 0.5});
  absl::Duration first = backoff.Next();
  EXPECT_GE(first, absl::Milliseconds(100));
  EXPECT_LT(first, absl::Milliseconds(150));
  absl::Duration second = backoff.Next();
  EXPECT_GE(second, absl::Milliseconds(200));
  EXPECT_LT(second, absl::Milliseconds(300));
  for (int i = 0; i < 50; ++i) EXPECT_LE(backoff.Next(), absl::Seconds(1));
  backoff.Reset();
  EXPECT_LT(backoff.Next(), absl::Milliseconds(150));
  // Jitter spreads retries: 20 fresh backoffs do not all wait the same.
  std::set<int64_t> waits;
  for (int i = 0; i < 20; ++i) {
    Backoff b({.initial = absl::Milliseconds(100)});
    waits.insert(absl::ToInt64Microseconds(b.Next()));
  }
  EXPECT_GT(waits.size(), 1u);
}

TEST(KubeTimeTest, FormatsAndParsesApiTimes) {
  const absl::Time t = absl::FromUnixMicros(1795236000123456);
  EXPECT_EQ(FormatApiMicroTime(t), "2026-11-21T04:40:00.123456Z");
  EXPECT_EQ(FormatApiTime(t), "2026-11-21T04:40:00Z");
  auto parsed = ParseApiTime("2026-11-21T04:40:00.123456Z", "renewTime");
  ASSERT_THAT(parsed, IsOk());
  EXPECT_EQ(*parsed, t);
  auto offset = ParseApiTime("2026-11-21T05:40:00+01:00", "t");
  ASSERT_THAT(offset, IsOk());
  EXPECT_EQ(*offset, absl::FromUnixSeconds(1795236000));
  EXPECT_THAT(ParseApiTime("yesterday", "spec.renewTime"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "spec.renewTime: \"yesterday\" is not an RFC 3339 time"));
}

}  // namespace
}  // namespace ironlb::kube

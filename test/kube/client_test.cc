// Writes against the fake API server: status updates with 409 retries, the status subresource,
// merge patches, Events with aggregation, errors that name the object and the API's message,
// bounded timeouts.
#include "kube/client.h"

#include <atomic>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kube/event_recorder.h"
#include "test/kube/fake_api_server.h"
#include "test/kube/kube_test_util.h"
#include "test/support/status_matchers.h"

namespace ironlb::kube::testing {
namespace {

using ::ironlb::testing::IsOk;
using ::ironlb::testing::StatusIs;
using nlohmann::json;

constexpr char kServices[] = "v1/services";

json Service(const std::string& name) {
  return json{{"apiVersion", "v1"},
              {"kind", "Service"},
              {"metadata", {{"namespace", "default"}, {"name", name}}},
              {"spec", {{"type", "LoadBalancer"}, {"ports", {{{"port", 80}}}}}}};
}

json Ingress(const std::string& ip) {
  return json{{"loadBalancer", {{"ingress", {{{"ip", ip}, {"ipMode", "VIP"}}}}}}};
}

class ClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto server = FakeApiServer::Start();
    ASSERT_THAT(server, IsOk());
    server_ = *std::move(server);
    client_ = ClientFor(*server_);
  }
  std::unique_ptr<FakeApiServer> server_;
  std::unique_ptr<Client> client_;
  const Resource services_ = Resource::Services();
};

TEST_F(ClientTest, CreateGetAndErrorsNameTheObjectAndTheApiMessage) {
  auto created = client_->Create(services_, Service("web"));
  ASSERT_THAT(created, IsOk());
  EXPECT_FALSE((*created)["metadata"]["uid"].get<std::string>().empty());
  EXPECT_EQ((*created)["status"], json({{"loadBalancer", json::object()}}));
  EXPECT_THAT(client_->Create(services_, Service("web")),
              StatusIs(absl::StatusCode::kAlreadyExists,
                       "POST services default/web: HTTP 409 Conflict: services \"web\" already "
                       "exists"));
  EXPECT_THAT(client_->Get(services_, "default", "nope"),
              StatusIs(absl::StatusCode::kNotFound,
                       "GET services default/nope: HTTP 404 Not Found: services \"nope\" not "
                       "found"));
  server_->FailNextRequests(1, 503);
  EXPECT_THAT(client_->Get(services_, "default", "web"),
              StatusIs(absl::StatusCode::kUnavailable, "GET services default/web: HTTP 503"));
  EXPECT_THAT(client_->Get(services_, "default", "web"), IsOk());
}

TEST_F(ClientTest, ReplaceStatusWritesOnlyTheStatusAndObjectWritesLeaveItAlone) {
  ASSERT_THAT(client_->Create(services_, Service("web")), IsOk());
  auto object = client_->Get(services_, "default", "web");
  ASSERT_THAT(object, IsOk());
  json change = *object;
  change["status"] = Ingress("10.0.0.1");
  change["spec"]["type"] = "ClusterIP";  // ignored by the status subresource
  auto written = client_->ReplaceStatus(services_, change);
  ASSERT_THAT(written, IsOk());
  EXPECT_EQ((*written)["status"], Ingress("10.0.0.1"));
  EXPECT_EQ((*written)["spec"]["type"], "LoadBalancer");

  json main = *written;
  main["status"] = Ingress("10.9.9.9");  // ignored by the object itself
  main["metadata"]["labels"] = {{"team", "a"}};
  auto replaced = client_->Replace(services_, main);
  ASSERT_THAT(replaced, IsOk());
  EXPECT_EQ((*replaced)["status"], Ingress("10.0.0.1"));
  EXPECT_EQ((*replaced)["metadata"]["labels"]["team"], "a");

  // A status write needs the version it was computed from.
  json unguarded = *replaced;
  unguarded["metadata"].erase("resourceVersion");
  EXPECT_THAT(client_->ReplaceStatus(services_, unguarded),
              StatusIs(absl::StatusCode::kInvalidArgument, "metadata.resourceVersion"));
  // A stale one is a conflict.
  EXPECT_THAT(client_->ReplaceStatus(services_, *written),
              StatusIs(absl::StatusCode::kAborted,
                       "PUT services default/web/status: HTTP 409 Conflict: Operation cannot be "
                       "fulfilled on services \"web\": the object has been modified"));
}

TEST_F(ClientTest, UpdateStatusRereadsAndRetriesOnConflict) {
  ASSERT_THAT(client_->Create(services_, Service("web")), IsOk());
  int calls = 0;
  auto updated = client_->UpdateStatus(services_, "default", "web", [&](json& svc) {
    ++calls;
    if (calls == 1) {
      // Another writer changes the object between our read and our write.
      json other = *server_->Object(kServices, "default", "web");
      other["metadata"]["annotations"] = {{"other", "writer"}};
      server_->Put(kServices, other);
    }
    svc["status"] = Ingress("10.0.0.7");
    return absl::StatusOr<bool>(true);
  });
  ASSERT_THAT(updated, IsOk());
  EXPECT_EQ(calls, 2);
  const json stored = *server_->Object(kServices, "default", "web");
  EXPECT_EQ(stored["status"], Ingress("10.0.0.7"));
  EXPECT_EQ(stored["metadata"]["annotations"]["other"], "writer");  // the other write survives
  int status_puts = 0;
  for (auto& r : server_->Requests()) {
    if (r.method == "PUT" && r.path == "/api/v1/namespaces/default/services/web/status") {
      ++status_puts;
    }
  }
  EXPECT_EQ(status_puts, 2);
}

TEST_F(ClientTest, UpdateStatusGivesUpAfterBoundedConflicts) {
  ASSERT_THAT(client_->Create(services_, Service("web")), IsOk());
  int calls = 0;
  auto updated = client_->UpdateStatus(services_, "default", "web", [&](json& svc) {
    ++calls;
    json other = *server_->Object(kServices, "default", "web");
    other["metadata"]["annotations"] = {{"n", absl::StrCat(calls)}};
    server_->Put(kServices, other);
    svc["status"] = Ingress("10.0.0.8");
    return absl::StatusOr<bool>(true);
  });
  EXPECT_THAT(updated, StatusIs(absl::StatusCode::kAborted,
                                "status update of services default/web: still conflicting after "
                                "6 attempts"));
  EXPECT_EQ(calls, 6);
}

TEST_F(ClientTest, UpdateStatusWritesNothingWhenNothingChanged) {
  ASSERT_THAT(client_->Create(services_, Service("web")), IsOk());
  const int64_t before = server_->resource_version();
  auto result = client_->UpdateStatus(services_, "default", "web",
                                      [](json&) { return absl::StatusOr<bool>(false); });
  ASSERT_THAT(result, IsOk());
  EXPECT_EQ(server_->resource_version(), before);
}

TEST_F(ClientTest, MergePatchSetsAndRemovesAnnotations) {
  json svc = Service("web");
  svc["metadata"]["annotations"] = {{"keep", "1"}, {"drop", "2"}};
  ASSERT_THAT(client_->Create(services_, svc), IsOk());
  auto patched =
      client_->PatchAnnotations(services_, "default", "web",
                                {{"ironlb.io/allocated-from-pool", "lan"}, {"drop", std::nullopt}});
  ASSERT_THAT(patched, IsOk());
  EXPECT_EQ((*patched)["metadata"]["annotations"],
            json({{"keep", "1"}, {"ironlb.io/allocated-from-pool", "lan"}}));
  auto requests = server_->Requests();
  EXPECT_EQ(requests.back().method, "PATCH");
  EXPECT_THAT(client_->PatchAnnotations(services_, "default", "gone", {{"a", "b"}}),
              StatusIs(absl::StatusCode::kNotFound, "PATCH services default/gone: HTTP 404"));
}

TEST_F(ClientTest, DeleteRemovesAndReportsMissing) {
  ASSERT_THAT(client_->Create(services_, Service("web")), IsOk());
  EXPECT_THAT(client_->Delete(services_, "default", "web"), IsOk());
  EXPECT_FALSE(server_->Object(kServices, "default", "web").has_value());
  EXPECT_THAT(client_->Delete(services_, "default", "web"),
              StatusIs(absl::StatusCode::kNotFound, "DELETE services default/web"));
}

TEST_F(ClientTest, ListPagesAndExpiredContinueTokens) {
  for (int i = 0; i < 5; ++i) server_->Put(kServices, Service(absl::StrCat("s", i)));
  auto first = client_->List(services_, "default", ListOptions{.limit = 2});
  ASSERT_THAT(first, IsOk());
  ASSERT_EQ(first->items.size(), 2u);
  EXPECT_EQ(first->items[0]["kind"], "Service");  // filled in from the list's kind
  EXPECT_FALSE(first->continue_token.empty());
  // Pages come from the same snapshot even when things change in between.
  server_->Put(kServices, Service("s10"));
  auto second =
      client_->List(services_, "default", {.limit = 2, .continue_token = first->continue_token});
  ASSERT_THAT(second, IsOk());
  EXPECT_EQ(second->resource_version, first->resource_version);
  EXPECT_EQ(second->items[0]["metadata"]["name"], "s2");
  server_->Compact();
  EXPECT_THAT(
      client_->List(services_, "default", {.limit = 2, .continue_token = second->continue_token}),
      StatusIs(absl::StatusCode::kOutOfRange, "HTTP 410 Gone: The provided continue"));
  EXPECT_THAT(client_->List(services_, "", {.label_selector = "a in (b"}),
              StatusIs(absl::StatusCode::kInvalidArgument, "HTTP 400"));
}

TEST_F(ClientTest, SlowResponsesHitTheRequestTimeout) {
  // The server answers (successfully) after 2 s, the client gives up after 300 ms:
  // DeadlineExceeded can only be the client's own timeout, no wall-clock bound needed.
  auto fast_client = ClientFor(*server_, absl::Milliseconds(300));
  server_->SetResponseDelay(absl::Seconds(2));
  EXPECT_THAT(
      fast_client->Get(services_, "default", "web"),
      StatusIs(absl::StatusCode::kDeadlineExceeded, "GET /api/v1/namespaces/default/services/web"));
  server_->SetResponseDelay(absl::ZeroDuration());
}

TEST_F(ClientTest, EventsAreCreatedAndRepeatsAggregated) {
  auto svc = client_->Create(services_, Service("web"));
  ASSERT_THAT(svc, IsOk());
  EventRecorder recorder(client_.get(), "ironlb-controller", "node-a");
  auto first = recorder.Record(*svc, EventRecorder::Type::kNormal, "IPAllocated",
                               "Assigned IP 10.0.0.1 from pool lan");
  ASSERT_THAT(first, IsOk());
  const json& e = *first;
  EXPECT_EQ(e["involvedObject"]["kind"], "Service");
  EXPECT_EQ(e["involvedObject"]["name"], "web");
  EXPECT_EQ(e["involvedObject"]["uid"], (*svc)["metadata"]["uid"]);
  EXPECT_EQ(e["metadata"]["namespace"], "default");
  EXPECT_EQ(e["type"], "Normal");
  EXPECT_EQ(e["reason"], "IPAllocated");
  EXPECT_EQ(e["count"], 1);
  EXPECT_EQ(e["source"]["component"], "ironlb-controller");
  EXPECT_THAT(e["firstTimestamp"].get<std::string>(),
              ::testing::MatchesRegex("[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z"));

  auto again = recorder.Record(*svc, EventRecorder::Type::kNormal, "IPAllocated",
                               "Assigned IP 10.0.0.1 from pool lan");
  ASSERT_THAT(again, IsOk());
  EXPECT_EQ((*again)["count"], 2);
  EXPECT_EQ((*again)["metadata"]["name"], e["metadata"]["name"]);
  ASSERT_THAT(recorder.Record(*svc, EventRecorder::Type::kWarning, "AllocationFailed",
                              "no pool has a free address"),
              IsOk());
  EXPECT_EQ(server_->Objects("v1/events").size(), 2u);

  // The aggregated Event expired on the server: the next repeat starts a new one.
  server_->Remove("v1/events", "default", e["metadata"]["name"]);
  auto fresh = recorder.Record(*svc, EventRecorder::Type::kNormal, "IPAllocated",
                               "Assigned IP 10.0.0.1 from pool lan");
  ASSERT_THAT(fresh, IsOk());
  EXPECT_EQ((*fresh)["count"], 1);
}

}  // namespace
}  // namespace ironlb::kube::testing

// The informer against the fake API server: paging, resume after dropped connections without
// lost or repeated events, 410 Gone -> relist, bookmarks, selectors, 5xx backoff.
#include "kube/informer.h"

#include <atomic>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "test/kube/fake_api_server.h"
#include "test/kube/kube_test_util.h"
#include "test/support/status_matchers.h"

namespace ironlb::kube::testing {
namespace {

using ::ironlb::testing::IsOk;
using ::ironlb::testing::StatusIs;
using nlohmann::json;
using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::IsEmpty;

constexpr char kServices[] = "v1/services";

json Service(const std::string& ns, const std::string& name, const std::string& app = "web",
             int port = 80) {
  return json{{"apiVersion", "v1"},
              {"kind", "Service"},
              {"metadata", {{"namespace", ns}, {"name", name}, {"labels", {{"app", app}}}}},
              {"spec", {{"type", "LoadBalancer"}, {"ports", {{{"port", port}}}}}}};
}

// Records what handlers saw as "ADDED default/a 80" lines, in order.
class Recorder {
 public:
  InformerHandlers Handlers() {
    return InformerHandlers{
        .on_add = [this](const ObjectPtr& o) { Add("ADDED", *o); },
        .on_update = [this](const ObjectPtr&, const ObjectPtr& o) { Add("MODIFIED", *o); },
        .on_delete = [this](const ObjectPtr& o) { Add("DELETED", *o); }};
  }
  std::vector<std::string> events() const {
    std::lock_guard<std::mutex> lock(mu_);
    return events_;
  }
  size_t size() const { return events().size(); }

 private:
  void Add(const char* type, const json& o) {
    std::lock_guard<std::mutex> lock(mu_);
    events_.push_back(absl::StrCat(type, " ", o["metadata"]["namespace"].get<std::string>(), "/",
                                   o["metadata"]["name"].get<std::string>(), " ",
                                   o["spec"]["ports"][0]["port"].get<int>()));
  }
  mutable std::mutex mu_;
  std::vector<std::string> events_;
};

InformerOptions FastOptions() {
  InformerOptions o;
  o.resource = Resource::Services();
  o.page_size = 10;
  o.watch_timeout = absl::Seconds(30);
  o.backoff = BackoffPolicy{.initial = absl::Milliseconds(10), .max = absl::Milliseconds(100)};
  return o;
}

std::vector<FakeApiServer::RecordedRequest> Watches(const FakeApiServer& server) {
  std::vector<FakeApiServer::RecordedRequest> out;
  for (auto& r : server.Requests()) {
    if (r.params.count("watch") > 0) out.push_back(r);
  }
  return out;
}

int Lists(const FakeApiServer& server) {
  int n = 0;
  for (auto& r : server.Requests()) {
    if (r.method == "GET" && r.path == "/api/v1/services" && r.params.count("watch") == 0) ++n;
  }
  return n;
}

class InformerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto server = FakeApiServer::Start();
    ASSERT_THAT(server, IsOk());
    server_ = *std::move(server);
    client_ = ClientFor(*server_);
  }
  std::unique_ptr<FakeApiServer> server_;
  std::unique_ptr<Client> client_;
  Recorder recorder_;
};

TEST_F(InformerTest, ListsInPagesThenDeliversWatchEventsInOrder) {
  for (int i = 0; i < 25; ++i) server_->Put(kServices, Service("default", absl::StrCat("s", i)));
  Informer informer(client_.get(), FastOptions(), recorder_.Handlers());
  informer.Start();
  ASSERT_TRUE(informer.WaitForSync(absl::Seconds(10)));
  EXPECT_EQ(informer.store().size(), 25u);
  EXPECT_EQ(recorder_.size(), 25u);
  // 25 objects, pages of 10: three requests, the later ones with the continue token.
  int pages = 0, continued = 0;
  for (auto& r : server_->Requests()) {
    if (r.params.count("watch") > 0 || r.path != "/api/v1/services") continue;
    ++pages;
    EXPECT_EQ(r.params["limit"], "10");
    if (r.params.count("continue") > 0) ++continued;
  }
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(continued, 2);
  // The watch starts from the list's resourceVersion, with bookmarks.
  ASSERT_TRUE(Eventually([&] { return !Watches(*server_).empty(); }));
  auto watch = Watches(*server_)[0];
  EXPECT_EQ(watch.params["resourceVersion"], "26");
  EXPECT_EQ(watch.params["allowWatchBookmarks"], "true");

  server_->Put(kServices, Service("default", "s3", "web", 8080));
  server_->Remove(kServices, "default", "s4");
  server_->Put(kServices, Service("other", "new"));
  ASSERT_TRUE(Eventually([&] { return recorder_.size() == 28; }));
  const auto events = recorder_.events();
  EXPECT_THAT(
      std::vector<std::string>(events.begin() + 25, events.end()),
      ElementsAre("MODIFIED default/s3 8080", "DELETED default/s4 80", "ADDED other/new 80"));
  ASSERT_NE(informer.store().Get("default", "s3"), nullptr);
  EXPECT_EQ((*informer.store().Get("default/s3"))["spec"]["ports"][0]["port"], 8080);
  EXPECT_EQ(informer.store().Get("default", "s4"), nullptr);
  EXPECT_EQ(informer.resource_version(), absl::StrCat(server_->resource_version()));
}

TEST_F(InformerTest, ResumesAfterDroppedConnectionWithoutLosingOrRepeatingEvents) {
  server_->SetBookmarks(false);  // so the resume point is the last event's version
  for (int i = 0; i < 3; ++i) server_->Put(kServices, Service("default", absl::StrCat("s", i)));
  Informer informer(client_.get(), FastOptions(), recorder_.Handlers());
  informer.Start();
  ASSERT_TRUE(informer.WaitForSync(absl::Seconds(10)));
  std::vector<std::string> expected = recorder_.events();

  for (int round = 0; round < 5; ++round) {
    ASSERT_TRUE(Eventually([&] { return server_->open_watches() == 1; }));
    const json changed = server_->Put(kServices, Service("default", "s0", "web", 1000 + round));
    expected.push_back(absl::StrCat("MODIFIED default/s0 ", 1000 + round));
    ASSERT_TRUE(Eventually([&] { return recorder_.size() == expected.size(); }));
    const std::string last_seen = changed["metadata"]["resourceVersion"];

    // Cut the stream, then change things while the informer is away.
    server_->DropWatches();
    server_->Put(kServices, Service("default", absl::StrCat("added", round)));
    expected.push_back(absl::StrCat("ADDED default/added", round, " 80"));
    server_->Put(kServices, Service("default", "s1", "web", 2000 + round));
    expected.push_back(absl::StrCat("MODIFIED default/s1 ", 2000 + round));
    ASSERT_TRUE(Eventually([&] { return recorder_.size() == expected.size(); }));
    EXPECT_THAT(recorder_.events(), ElementsAreArray(expected));
    // The new watch resumed exactly where the last one left off.
    ASSERT_TRUE(Eventually([&] {
      auto watches = Watches(*server_);
      return static_cast<int>(watches.size()) >= round + 2;
    }));
    auto watches = Watches(*server_);
    bool resumed = false;
    for (auto& w : watches) resumed |= w.params["resourceVersion"] == last_seen;
    EXPECT_TRUE(resumed) << "no watch resumed from " << last_seen;
  }
  // Nothing late or repeated: one more change, and once it arrives (events come in order)
  // everything before it is exactly what was expected.
  server_->Put(kServices, Service("default", "sentinel"));
  expected.push_back("ADDED default/sentinel 80");
  ASSERT_TRUE(Eventually([&] { return recorder_.size() >= expected.size(); }));
  EXPECT_THAT(recorder_.events(), ElementsAreArray(expected));
  EXPECT_EQ(Lists(*server_), 1);  // resumed, never re-listed
  EXPECT_EQ(informer.store().size(), 3u + 5u + 1u);
}

class InformerGoneTest : public InformerTest, public ::testing::WithParamInterface<bool> {};

// Both ways a server says 410: an ERROR event in the stream (watch cache) or the HTTP status.
TEST_P(InformerGoneTest, GoneAfterCompactionRelistsAndReportsTheDifference) {
  server_->SetGoneAsHttpStatus(GetParam());
  server_->SetBookmarks(false);
  for (int i = 0; i < 4; ++i) server_->Put(kServices, Service("default", absl::StrCat("s", i)));
  Informer informer(client_.get(), FastOptions(), recorder_.Handlers());
  informer.Start();
  ASSERT_TRUE(informer.WaitForSync(absl::Seconds(10)));
  ASSERT_TRUE(Eventually([&] { return server_->open_watches() == 1; }));

  // While the informer cannot watch, things change and the history is compacted away.
  server_->SetWatchesUnavailable(true);
  server_->DropWatches();
  server_->Put(kServices, Service("default", "s0", "web", 81));
  server_->Remove(kServices, "default", "s1");
  server_->Put(kServices, Service("default", "s9"));
  server_->Compact();
  server_->SetWatchesUnavailable(false);

  ASSERT_TRUE(Eventually([&] { return recorder_.size() == 7; }));
  const auto events = recorder_.events();
  EXPECT_THAT(std::vector<std::string>(events.begin() + 4, events.end()),
              ::testing::UnorderedElementsAre("MODIFIED default/s0 81", "DELETED default/s1 80",
                                              "ADDED default/s9 80"));
  EXPECT_GE(informer.stats().relists_gone, 1);
  EXPECT_EQ(Lists(*server_), 2);
  EXPECT_THAT(informer.store().Keys(),
              ElementsAre("default/s0", "default/s2", "default/s3", "default/s9"));
  // Watching again from the new list, changes flow as before.
  server_->Put(kServices, Service("default", "s2", "web", 82));
  ASSERT_TRUE(Eventually([&] { return recorder_.size() == 8; }));
  EXPECT_EQ(recorder_.events().back(), "MODIFIED default/s2 82");
}

INSTANTIATE_TEST_SUITE_P(ErrorEventOrHttpStatus, InformerGoneTest, ::testing::Bool());

TEST_F(InformerTest, SilentWatchIsReopenedAfterTheIdleTimeout) {
  server_->SetBookmarks(false);  // nothing at all flows on a quiet watch
  server_->Put(kServices, Service("default", "a"));
  InformerOptions options = FastOptions();
  options.idle_timeout = absl::Seconds(1);
  Informer informer(client_.get(), options, recorder_.Handlers());
  informer.Start();
  ASSERT_TRUE(informer.WaitForSync(absl::Seconds(10)));
  ASSERT_TRUE(Eventually([&] { return Watches(*server_).size() >= 2; }, absl::Seconds(30)));
  auto watches = Watches(*server_);
  EXPECT_EQ(watches[1].params["resourceVersion"], watches[0].params["resourceVersion"]);
  server_->Put(kServices, Service("default", "b"));
  ASSERT_TRUE(Eventually([&] { return recorder_.size() == 2; }));
  EXPECT_EQ(Lists(*server_), 1);
}

TEST_F(InformerTest, BookmarksAdvanceTheResumeVersionWithoutEvents) {
  server_->Put(kServices, Service("default", "a"));
  Informer informer(client_.get(), FastOptions(), recorder_.Handlers());
  informer.Start();
  ASSERT_TRUE(informer.WaitForSync(absl::Seconds(10)));
  // Changes to another resource move the global version; bookmarks carry it to us.
  for (int i = 0; i < 5; ++i) {
    server_->Put("v1/configmaps", json{{"apiVersion", "v1"},
                                       {"kind", "ConfigMap"},
                                       {"metadata", {{"namespace", "x"}, {"name", "c"}}},
                                       {"data", {{"i", absl::StrCat(i)}}}});
  }
  const std::string target = absl::StrCat(server_->resource_version());
  ASSERT_TRUE(Eventually([&] { return informer.resource_version() == target; }));
  EXPECT_GE(informer.stats().bookmarks, 1);
  EXPECT_EQ(recorder_.size(), 1u);  // bookmarks are not changes

  // Old history gone: resuming from the bookmark's version needs no relist.
  server_->Compact();
  server_->DropWatches();
  ASSERT_TRUE(Eventually([&] {
    for (auto& w : Watches(*server_)) {
      if (w.params["resourceVersion"] == target) return true;
    }
    return false;
  }));
  server_->Put(kServices, Service("default", "b"));
  ASSERT_TRUE(Eventually([&] { return recorder_.size() == 2; }));
  EXPECT_EQ(informer.stats().relists_gone, 0);
  EXPECT_EQ(Lists(*server_), 1);
}

TEST_F(InformerTest, SelectorsLimitTheCacheAndObjectsLeavingItAreDeletes) {
  server_->Put(kServices, Service("default", "web1", "web"));
  server_->Put(kServices, Service("default", "db1", "db"));
  server_->Put(kServices, Service("kube-system", "web2", "web"));
  InformerOptions options = FastOptions();
  options.ns = "default";
  options.label_selector = "app=web";
  Informer informer(client_.get(), options, recorder_.Handlers());
  informer.Start();
  ASSERT_TRUE(informer.WaitForSync(absl::Seconds(10)));
  EXPECT_THAT(informer.store().Keys(), ElementsAre("default/web1"));
  ASSERT_TRUE(Eventually([&] { return server_->open_watches() == 1; }));
  auto watch = Watches(*server_)[0];
  EXPECT_EQ(watch.path, "/api/v1/namespaces/default/services");
  EXPECT_EQ(watch.params["labelSelector"], "app=web");

  server_->Put(kServices, Service("default", "web1", "db"));       // no longer selected
  server_->Put(kServices, Service("default", "db1", "web"));       // now selected
  server_->Put(kServices, Service("kube-system", "web3", "web"));  // other namespace
  ASSERT_TRUE(Eventually([&] { return recorder_.size() == 3; }));
  EXPECT_THAT(recorder_.events(), ElementsAre("ADDED default/web1 80", "DELETED default/web1 80",
                                              "ADDED default/db1 80"));
  EXPECT_THAT(informer.store().Keys(), ElementsAre("default/db1"));
}

TEST_F(InformerTest, ServerErrorsAreRetriedWithBackoff) {
  server_->Put(kServices, Service("default", "a"));
  server_->FailNextRequests(3, 503);
  Informer informer(client_.get(), FastOptions(), recorder_.Handlers());
  informer.Start();
  ASSERT_TRUE(informer.WaitForSync(absl::Seconds(10)));
  EXPECT_EQ(informer.stats().failures, 3);
  EXPECT_THAT(informer.last_error(), StatusIs(absl::StatusCode::kUnavailable, "HTTP 503"));
  EXPECT_EQ(recorder_.size(), 1u);
}

TEST_F(InformerTest, StopsPromptlyWhileWatching) {
  Informer informer(client_.get(), FastOptions(), recorder_.Handlers());
  informer.Start();
  ASSERT_TRUE(informer.WaitForSync(absl::Seconds(10)));
  ASSERT_TRUE(Eventually([&] { return server_->open_watches() == 1; }));
  // Promptly: the open watch would otherwise last its 30 s timeout; the 10 s wait for Stop to
  // return is generous, and a Stop that waited for the watch to end would miss it.
  std::atomic<bool> stopped{false};
  std::thread stopper([&] {
    informer.Stop();
    stopped = true;
  });
  EXPECT_TRUE(Eventually([&] { return stopped.load(); }, absl::Seconds(10)));
  stopper.join();
  EXPECT_THAT(recorder_.events(), IsEmpty());
}

}  // namespace
}  // namespace ironlb::kube::testing

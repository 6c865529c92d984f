#include "kube/informer.h"

#include <map>
#include <random>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/log.h"
#include "common/status_macros.h"
#include "kube/api_error.h"

namespace ironlb::kube {

Informer::Informer(Client* client, InformerOptions options, InformerHandlers handlers)
    : client_(client),
      options_(std::move(options)),
      handlers_(std::move(handlers)),
      backoff_(options_.backoff) {}

Informer::~Informer() { Stop(); }

void Informer::Start() {
  if (thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::thread([this] { Run(); });
}

void Informer::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

bool Informer::WaitForSync(absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  std::unique_lock<std::mutex> lock(mu_);
  while (!synced_ && absl::Now() < deadline) {
    cv_.wait_for(lock, std::chrono::milliseconds(10));
  }
  return synced_;
}

std::string Informer::resource_version() const {
  std::lock_guard<std::mutex> lock(mu_);
  return resource_version_;
}

Informer::Stats Informer::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stats_;
}

absl::Status Informer::last_error() const {
  std::lock_guard<std::mutex> lock(mu_);
  return last_error_;
}

bool Informer::SleepUnlessStopped(absl::Duration d) {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait_for(lock, absl::ToChronoNanoseconds(d), [this] { return stopping_.load(); });
  return !stopping_;
}

void Informer::NoteFailure(const absl::Status& status) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    ++stats_.failures;
    last_error_ = status;
  }
  IRONLB_LOG(kWarn, "kube informer: retrying")
      .With("resource", options_.resource.plural)
      .With("error", status);
}

void Informer::Run() {
  bool need_list = true;
  while (!stopping_) {
    if (need_list) {
      const absl::Status listed = ListAndReplace();
      if (stopping_) return;
      if (!listed.ok()) {
        if (options_.absent_is_empty &&
            (listed.code() == absl::StatusCode::kNotFound ||
             listed.code() == absl::StatusCode::kPermissionDenied) &&
            store_.List().empty()) {
          if (!synced_) NoteFailure(listed);  // said once: not installed, or not allowed
          synced_ = true;
          cv_.notify_all();
          if (!SleepUnlessStopped(options_.backoff.max)) return;
          continue;
        }
        NoteFailure(listed);
        if (!SleepUnlessStopped(backoff_.Next())) return;
        continue;
      }
      need_list = false;
      backoff_.Reset();
      synced_ = true;
      cv_.notify_all();
    }
    bool received = false;
    const absl::Time started = absl::Now();
    const absl::Status watched = WatchOnce(&received);
    if (stopping_) return;
    if (received) backoff_.Reset();
    if (IsGone(watched)) {
      // Our resourceVersion was compacted away: only a new list can tell what changed.
      std::lock_guard<std::mutex> lock(mu_);
      ++stats_.relists_gone;
      need_list = true;
      continue;
    }
    if (watched.ok()) {
      // The server ended the watch (its timeout). Resume at once, unless it ends watches
      // immediately, which would make us spin.
      if (received || absl::Now() - started > absl::Seconds(1)) continue;
    } else {
      NoteFailure(watched);
    }
    if (!SleepUnlessStopped(backoff_.Next())) return;
  }
}

std::string Informer::SelectorQuery() const {
  std::string q;
  if (!options_.label_selector.empty()) {
    absl::StrAppend(&q, "&labelSelector=", EscapeQueryValue(options_.label_selector));
  }
  if (!options_.field_selector.empty()) {
    absl::StrAppend(&q, "&fieldSelector=", EscapeQueryValue(options_.field_selector));
  }
  return q;
}

absl::Status Informer::ListAndReplace() {
  std::map<std::string, ObjectPtr> listed;
  std::string list_version;
  ListOptions list_options{.label_selector = options_.label_selector,
                           .field_selector = options_.field_selector,
                           .limit = options_.page_size};
  bool restarted = false;
  while (!stopping_) {
    absl::StatusOr<ListPage> page = client_->List(options_.resource, options_.ns, list_options);
    if (!page.ok()) {
      // An expired continue token: the paged snapshot is gone; start the list over once.
      if (IsGone(page.status()) && !list_options.continue_token.empty() && !restarted) {
        restarted = true;
        listed.clear();
        list_options.continue_token.clear();
        continue;
      }
      return page.status();
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      ++stats_.pages;
    }
    for (auto& item : page->items) {
      if (options_.transform) item = options_.transform(std::move(item));
      auto object = std::make_shared<const nlohmann::json>(std::move(item));
      listed[ObjectKey(*object)] = std::move(object);
    }
    // Every page of one list has the first page's resourceVersion.
    if (list_version.empty()) list_version = page->resource_version;
    if (page->continue_token.empty()) break;
    list_options.continue_token = page->continue_token;
  }
  if (stopping_) return absl::CancelledError("stopping");
  if (list_version.empty()) {
    return absl::InternalError(absl::StrCat("LIST ", options_.resource.plural,
                                            ": no metadata.resourceVersion in the list"));
  }

  // Replace the cache, then tell handlers what differs from what they saw before.
  std::map<std::string, ObjectPtr> old = store_.Replace(listed);
  {
    std::lock_guard<std::mutex> lock(mu_);
    resource_version_ = list_version;
    ++stats_.lists;
  }
  for (const auto& [key, object] : listed) {
    const auto it = old.find(key);
    if (it == old.end()) {
      if (handlers_.on_add) handlers_.on_add(object);
      continue;
    }
    if (ResourceVersionOf(*it->second) != ResourceVersionOf(*object) && handlers_.on_update) {
      handlers_.on_update(it->second, object);
    }
    old.erase(it);
  }
  for (const auto& entry : old) {
    if (handlers_.on_delete) handlers_.on_delete(entry.second);
  }
  return absl::OkStatus();
}

absl::Status Informer::Apply(WatchEvent event) {
  using Type = WatchEvent::Type;
  if (event.type == Type::kError) {
    const std::string what = absl::StrCat("WATCH ", options_.resource.plural, ": ERROR event ",
                                          event.error_code, ": ", event.error_message);
    if (event.error_code == 410) return absl::OutOfRangeError(what);
    return absl::UnavailableError(what);
  }
  if (event.type == Type::kBookmark) {
    std::lock_guard<std::mutex> lock(mu_);
    resource_version_ = event.resource_version;
    ++stats_.bookmarks;
    return absl::OkStatus();
  }
  if (options_.transform) event.object = options_.transform(std::move(event.object));
  auto object = std::make_shared<const nlohmann::json>(std::move(event.object));
  if (event.type == Type::kDeleted) {
    ObjectPtr old = store_.Remove(ObjectKey(*object));
    {
      std::lock_guard<std::mutex> lock(mu_);
      resource_version_ = event.resource_version;
    }
    if (old != nullptr && handlers_.on_delete) handlers_.on_delete(object);
    return absl::OkStatus();
  }
  ObjectPtr old = store_.Put(object);
  {
    std::lock_guard<std::mutex> lock(mu_);
    resource_version_ = event.resource_version;
  }
  if (old == nullptr) {
    if (handlers_.on_add) handlers_.on_add(object);
  } else if (handlers_.on_update) {
    handlers_.on_update(old, object);
  }
  return absl::OkStatus();
}

absl::Status Informer::WatchOnce(bool* received) {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  const int64_t base = std::max<int64_t>(1, absl::ToInt64Seconds(options_.watch_timeout));
  const int64_t timeout_s = base + std::uniform_int_distribution<int64_t>(0, base - 1)(rng);
  const std::string from = resource_version();
  HttpRequest request{
      .method = "GET",
      .path = absl::StrCat(options_.resource.CollectionPath(options_.ns),
                           "?watch=true&allowWatchBookmarks=true&resourceVersion=",
                           EscapeQueryValue(from), "&timeoutSeconds=", timeout_s, SelectorQuery()),
      .timeout = options_.idle_timeout > absl::ZeroDuration()
                     ? options_.idle_timeout
                     : absl::Seconds(timeout_s) + absl::Seconds(30)};
  {
    std::lock_guard<std::mutex> lock(mu_);
    ++stats_.watches;
  }
  LineSplitter splitter;
  absl::Status stream_error;
  std::vector<std::string> lines;
  auto on_data = [&](absl::string_view data) {
    lines.clear();
    if (absl::Status s = splitter.Add(data, &lines); !s.ok()) {
      stream_error = s;
      return false;
    }
    for (const std::string& line : lines) {
      absl::StatusOr<WatchEvent> event = ParseWatchEvent(line);
      if (!event.ok()) {
        stream_error = absl::DataLossError(
            absl::StrCat("WATCH ", options_.resource.plural, ": ", event.status().message()));
        return false;
      }
      *received = true;
      if (absl::Status s = Apply(*std::move(event)); !s.ok()) {
        stream_error = s;
        return false;
      }
    }
    return !stopping_.load();
  };
  auto cancelled = [this] { return stopping_.load(); };
  absl::StatusOr<HttpResponse> response = client_->transport().Stream(request, on_data, cancelled);
  if (!stream_error.ok()) return stream_error;
  if (!response.ok()) return response.status();
  if (response->status < 200 || response->status >= 300) {
    return StatusFromResponse(*response, absl::StrCat("WATCH ", options_.resource.plural));
  }
  return absl::OkStatus();
}

}  // namespace ironlb::kube

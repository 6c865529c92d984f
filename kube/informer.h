// List-then-watch of one resource, kept in a local Store, with add/update/delete handlers
// called in the order the API server ordered the changes.
//
// The protocol (like client-go's reflector): list in pages (limit/continue), then watch from the
// list's resourceVersion with allowWatchBookmarks. Every event and bookmark advances the
// resourceVersion we resume from, so a dropped connection loses and repeats nothing. 410 Gone
// (as an HTTP status or an ERROR event) means that version was compacted away: list again and
// hand handlers the difference. Failures back off with jitter.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "kube/backoff.h"
#include "kube/client.h"
#include "kube/resource.h"
#include "kube/store.h"
#include "kube/watch_event.h"

namespace ironlb::kube {

struct InformerOptions {
  Resource resource;
  std::string ns;  // "" for all namespaces
  std::string label_selector;
  std::string field_selector;
  int64_t page_size = 500;
  // The server ends each watch after a random time in [watch_timeout, 2 * watch_timeout).
  absl::Duration watch_timeout = absl::Minutes(5);
  // Silence on a watch longer than this means a dead connection; 0: watch timeout + 30 s.
  absl::Duration idle_timeout = absl::ZeroDuration();
  BackoffPolicy backoff;
  // Applied to every object before it is cached and handed to handlers, to keep only the
  // fields the user needs (client-go's SetTransform): a cache of thousands of whole objects
  // costs far more memory than the few fields a controller reads. nullptr keeps objects whole.
  std::function<nlohmann::json(nlohmann::json)> transform;
  // The resource may not be served at all (a CRD that is not installed: the list answers 404)
  // or not be readable (403). Then the informer counts as synced with nothing cached, and lists
  // again every backoff.max, so an optional kind never holds back the informers waiting for it.
  bool absent_is_empty = false;
};

struct InformerHandlers {
  std::function<void(const ObjectPtr& object)> on_add;
  std::function<void(const ObjectPtr& old_object, const ObjectPtr& object)> on_update;
  std::function<void(const ObjectPtr& last_known)> on_delete;
};

class Informer {
 public:
  struct Stats {
    int64_t lists = 0;  // complete lists (each may be several pages)
    int64_t pages = 0;
    int64_t watches = 0;       // watch requests started
    int64_t relists_gone = 0;  // lists forced by 410 Gone
    int64_t failures = 0;      // failed lists or watches (backed off)
    int64_t bookmarks = 0;
  };

  // `client` must outlive the informer. Handlers run on the informer's thread.
  Informer(Client* client, InformerOptions options, InformerHandlers handlers);
  ~Informer();
  Informer(const Informer&) = delete;
  Informer& operator=(const Informer&) = delete;

  void Start();
  void Stop();
  // True once the first list has been delivered.
  bool HasSynced() const { return synced_.load(); }
  bool WaitForSync(absl::Duration timeout);

  const Store& store() const { return store_; }
  std::string resource_version() const;
  Stats stats() const;
  absl::Status last_error() const;

 private:
  void Run();
  absl::Status ListAndReplace();
  // One watch connection. OK when the server ended it; kOutOfRange on 410.
  absl::Status WatchOnce(bool* received);
  absl::Status Apply(WatchEvent event);
  bool SleepUnlessStopped(absl::Duration d);
  void NoteFailure(const absl::Status& status);
  std::string SelectorQuery() const;

  Client* client_;
  InformerOptions options_;
  InformerHandlers handlers_;
  Store store_;
  Backoff backoff_;
  std::atomic<bool> synced_{false};
  std::atomic<bool> stopping_{false};
  std::thread thread_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::string resource_version_;
  Stats stats_;
  absl::Status last_error_;
};

}  // namespace ironlb::kube

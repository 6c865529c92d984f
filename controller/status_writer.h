// Writes what the engine decided onto Services: status.loadBalancer.ingress through the status
// subresource (guarded by resourceVersion; a conflict re-reads and retries), the
// ironlb.io/allocated-from-pool annotation through a merge patch, then the Events about it.
//
// A few threads write different Services at once; the tasks of one Service run in order, and
// a task submitted while an earlier one for the same Service still waits replaces it (its
// Events are kept). What a task writes is recomputed against the latest cached object when it
// runs, so a stale task writes nothing that is already there.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "controller/allocation.h"
#include "kube/client.h"
#include "kube/event_recorder.h"
#include "kube/store.h"

namespace ironlb::controller {

struct ServiceEvent {
  kube::EventRecorder::Type type = kube::EventRecorder::Type::kNormal;
  std::string reason;
  std::string message;
};

struct StatusTask {
  std::string key;             // "namespace/name"
  bool write = true;           // false: Events only (the Service is gone)
  Allocation allocation;       // what the Service should show
  kube::ObjectPtr last_known;  // for Events when the Service is gone (deletions only)
  std::vector<ServiceEvent> events;
};

class StatusWriter {
 public:
  struct Hooks {
    // The cached Service, or nullptr when it is gone.
    std::function<kube::ObjectPtr(const std::string& key)> lookup;
    // A task failed: the Service should be looked at again later.
    std::function<void(const std::string& key, const absl::Status& error)> on_failure;
    // One API request failed; `operation` is "status", "annotation" or "event".
    std::function<void(absl::string_view operation)> on_api_error;
  };

  StatusWriter(kube::Client* client, kube::EventRecorder* recorder, Hooks hooks, int threads);
  ~StatusWriter();
  StatusWriter(const StatusWriter&) = delete;
  StatusWriter& operator=(const StatusWriter&) = delete;

  void Submit(StatusTask task);
  // Forgets tasks not started yet (leadership was lost); running ones finish.
  void Drop();
  // No task waiting or running.
  bool Idle() const;

 private:
  void Run();
  absl::Status Execute(const StatusTask& task);
  absl::Status WriteStatus(const std::string& ns, const std::string& name,
                           const nlohmann::json& cached, const Allocation& allocation);
  static void Merge(StatusTask& into, StatusTask task);

  kube::Client* client_;
  kube::EventRecorder* recorder_;
  Hooks hooks_;
  std::vector<std::thread> threads_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::deque<std::string> order_;  // keys of queued_, oldest first
  std::map<std::string, StatusTask> queued_;
  std::set<std::string> running_;
  std::map<std::string, StatusTask> after_;  // submitted while the key was running
};

}  // namespace ironlb::controller

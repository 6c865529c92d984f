// Kubernetes Events from the speaker's event loop without blocking it: Post() queues, a worker
// thread writes them through kube::EventRecorder (which aggregates repeats). The queue is
// bounded; when the API server is slow the oldest waiting Events are dropped (and counted).
#pragma once

#include <condition_variable>
#include <deque>
#include <mutex>
#include <string>
#include <thread>

#include "kube/client.h"
#include "kube/event_recorder.h"
#include "nlohmann/json.hpp"

namespace ironlb::speaker {

class KubeEventSink {
 public:
  static constexpr size_t kMaxQueued = 256;

  // `client` outlives the sink; `host` names this node in the Events' source.
  KubeEventSink(kube::Client* client, std::string host);
  ~KubeEventSink();  // writes nothing more; waits for the Event in flight
  KubeEventSink(const KubeEventSink&) = delete;
  KubeEventSink& operator=(const KubeEventSink&) = delete;

  // Thread-safe. A Warning Event about the Service `namespace_name` ("ns/name").
  void ServiceWarning(const std::string& namespace_name, std::string reason, std::string message);
  // Thread-safe. A Warning Event about `involved` (apiVersion, kind, metadata.namespace/name).
  void Warning(nlohmann::json involved, std::string reason, std::string message);

  size_t written() const;
  size_t dropped() const;

 private:
  struct Pending {
    nlohmann::json involved;
    std::string reason;
    std::string message;
  };
  void Run();

  kube::EventRecorder recorder_;
  mutable std::mutex mu_;
  std::condition_variable wake_;
  std::deque<Pending> queue_;
  bool stop_ = false;
  size_t written_ = 0;
  size_t dropped_ = 0;
  std::thread worker_;
};

}  // namespace ironlb::speaker

// Keeps this node's ServiceAnnouncement objects in the API equal to what it announces, on a
// thread of its own (the event loop never waits for the API server). Writes happen only when
// an object changes; failures are retried with backoff; at start, objects a previous run of
// this node left behind are found by label and deleted when no longer true; another node's
// layer-2 claim of a VIP this node took over is deleted; on graceful stop every one of this
// node's objects is deleted.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <thread>

#include "absl/time/time.h"
#include "kube/backoff.h"
#include "kube/client.h"
#include "nlohmann/json.hpp"

namespace ironlb::speaker {

class AnnouncementPublisher {
 public:
  struct Stats {
    int64_t writes = 0;  // creates, replaces and deletes that succeeded
    int64_t failures = 0;
  };

  AnnouncementPublisher(kube::Client* client, std::string node,
                        kube::BackoffPolicy backoff = {.initial = absl::Seconds(1),
                                                       .max = absl::Seconds(30)});
  ~AnnouncementPublisher();  // stops; leaves the objects (WithdrawAll removes them)
  AnnouncementPublisher(const AnnouncementPublisher&) = delete;
  AnnouncementPublisher& operator=(const AnnouncementPublisher&) = delete;

  // Thread-safe and cheap: the objects (keyed "namespace/name") this node should have.
  void SetDesired(std::map<std::string, nlohmann::json> desired);
  // Deletes every object of this node, waiting at most `timeout`; then stops.
  void WithdrawAll(absl::Duration timeout);

  Stats stats() const;
  // True when the API holds exactly the desired objects.
  bool converged() const;

 private:
  void Run();
  // One pass over the differences; false when something failed.
  bool ReconcileOnce(const std::map<std::string, nlohmann::json>& desired);
  absl::Status Upsert(const nlohmann::json& object);
  // After writing a layer-2 announcement: deletes other nodes' layer-2 announcements of the
  // same Service whose addresses this node now answers for (one owner per VIP), so a node that
  // died without withdrawing leaves nothing false behind.
  absl::Status RetireOtherOwners(const nlohmann::json& mine);
  absl::Status Forget(const std::string& key);
  absl::Status LoadExisting();

  kube::Client* client_;
  std::string node_;
  kube::Backoff backoff_;
  std::thread thread_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::string, nlohmann::json> desired_;
  int64_t generation_ = 0;  // bumps with each different desired set
  int64_t applied_generation_ = -1;
  bool stopping_ = false;
  Stats stats_;

  // Worker thread only: what the API holds, as we last wrote or found it.
  std::map<std::string, nlohmann::json> written_;
  bool loaded_ = false;
};

}  // namespace ironlb::speaker

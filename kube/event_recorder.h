// Writes core/v1 Events about objects, the way kubectl describe shows them. A repeat of the
// same (object, type, reason, message) does not create a new Event: the existing one gets
// count + 1 and a new lastTimestamp (one merge patch), as client-go's correlator does.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "kube/client.h"
#include "nlohmann/json.hpp"

namespace ironlb::kube {

class EventRecorder {
 public:
  enum class Type { kNormal, kWarning };

  // `component` and `host` fill the Event's source (and reportingController/Instance).
  EventRecorder(Client* client, std::string component, std::string host);

  // `involved` is the object the Event is about (kind, apiVersion, metadata.{namespace, name,
  // uid, resourceVersion} are used). Returns the Event as stored.
  absl::StatusOr<nlohmann::json> Record(const nlohmann::json& involved, Type type,
                                        absl::string_view reason, absl::string_view message);

  // Remembered Events for aggregation are bounded by this many.
  static constexpr size_t kMaxRemembered = 4096;

 private:
  struct Seen {
    std::string ns;
    std::string name;
    int64_t count = 0;
    absl::Time first;
  };
  absl::StatusOr<nlohmann::json> CreateEvent(const nlohmann::json& involved, Type type,
                                             absl::string_view reason, absl::string_view message,
                                             const std::string& key);

  Client* client_;
  std::string component_;
  std::string host_;
  std::mutex mu_;
  std::map<std::string, Seen> seen_;
  std::deque<std::string> order_;  // oldest first, for eviction
};

}  // namespace ironlb::kube

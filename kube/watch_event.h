// The watch stream's wire format: one JSON WatchEvent per line,
//   {"type":"ADDED","object":{...}}
// with type ADDED, MODIFIED, DELETED, BOOKMARK (object carries only metadata.resourceVersion)
// or ERROR (object is a meta/v1 Status, e.g. code 410 "too old resource version").
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "nlohmann/json.hpp"

namespace ironlb::kube {

struct WatchEvent {
  enum class Type { kAdded, kModified, kDeleted, kBookmark, kError };
  Type type = Type::kAdded;
  nlohmann::json object;
  std::string resource_version;  // object's metadata.resourceVersion ("" for ERROR)
  int error_code = 0;            // ERROR: the Status code (410 for an expired version)
  std::string error_message;     // ERROR: the Status message
};

absl::string_view WatchEventTypeName(WatchEvent::Type type);

// Parses one line of a watch stream. Anything that is not a well-formed event is an error
// naming the field; objects must be JSON objects with a string metadata.name (except BOOKMARK
// and ERROR).
absl::StatusOr<WatchEvent> ParseWatchEvent(absl::string_view line);

// Reassembles lines from the pieces a chunked stream arrives in. A line longer than
// `max_line_bytes` is an error (a misbehaving server must not make us buffer without bound).
class LineSplitter {
 public:
  explicit LineSplitter(size_t max_line_bytes = 16 << 20) : max_line_bytes_(max_line_bytes) {}

  // Appends `data`; complete lines (without "\n" or "\r\n", empty lines skipped) go to `lines`.
  absl::Status Add(absl::string_view data, std::vector<std::string>* lines);
  // Bytes of an unfinished line.
  size_t pending() const { return buffer_.size(); }

 private:
  size_t max_line_bytes_;
  std::string buffer_;
};

// "default/web" for namespaced objects, "web" for cluster-scoped ones: the cache key.
std::string ObjectKey(const nlohmann::json& object);
// metadata.resourceVersion, "" when missing.
std::string ResourceVersionOf(const nlohmann::json& object);

}  // namespace ironlb::kube

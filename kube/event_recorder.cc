#include "kube/event_recorder.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/status_macros.h"
#include "kube/kube_time.h"
#include "kube/resource.h"

namespace ironlb::kube {
namespace {

using nlohmann::json;

json Reference(const json& object) {
  const json& metadata = object.contains("metadata") && object["metadata"].is_object()
                             ? object["metadata"]
                             : json::object();
  json ref = json::object();
  for (const char* field : {"kind", "apiVersion"}) {
    if (object.contains(field) && object[field].is_string()) ref[field] = object[field];
  }
  for (const char* field : {"namespace", "name", "uid", "resourceVersion"}) {
    if (metadata.contains(field) && metadata[field].is_string()) ref[field] = metadata[field];
  }
  return ref;
}

absl::string_view TypeName(EventRecorder::Type type) {
  return type == EventRecorder::Type::kWarning ? "Warning" : "Normal";
}

}  // namespace

EventRecorder::EventRecorder(Client* client, std::string component, std::string host)
    : client_(client), component_(std::move(component)), host_(std::move(host)) {}

absl::StatusOr<json> EventRecorder::Record(const json& involved, Type type,
                                           absl::string_view reason, absl::string_view message) {
  const json ref = Reference(involved);
  if (!ref.contains("name")) {
    return absl::InvalidArgumentError("event: the involved object has no metadata.name");
  }
  const std::string key = absl::StrCat(ref.value("kind", ""), "/", ref.value("namespace", ""), "/",
                                       ref["name"].get<std::string>(), "/", ref.value("uid", ""),
                                       "/", TypeName(type), "/", reason, "/", message);
  Seen seen;
  {
    std::lock_guard<std::mutex> lock(mu_);
    const auto it = seen_.find(key);
    if (it != seen_.end()) seen = it->second;
  }
  if (seen.count > 0) {
    const json patch = {{"count", seen.count + 1}, {"lastTimestamp", FormatApiTime(absl::Now())}};
    absl::StatusOr<json> patched =
        client_->MergePatch(Resource::Events(), seen.ns, seen.name, patch);
    if (patched.ok()) {
      std::lock_guard<std::mutex> lock(mu_);
      if (auto it = seen_.find(key); it != seen_.end()) it->second.count = seen.count + 1;
      return patched;
    }
    // The Event expired (Events have a TTL) or was deleted: start a new one.
    if (patched.status().code() != absl::StatusCode::kNotFound) return patched.status();
  }
  return CreateEvent(involved, type, reason, message, key);
}

absl::StatusOr<json> EventRecorder::CreateEvent(const json& involved, Type type,
                                                absl::string_view reason, absl::string_view message,
                                                const std::string& key) {
  const json ref = Reference(involved);
  const absl::Time now = absl::Now();
  std::string ns = ref.value("namespace", "");
  if (ns.empty()) ns = "default";  // Events about cluster-scoped objects
  // client-go names Events "<object>.<unix nanoseconds in hex>".
  const std::string name =
      absl::StrFormat("%s.%x", ref["name"].get<std::string>(), absl::ToUnixNanos(now));
  const std::string timestamp = FormatApiTime(now);
  const json event = {
      {"apiVersion", "v1"},
      {"kind", "Event"},
      {"metadata", {{"name", name}, {"namespace", ns}}},
      {"involvedObject", ref},
      {"reason", reason},
      {"message", message},
      {"type", TypeName(type)},
      {"source", {{"component", component_}, {"host", host_}}},
      {"firstTimestamp", timestamp},
      {"lastTimestamp", timestamp},
      {"count", 1},
      {"reportingComponent", component_},
      {"reportingInstance", host_},
  };
  IRONLB_ASSIGN_OR_RETURN(json created, client_->Create(Resource::Events(), event));
  std::lock_guard<std::mutex> lock(mu_);
  if (seen_.find(key) == seen_.end()) {
    order_.push_back(key);
    while (order_.size() > kMaxRemembered) {
      seen_.erase(order_.front());
      order_.pop_front();
    }
  }
  seen_[key] = Seen{ns, name, 1, now};
  return created;
}

}  // namespace ironlb::kube

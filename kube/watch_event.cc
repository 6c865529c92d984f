#include "kube/watch_event.h"

#include "absl/strings/str_cat.h"

namespace ironlb::kube {
namespace {

const nlohmann::json* Member(const nlohmann::json& j, const char* name) {
  if (!j.is_object()) return nullptr;
  const auto it = j.find(name);
  return it == j.end() ? nullptr : &*it;
}

std::string StringMember(const nlohmann::json& j, const char* name) {
  const nlohmann::json* m = Member(j, name);
  return m != nullptr && m->is_string() ? m->get<std::string>() : "";
}

}  // namespace

absl::string_view WatchEventTypeName(WatchEvent::Type type) {
  switch (type) {
    case WatchEvent::Type::kAdded:
      return "ADDED";
    case WatchEvent::Type::kModified:
      return "MODIFIED";
    case WatchEvent::Type::kDeleted:
      return "DELETED";
    case WatchEvent::Type::kBookmark:
      return "BOOKMARK";
    case WatchEvent::Type::kError:
      return "ERROR";
  }
  return "?";
}

std::string ResourceVersionOf(const nlohmann::json& object) {
  const nlohmann::json* metadata = Member(object, "metadata");
  return metadata == nullptr ? "" : StringMember(*metadata, "resourceVersion");
}

std::string ObjectKey(const nlohmann::json& object) {
  const nlohmann::json* metadata = Member(object, "metadata");
  if (metadata == nullptr) return "";
  const std::string ns = StringMember(*metadata, "namespace");
  const std::string name = StringMember(*metadata, "name");
  return ns.empty() ? name : absl::StrCat(ns, "/", name);
}

absl::StatusOr<WatchEvent> ParseWatchEvent(absl::string_view line) {
  nlohmann::json j = nlohmann::json::parse(line.begin(), line.end(), nullptr, false);
  if (j.is_discarded()) return absl::InvalidArgumentError("watch event: not valid JSON");
  if (!j.is_object()) return absl::InvalidArgumentError("watch event: not a JSON object");
  const nlohmann::json* type = Member(j, "type");
  if (type == nullptr || !type->is_string()) {
    return absl::InvalidArgumentError("watch event: field \"type\" missing or not a string");
  }
  WatchEvent event;
  const std::string& t = type->get_ref<const std::string&>();
  if (t == "ADDED") {
    event.type = WatchEvent::Type::kAdded;
  } else if (t == "MODIFIED") {
    event.type = WatchEvent::Type::kModified;
  } else if (t == "DELETED") {
    event.type = WatchEvent::Type::kDeleted;
  } else if (t == "BOOKMARK") {
    event.type = WatchEvent::Type::kBookmark;
  } else if (t == "ERROR") {
    event.type = WatchEvent::Type::kError;
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat("watch event: field \"type\": unknown event type \"", t.substr(0, 40), "\""));
  }
  nlohmann::json* object = nullptr;
  if (auto it = j.find("object"); it != j.end()) object = &*it;
  if (object == nullptr || !object->is_object()) {
    return absl::InvalidArgumentError(
        absl::StrCat("watch event ", t, ": field \"object\" missing or not an object"));
  }
  event.object = std::move(*object);
  if (event.type == WatchEvent::Type::kError) {
    const nlohmann::json* code = Member(event.object, "code");
    if (code != nullptr && code->is_number_integer()) event.error_code = code->get<int>();
    event.error_message = StringMember(event.object, "message");
    return event;
  }
  const nlohmann::json* metadata = Member(event.object, "metadata");
  if (metadata == nullptr || !metadata->is_object()) {
    return absl::InvalidArgumentError(
        absl::StrCat("watch event ", t, ": field \"object.metadata\" missing or not an object"));
  }
  event.resource_version = StringMember(*metadata, "resourceVersion");
  if (event.resource_version.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "watch event ", t, ": field \"object.metadata.resourceVersion\" missing or empty"));
  }
  if (event.type != WatchEvent::Type::kBookmark && StringMember(*metadata, "name").empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("watch event ", t, ": field \"object.metadata.name\" missing or empty"));
  }
  return event;
}

absl::Status LineSplitter::Add(absl::string_view data, std::vector<std::string>* lines) {
  while (!data.empty()) {
    const size_t nl = data.find('\n');
    const absl::string_view piece = data.substr(0, nl);
    if (buffer_.size() + piece.size() > max_line_bytes_) {
      buffer_.clear();
      return absl::ResourceExhaustedError(
          absl::StrCat("watch stream: a line is longer than ", max_line_bytes_, " bytes"));
    }
    buffer_.append(piece.data(), piece.size());
    if (nl == absl::string_view::npos) break;
    if (!buffer_.empty() && buffer_.back() == '\r') buffer_.pop_back();
    if (!buffer_.empty()) lines->push_back(std::move(buffer_));
    buffer_.clear();
    data.remove_prefix(nl + 1);
  }
  return absl::OkStatus();
}

}  // namespace ironlb::kube

#include "kube/client.h"

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "kube/api_error.h"
#include "kube/curl_transport.h"
#include "kube/watch_event.h"

namespace ironlb::kube {
namespace {

using nlohmann::json;

std::string MetaString(const json& object, const char* field) {
  const auto m = object.find("metadata");
  if (m == object.end() || !m->is_object()) return "";
  const auto f = m->find(field);
  return f != m->end() && f->is_string() ? f->get<std::string>() : "";
}

}  // namespace

std::string NamespaceOf(const json& object) { return MetaString(object, "namespace"); }
std::string NameOf(const json& object) { return MetaString(object, "name"); }

Client::Client(std::unique_ptr<Transport> transport, Options options)
    : transport_(std::move(transport)), options_(options) {}

absl::StatusOr<std::unique_ptr<Client>> Client::Create(const ClientConfig& config,
                                                       Options options) {
  IRONLB_ASSIGN_OR_RETURN(std::unique_ptr<CurlTransport> transport, CurlTransport::Create(config));
  return std::make_unique<Client>(std::move(transport), options);
}

absl::StatusOr<json> Client::Call(HttpRequest request, absl::string_view what) {
  request.timeout = options_.request_timeout;
  IRONLB_ASSIGN_OR_RETURN(HttpResponse response, transport_->Send(request));
  if (response.status < 200 || response.status >= 300) {
    return StatusFromResponse(response, what);
  }
  if (response.body.empty()) return json::object();
  json body = json::parse(response.body, nullptr, false);
  if (body.is_discarded() || !body.is_object()) {
    return absl::InternalError(absl::StrCat(what, ": response is not a JSON object"));
  }
  return body;
}

absl::StatusOr<json> Client::Get(const Resource& resource, absl::string_view ns,
                                 absl::string_view name) {
  HttpRequest request{.method = "GET", .path = resource.ObjectPath(ns, name)};
  return Call(std::move(request), absl::StrCat("GET ", resource.Describe(ns, name)));
}

absl::StatusOr<ListPage> Client::List(const Resource& resource, absl::string_view ns,
                                      const ListOptions& options) {
  std::string path = resource.CollectionPath(ns);
  std::string sep = "?";
  auto add = [&](absl::string_view key, absl::string_view value) {
    absl::StrAppend(&path, sep, key, "=", EscapeQueryValue(value));
    sep = "&";
  };
  if (!options.label_selector.empty()) add("labelSelector", options.label_selector);
  if (!options.field_selector.empty()) add("fieldSelector", options.field_selector);
  if (options.limit > 0) add("limit", absl::StrCat(options.limit));
  if (!options.continue_token.empty()) add("continue", options.continue_token);
  const std::string what =
      absl::StrCat("LIST ", resource.plural, ns.empty() ? "" : " in namespace ", ns);
  IRONLB_ASSIGN_OR_RETURN(json body, Call(HttpRequest{.method = "GET", .path = path}, what));

  ListPage page;
  const auto items = body.find("items");
  if (items != body.end() && !items->is_null() && !items->is_array()) {
    return absl::InternalError(absl::StrCat(what, ": field \"items\" is not a list"));
  }
  const auto metadata = body.find("metadata");
  if (metadata == body.end() || !metadata->is_object()) {
    return absl::InternalError(absl::StrCat(what, ": field \"metadata\" missing"));
  }
  page.resource_version = metadata->value("resourceVersion", "");
  page.continue_token = metadata->value("continue", "");
  if (items != body.end() && items->is_array()) {
    page.items.reserve(items->size());
    for (size_t i = 0; i < items->size(); ++i) {
      json& item = (*items)[i];
      if (!item.is_object() || NameOf(item).empty()) {
        return absl::InternalError(
            absl::StrCat(what, ": items[", i, "]: not an object with metadata.name"));
      }
      // List items come without kind/apiVersion; give them back so handlers see whole objects.
      item["kind"] = resource.kind;
      item["apiVersion"] = resource.ApiVersion();
      page.items.push_back(std::move(item));
    }
  }
  return page;
}

absl::StatusOr<json> Client::Create(const Resource& resource, const json& object) {
  const std::string ns = NamespaceOf(object);
  HttpRequest request{.method = "POST",
                      .path = resource.CollectionPath(ns),
                      .content_type = "application/json",
                      .body = object.dump()};
  return Call(std::move(request), absl::StrCat("POST ", resource.Describe(ns, NameOf(object))));
}

absl::StatusOr<json> Client::Replace(const Resource& resource, const json& object) {
  const std::string ns = NamespaceOf(object), name = NameOf(object);
  HttpRequest request{.method = "PUT",
                      .path = resource.ObjectPath(ns, name),
                      .content_type = "application/json",
                      .body = object.dump()};
  return Call(std::move(request), absl::StrCat("PUT ", resource.Describe(ns, name)));
}

absl::StatusOr<json> Client::ReplaceStatus(const Resource& resource, const json& object) {
  const std::string ns = NamespaceOf(object), name = NameOf(object);
  const std::string what = absl::StrCat("PUT ", resource.Describe(ns, name), "/status");
  if (ResourceVersionOf(object).empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": metadata.resourceVersion must be set (the write's precondition)"));
  }
  HttpRequest request{.method = "PUT",
                      .path = resource.ObjectPath(ns, name, "status"),
                      .content_type = "application/json",
                      .body = object.dump()};
  return Call(std::move(request), what);
}

absl::StatusOr<json> Client::UpdateStatus(
    const Resource& resource, absl::string_view ns, absl::string_view name,
    const std::function<absl::StatusOr<bool>(json&)>& mutate) {
  absl::Status last;
  for (int attempt = 0; attempt <= options_.max_conflict_retries; ++attempt) {
    IRONLB_ASSIGN_OR_RETURN(json object, Get(resource, ns, name));
    IRONLB_ASSIGN_OR_RETURN(bool changed, mutate(object));
    if (!changed) return object;
    absl::StatusOr<json> written = ReplaceStatus(resource, object);
    if (written.ok() || !IsConflict(written.status())) return written;
    last = written.status();
  }
  return absl::AbortedError(
      absl::StrCat("status update of ", resource.Describe(ns, name), ": still conflicting after ",
                   options_.max_conflict_retries + 1, " attempts; last: ", last.message()));
}

absl::StatusOr<json> Client::MergePatch(const Resource& resource, absl::string_view ns,
                                        absl::string_view name, const json& patch,
                                        absl::string_view subresource) {
  HttpRequest request{.method = "PATCH",
                      .path = resource.ObjectPath(ns, name, subresource),
                      .content_type = "application/merge-patch+json",
                      .body = patch.dump()};
  return Call(std::move(request), absl::StrCat("PATCH ", resource.Describe(ns, name),
                                               subresource.empty() ? "" : "/", subresource));
}

absl::StatusOr<json> Client::PatchAnnotations(
    const Resource& resource, absl::string_view ns, absl::string_view name,
    const std::map<std::string, std::optional<std::string>>& annotations) {
  json changes = json::object();
  for (const auto& [key, value] : annotations) {
    changes[key] = value.has_value() ? json(*value) : json(nullptr);
  }
  return MergePatch(resource, ns, name, json{{"metadata", {{"annotations", changes}}}});
}

absl::Status Client::Delete(const Resource& resource, absl::string_view ns,
                            absl::string_view name) {
  HttpRequest request{.method = "DELETE", .path = resource.ObjectPath(ns, name)};
  return Call(std::move(request), absl::StrCat("DELETE ", resource.Describe(ns, name))).status();
}

}  // namespace ironlb::kube

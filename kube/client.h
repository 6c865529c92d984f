// Typed-agnostic access to the Kubernetes API: objects are nlohmann::json in the API's own JSON
// shape. Reads, creates, status updates guarded by resourceVersion (409 Conflict -> re-read,
// re-apply, retry, bounded), JSON merge patches and deletes. Every error names the request and
// carries the API's Status message (api_error.h).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "kube/client_config.h"
#include "kube/resource.h"
#include "kube/transport.h"
#include "nlohmann/json.hpp"

namespace ironlb::kube {

struct ListOptions {
  std::string label_selector;  // "app=web,tier!=db"
  std::string field_selector;  // "metadata.name=web"
  int64_t limit = 500;         // page size; 0 means everything at once
  std::string continue_token;  // from the previous page
};

struct ListPage {
  std::vector<nlohmann::json> items;  // kind/apiVersion filled in from the resource
  std::string resource_version;       // the list's metadata.resourceVersion
  std::string continue_token;         // "" on the last page
};

class Client {
 public:
  struct Options {
    absl::Duration request_timeout = absl::Seconds(30);
    int max_conflict_retries = 5;
  };

  Client(std::unique_ptr<Transport> transport, Options options);
  explicit Client(std::unique_ptr<Transport> transport) : Client(std::move(transport), {}) {}
  // A client over libcurl.
  static absl::StatusOr<std::unique_ptr<Client>> Create(const ClientConfig& config,
                                                        Options options);

  Transport& transport() { return *transport_; }
  const Options& options() const { return options_; }

  absl::StatusOr<nlohmann::json> Get(const Resource& resource, absl::string_view ns,
                                     absl::string_view name);
  // One page of a list.
  absl::StatusOr<ListPage> List(const Resource& resource, absl::string_view ns,
                                const ListOptions& options);
  absl::StatusOr<nlohmann::json> Create(const Resource& resource, const nlohmann::json& object);
  // PUT of the whole object; its metadata.resourceVersion is the precondition (409 if stale).
  absl::StatusOr<nlohmann::json> Replace(const Resource& resource, const nlohmann::json& object);
  // PUT .../status: only the status is written. The object must carry metadata.resourceVersion.
  absl::StatusOr<nlohmann::json> ReplaceStatus(const Resource& resource,
                                               const nlohmann::json& object);
  // Read-modify-write of the status: reads the object, lets `mutate` change it (returning false
  // when nothing needs writing), writes it with ReplaceStatus; on 409 Conflict reads again and
  // re-applies, at most max_conflict_retries times. Returns the object as stored.
  absl::StatusOr<nlohmann::json> UpdateStatus(
      const Resource& resource, absl::string_view ns, absl::string_view name,
      const std::function<absl::StatusOr<bool>(nlohmann::json&)>& mutate);
  // application/merge-patch+json (RFC 7386) on the object or a subresource.
  absl::StatusOr<nlohmann::json> MergePatch(const Resource& resource, absl::string_view ns,
                                            absl::string_view name, const nlohmann::json& patch,
                                            absl::string_view subresource = "");
  // Sets (value) or removes (nullopt) annotations with one merge patch.
  absl::StatusOr<nlohmann::json> PatchAnnotations(
      const Resource& resource, absl::string_view ns, absl::string_view name,
      const std::map<std::string, std::optional<std::string>>& annotations);
  absl::Status Delete(const Resource& resource, absl::string_view ns, absl::string_view name);

  // A request with this client's timeout; `what` names it in errors. Non-2xx is an error.
  absl::StatusOr<nlohmann::json> Call(HttpRequest request, absl::string_view what);

 private:
  std::unique_ptr<Transport> transport_;
  Options options_;
};

// metadata.namespace / metadata.name ("" when missing).
std::string NamespaceOf(const nlohmann::json& object);
std::string NameOf(const nlohmann::json& object);

}  // namespace ironlb::kube

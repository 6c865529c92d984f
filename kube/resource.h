// Which API a resource lives in and how its URLs are built:
//   core:  /api/v1/namespaces/{ns}/services/{name}/status
//   group: /apis/coordination.k8s.io/v1/namespaces/{ns}/leases/{name}
#pragma once

#include <string>

#include "absl/strings/string_view.h"

namespace ironlb::kube {

struct Resource {
  std::string group;    // "" for the core API
  std::string version;  // "v1"
  std::string plural;   // "services"
  std::string kind;     // "Service"
  bool namespaced = true;

  // "v1" or "coordination.k8s.io/v1", as objects spell apiVersion.
  std::string ApiVersion() const;
  // The collection URL; `ns` empty means across all namespaces (or a cluster-scoped resource).
  std::string CollectionPath(absl::string_view ns) const;
  // The object URL, with an optional subresource ("status").
  std::string ObjectPath(absl::string_view ns, absl::string_view name,
                         absl::string_view subresource = "") const;
  // For messages: "services default/web" or "nodes n1".
  std::string Describe(absl::string_view ns, absl::string_view name) const;

  static Resource Services();
  static Resource EndpointSlices();
  static Resource Nodes();
  static Resource Namespaces();
  static Resource Events();
  static Resource Leases();
};

// Percent-encodes a query parameter value.
std::string EscapeQueryValue(absl::string_view value);

}  // namespace ironlb::kube

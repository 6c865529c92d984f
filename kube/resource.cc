#include "kube/resource.h"

#include <cctype>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace ironlb::kube {

std::string Resource::ApiVersion() const {
  return group.empty() ? version : absl::StrCat(group, "/", version);
}

std::string Resource::CollectionPath(absl::string_view ns) const {
  std::string path =
      group.empty() ? absl::StrCat("/api/", version) : absl::StrCat("/apis/", group, "/", version);
  if (namespaced && !ns.empty()) absl::StrAppend(&path, "/namespaces/", ns);
  absl::StrAppend(&path, "/", plural);
  return path;
}

std::string Resource::ObjectPath(absl::string_view ns, absl::string_view name,
                                 absl::string_view subresource) const {
  std::string path = absl::StrCat(CollectionPath(ns), "/", name);
  if (!subresource.empty()) absl::StrAppend(&path, "/", subresource);
  return path;
}

std::string Resource::Describe(absl::string_view ns, absl::string_view name) const {
  if (ns.empty()) return absl::StrCat(plural, " ", name);
  return absl::StrCat(plural, " ", ns, "/", name);
}

Resource Resource::Services() { return {"", "v1", "services", "Service", true}; }
Resource Resource::EndpointSlices() {
  return {"discovery.k8s.io", "v1", "endpointslices", "EndpointSlice", true};
}
Resource Resource::Nodes() { return {"", "v1", "nodes", "Node", false}; }
Resource Resource::Namespaces() { return {"", "v1", "namespaces", "Namespace", false}; }
Resource Resource::Events() { return {"", "v1", "events", "Event", true}; }
Resource Resource::Leases() { return {"coordination.k8s.io", "v1", "leases", "Lease", true}; }

std::string EscapeQueryValue(absl::string_view value) {
  std::string out;
  for (const char c : value) {
    const unsigned char u = static_cast<unsigned char>(c);
    if (std::isalnum(u) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(c);
    } else {
      absl::StrAppendFormat(&out, "%%%02X", u);
    }
  }
  return out;
}

}  // namespace ironlb::kube

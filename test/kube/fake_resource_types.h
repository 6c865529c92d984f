// The resource types the fake API server knows, as the real one lists them in discovery:
// the built-in ones a cluster running ironlb has (core, apps, policy, RBAC, apiextensions,
// coordination, discovery) and those defined by the CustomResourceDefinitions stored in it.
// Paths of types it does not know are still served (tests store ironlb.io objects without
// their CRDs), as namespaced resources with a status subresource; discovery lists only known
// types, as the real server does.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "nlohmann/json.hpp"

namespace ironlb::kube::testing {

struct ResourceType {
  std::string group;  // "" for the core group
  std::string version;
  std::string plural;
  std::string singular;
  std::string kind;
  bool namespaced = true;
  bool status_subresource = false;
  // Built into the API server (strategic merge patch applies) rather than defined by a CRD.
  bool builtin = true;
  std::vector<std::string> short_names;
  std::vector<std::string> categories;
  // CRDs: spec.versions[].additionalPrinterColumns (as given), for `kubectl get`'s table.
  nlohmann::json printer_columns = nlohmann::json::array();

  std::string api_version() const { return group.empty() ? version : group + "/" + version; }
};

// The built-in types.
const std::vector<ResourceType>& BuiltinResourceTypes();

// The types a stored CustomResourceDefinition (apiextensions.k8s.io/v1) defines: one per served
// version; none if the object is not a well-formed CRD.
std::vector<ResourceType> TypesOfCrd(const nlohmann::json& crd);

// The discovery documents, from the types known now (built-in first, then CRDs in order).
// `/api`: APIVersions; `/apis`: APIGroupList; `/apis/GROUP`: APIGroup; `/api/v1` and
// `/apis/GROUP/VERSION`: APIResourceList. Empty optional: no such path (404).
std::optional<nlohmann::json> DiscoveryDocument(const std::vector<ResourceType>& types,
                                                const std::string& path,
                                                const std::string& server_address);

}  // namespace ironlb::kube::testing

// RBAC for the fake API server: whether the Roles, ClusterRoles and their bindings stored in it
// allow a request, and the 403 Status the real API server answers when they do not, worded as
// it words it (k8s.io/apiserver endpoints/handlers/responsewriters: forbiddenMessage).
// Not modelled: aggregated ClusterRoles (aggregationRule), non-resource URLs (always allowed,
// as discovery is for authenticated users), resourceNames on list/watch.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "nlohmann/json.hpp"

namespace ironlb::kube::testing {

struct RequestAttributes {
  std::string user;                 // "system:serviceaccount:ironlb-system:ironlb-speaker"
  std::vector<std::string> groups;  // "system:serviceaccounts", ...
  std::string verb;                 // get list watch create update patch delete
  std::string api_group;            // "" for the core group
  std::string resource;             // "services"
  std::string subresource;          // "status" or ""
  std::string ns;                   // "" for cluster-scoped requests
  std::string name;                 // "" for collections and create
};

// The user and groups of a service account.
RequestAttributes ServiceAccountUser(const std::string& ns, const std::string& name);

// Stored RBAC objects, by kind: `objects(kind)` lists every object of that kind
// ("Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding").
using RbacObjects = std::function<std::vector<nlohmann::json>(const std::string& kind)>;

bool RbacAllows(const RequestAttributes& request, const RbacObjects& objects);

// The 403 Forbidden Status for a denied request.
nlohmann::json ForbiddenStatus(const RequestAttributes& request);

}  // namespace ironlb::kube::testing

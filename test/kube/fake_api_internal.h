// Pieces shared by the fake API server's source files (not for tests to use).
#pragma once

#include <httplib.h>

#include <string>

#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"
#include "test/kube/fake_api_server.h"

namespace ironlb::kube::testing {

using nlohmann::json;

// For paths of types the server does not know (tests store ironlb.io objects without their
// CRDs): nodes and namespaces are cluster-scoped, the rest namespaced.
inline bool ClusterScoped(const std::string& plural) {
  return plural == "nodes" || plural == "namespaces";
}

// For types the server does not know: resources whose status is written only through the
// status subresource.
inline bool HasStatusSubresource(const std::string& plural) {
  return plural != "events" && plural != "leases" && plural != "endpointslices" &&
         plural != "configmaps";
}

inline std::string Meta(const json& object, const char* field) {
  if (!object.is_object() || !object.contains("metadata") || !object["metadata"].is_object()) {
    return "";
  }
  const json& m = object["metadata"];
  return m.contains(field) && m[field].is_string() ? m[field].get<std::string>() : "";
}

inline std::string KeyOf(const std::string& ns, const std::string& name) {
  return ns.empty() ? name : absl::StrCat(ns, "/", name);
}

inline json StatusJson(int code, absl::string_view reason, absl::string_view message,
                       const std::string& name = "", const std::string& kind = "") {
  json status = {{"kind", "Status"},    {"apiVersion", "v1"}, {"metadata", json::object()},
                 {"status", "Failure"}, {"message", message}, {"reason", reason},
                 {"code", code}};
  if (!name.empty() || !kind.empty()) status["details"] = {{"name", name}, {"kind", kind}};
  return status;
}

inline void Reply(httplib::Response& res, int code, const json& body) {
  res.status = code;
  res.set_content(body.dump(), "application/json");
}

// The object without the fields every write changes, to tell a no-op update.
inline json Comparable(json object) {
  if (object.contains("metadata") && object["metadata"].is_object()) {
    object["metadata"].erase("resourceVersion");
    object["metadata"].erase("managedFields");
    object["metadata"].erase("generation");
  }
  return object;
}

struct FakeApiServer::Target {
  std::string api_version;
  std::string collection;
  std::string plural;
  std::string kind;
  std::string ns;
  std::string name;
  std::string subresource;
  bool namespaced = true;
  bool status_subresource = true;
  bool builtin = false;                                      // strategic merge patch applies
  nlohmann::json printer_columns = nlohmann::json::array();  // a CRD's, for Tables

  // "services \"web\"" or "leases.coordination.k8s.io \"x\"", as the API's messages say.
  std::string Qualified() const {
    const size_t slash = api_version.find('/');
    const std::string group = slash == std::string::npos ? "" : api_version.substr(0, slash);
    return absl::StrCat(plural, group.empty() ? "" : ".", group, " \"", name, "\"");
  }
};

}  // namespace ironlb::kube::testing

// The fake API server's discovery: /version, /api, /apis, the group and resource lists, and
// /openapi/v2 (what kubectl reads before it applies, gets or deletes anything).
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "openapiv2/OpenAPIv2.pb.h"
#include "test/kube/fake_api_internal.h"
#include "test/kube/fake_api_server.h"
#include "test/kube/fake_resource_types.h"

namespace ironlb::kube::testing {
namespace {

// What the fake claims to be: the types it serves are those of Kubernetes 1.21 (policy/v1,
// discovery.k8s.io/v1).
json VersionInfo() {
  return json{{"major", "1"},
              {"minor", "21"},
              {"gitVersion", "v1.21.0-ironlb-fake"},
              {"gitCommit", "0000000000000000000000000000000000000000"},
              {"gitTreeState", "clean"},
              {"buildDate", "2021-04-08T00:00:00Z"},
              {"goVersion", "go1.16"},
              {"compiler", "gc"},
              {"platform", "linux/amd64"}};
}

// The OpenAPI v2 document. It has no paths or definitions: the fake publishes no schemas, so
// kubectl's client-side validation finds none to check against (as with a CRD without a
// schema) and computes patches from its own compiled-in types, as it does for built-in kinds
// anyway.
openapi::v2::Document OpenApiDocument() {
  openapi::v2::Document doc;
  doc.set_swagger("2.0");
  doc.mutable_info()->set_title("Kubernetes");
  doc.mutable_info()->set_version("v1.21.0-ironlb-fake");
  doc.mutable_paths();
  doc.mutable_definitions();
  return doc;
}

}  // namespace

bool FakeApiServer::HandleDiscovery(const httplib::Request& req, httplib::Response& res) {
  const std::string& path = req.path;
  const bool discovery_path =
      path == "/version" || path == "/openapi/v2" || path == "/api" || path == "/apis" ||
      path == "/api/v1" ||
      (absl::StartsWith(path, "/apis/") &&
       std::vector<std::string>(absl::StrSplit(path.substr(6), '/', absl::SkipEmpty())).size() <=
           2);
  if (!discovery_path) return false;
  if (req.method != "GET") {
    Reply(res, 405,
          StatusJson(405, "MethodNotAllowed",
                     "the server does not allow this method on the requested resource"));
    return true;
  }
  if (path == "/version") {
    Reply(res, 200, VersionInfo());
    return true;
  }
  if (path == "/openapi/v2") {
    // The real server answers in protobuf when asked (kubectl does), typed
    // application/octet-stream (the media type asked for is no valid Content-Type: the '@'),
    // and in JSON otherwise.
    if (absl::StrContains(req.get_header_value("Accept"),
                          "application/com.github.proto-openapi.spec.v2@v1.0+protobuf")) {
      res.status = 200;
      res.set_content(OpenApiDocument().SerializeAsString(), "application/octet-stream");
    } else {
      Reply(res, 200,
            json{{"swagger", "2.0"},
                 {"info", {{"title", "Kubernetes"}, {"version", "v1.21.0-ironlb-fake"}}},
                 {"paths", json::object()},
                 {"definitions", json::object()}});
    }
    return true;
  }
  std::optional<json> doc;
  {
    std::lock_guard<std::mutex> lock(mu_);
    doc = DiscoveryDocument(TypesLocked(), path, absl::StrCat(options_.bind_address, ":", port_));
  }
  if (!doc) {
    Reply(res, 404,
          StatusJson(404, "NotFound", "the server could not find the requested resource"));
  } else {
    Reply(res, 200, *doc);
  }
  return true;
}

}  // namespace ironlb::kube::testing

// A Kubernetes API server for tests, on 127.0.0.1 and a random port, speaking the real
// protocol with real JSON shapes so the kube/ client is tested against what it will meet:
//  - one global, monotonically increasing resourceVersion; every write bumps it
//  - list with limit/continue over a consistent snapshot, list kinds ("ServiceList") and
//    metadata.resourceVersion; continue tokens expire with compaction (410)
//  - watch: chunked, one WatchEvent JSON per line, from a resourceVersion, BOOKMARKs when
//    allowWatchBookmarks, timeoutSeconds; an ERROR event with a 410 Status ("too old resource
//    version") for versions older than the compaction point
//  - writes: create (409 AlreadyExists), PUT with resourceVersion precondition (409 Conflict),
//    the status subresource (PUT .../status changes only status, PUT of the object ignores
//    status), JSON merge patch, delete; Events and Leases are ordinary resources
//  - bearer token checking, TLS with client-certificate verification
//  - faults on demand: slow responses, dropped watch connections, 5xx answers
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "nlohmann/json.hpp"
#include "test/kube/fake_defaults.h"
#include "test/kube/fake_rbac.h"
#include "test/kube/fake_resource_types.h"

namespace httplib {
class Server;
struct Request;
struct Response;
}  // namespace httplib

namespace ironlb::kube::testing {

class FakeApiServer {
 public:
  struct Options {
    // TLS: server certificate and key (PEM files); with client_ca_file, client certificates
    // signed by it are required.
    std::string cert_file;
    std::string key_file;
    std::string client_ca_file;
    absl::Duration bookmark_interval = absl::Milliseconds(100);
    // Where to listen. Lab tests start the server on a thread inside a lab namespace and bind
    // that namespace's LAN address, so daemons in other namespaces can reach it.
    std::string bind_address = "127.0.0.1";
    // The server's clock for what it stamps on objects (metadata.creationTimestamp, to the
    // second as the real one): a test that needs two objects created seconds apart advances
    // its own clock instead of sleeping.
    std::function<absl::Time()> clock = [] { return absl::Now(); };
    // Creating an object in a namespace that does not exist answers 404 NotFound, as the real
    // server does. Off by default: unit tests store objects without their Namespace.
    bool require_namespaces = false;
    // Paths of types neither built in nor defined by a stored CRD answer 404, as the real
    // server does. Off by default: unit tests store ironlb.io objects without their CRDs.
    bool strict_types = false;
    // RBAC: requests with one of these bearer tokens are made by that service account
    // ("namespace/name") and are checked against the Roles, ClusterRoles and bindings stored
    // here (403 Forbidden as the real server words it); other tokens are unrestricted.
    std::map<std::string, std::string> service_account_tokens;
    // A deleted Namespace (or CRD) stays, Terminating, this long before its content and then
    // itself go, as the real namespace controller (or CRD finalizer) takes a moment to act.
    absl::Duration finalize_delay = absl::Seconds(2);
  };
  struct RecordedRequest {
    std::string method;
    std::string path;  // without the query
    std::map<std::string, std::string> params;
    std::string token;  // bearer token sent, "" if none
  };

  static absl::StatusOr<std::unique_ptr<FakeApiServer>> Start(Options options);
  static absl::StatusOr<std::unique_ptr<FakeApiServer>> Start() { return Start(Options{}); }
  ~FakeApiServer();

  // "http://127.0.0.1:port" or "https://127.0.0.1:port" (with bind_address).
  std::string url() const;

  // Direct access to the store, bypassing HTTP (as another client writing would).
  // `collection` is "v1/services" or "coordination.k8s.io/v1/leases".
  nlohmann::json Put(const std::string& collection, nlohmann::json object);  // create or replace
  bool Remove(const std::string& collection, const std::string& ns, const std::string& name);
  // Put by the object's apiVersion and kind, as kubectl maps them (built-in types and those
  // of the CRDs stored so far); `default_namespace` for namespaced objects without one.
  absl::StatusOr<nlohmann::json> Apply(nlohmann::json object,
                                       const std::string& default_namespace = "default");
  std::optional<nlohmann::json> Object(const std::string& collection, const std::string& ns,
                                       const std::string& name) const;
  std::vector<nlohmann::json> Objects(const std::string& collection) const;
  // Calls `visit` on every object of the collection under the server's lock, without copies
  // (for tests that poll thousands of objects). `visit` must not call the server.
  void Visit(const std::string& collection,
             const std::function<void(const nlohmann::json&)>& visit) const;
  int64_t resource_version() const;

  // History before the current resourceVersion is forgotten: watches and continue tokens
  // from before get 410 Gone.
  void Compact();
  // Accepted bearer tokens; empty means no authentication.
  void SetTokens(std::set<std::string> tokens);
  // Faults.
  void SetResponseDelay(absl::Duration delay);
  void FailNextRequests(int count, int http_status);  // non-watch requests answer this Status
  void DropWatches();                                 // cuts every open watch mid-stream
  void SetBookmarks(bool enabled);
  // Too-old watches get an HTTP 410 answer instead of a 200 stream with an ERROR event (API
  // servers without the watch cache answer that way).
  void SetGoneAsHttpStatus(bool http_status);
  // While set, watch requests are answered 503 (an API server that lists but cannot watch).
  void SetWatchesUnavailable(bool unavailable);

  std::vector<RecordedRequest> Requests() const;
  int open_watches() const { return open_watches_.load(); }

 private:
  struct Target;
  struct LogEntry {
    int64_t rv;
    std::string collection;
    std::string type;  // ADDED, MODIFIED, DELETED
    nlohmann::json object;
    nlohmann::json previous;  // null for ADDED
  };
  using Collection = std::map<std::string, nlohmann::json>;  // key "ns/name" or "name"

  explicit FakeApiServer(Options options);
  void Handle(const httplib::Request& req, httplib::Response& res);
  void HandleList(const Target& t, const httplib::Request& req, httplib::Response& res);
  void HandleWatch(const Target& t, const httplib::Request& req, httplib::Response& res);
  void HandleCreate(const Target& t, const httplib::Request& req, httplib::Response& res);
  void HandleUpdate(const Target& t, const httplib::Request& req, httplib::Response& res);
  void HandlePatch(const Target& t, const httplib::Request& req, httplib::Response& res);
  void HandleDelete(const Target& t, httplib::Response& res);
  // Deletes what lives in a namespace or belongs to a CRD that is being deleted. mu_ held.
  void CascadeLocked(const std::string& plural, const nlohmann::json& deleted);
  // The namespace controller and the CRD finalizer: removes what has been Terminating for
  // finalize_delay. Runs on its own thread until the server stops.
  void FinalizeLoop();
  // /version, /openapi/v2 and the discovery documents; false if `req` is not one of them.
  bool HandleDiscovery(const httplib::Request& req, httplib::Response& res);
  // The types known now: built-in, then those of the stored CRDs. mu_ held.
  std::vector<ResourceType> TypesLocked() const;
  // Fills `t`'s kind, scope and subresource rules from its type (or the defaults for types
  // the server does not know). mu_ held.
  // The 403 answer if `token` belongs to a service account whose RBAC does not allow the
  // request; nullopt if allowed. mu_ held.
  std::optional<nlohmann::json> AuthorizeLocked(const std::string& token, const Target& t,
                                                const std::string& method, bool watch) const;
  // False if the type is unknown (with strict_types, the caller answers 404).
  bool ResolveTypeLocked(Target& t) const;
  // Stores `object` under the lock, logs the event and wakes watchers.
  nlohmann::json CommitLocked(const std::string& collection, const std::string& type,
                              nlohmann::json object, const nlohmann::json& previous);
  // Turns `body` (the desired object) into the stored one under the status subresource's rules,
  // checks the `precondition` resourceVersion (if not empty) and writes; answers `res`.
  // mu_ held.
  void WriteUpdate(const Target& t, const nlohmann::json& body, const std::string& precondition,
                   httplib::Response& res);

  Options options_;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  std::thread finalizer_;
  int port_ = 0;
  bool tls_ = false;

  mutable std::mutex mu_;
  std::condition_variable changed_;
  std::map<std::string, Collection> collections_;
  std::vector<LogEntry> log_;
  // Snapshots taken for paged lists, by (collection, resourceVersion).
  std::map<std::pair<std::string, int64_t>, std::shared_ptr<const Collection>> snapshots_;
  int64_t rv_ = 1;
  int64_t compacted_ = 0;  // versions <= this are gone
  int64_t uid_counter_ = 0;
  Allocations allocations_;
  // Terminating Namespaces and CRDs: (collection, key) -> when deleted (real time).
  std::map<std::pair<std::string, std::string>, absl::Time> terminating_;
  std::set<std::string> tokens_;
  absl::Duration delay_ = absl::ZeroDuration();
  int fail_count_ = 0;
  int fail_status_ = 500;
  int64_t drop_generation_ = 0;
  bool bookmarks_ = true;
  bool watches_unavailable_ = false;
  bool gone_as_http_status_ = false;
  bool stopping_ = false;
  std::vector<RecordedRequest> requests_;
  std::atomic<int> open_watches_{0};
};

// The collection id of a resource: "v1/services", "discovery.k8s.io/v1/endpointslices".
std::string CollectionOf(const std::string& api_version, const std::string& plural);

}  // namespace ironlb::kube::testing

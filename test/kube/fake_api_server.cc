#include "test/kube/fake_api_server.h"

#include <httplib.h>

#include <algorithm>
#include <chrono>
#include <deque>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "kube/kube_time.h"
#include "test/kube/fake_api_internal.h"
#include "test/kube/fake_selectors.h"
#include "test/kube/fake_tables.h"

namespace ironlb::kube::testing {
namespace {

using nlohmann::json;

const std::map<std::string, std::string>& Kinds() {
  static const auto* kinds = new std::map<std::string, std::string>{
      {"services", "Service"},
      {"endpointslices", "EndpointSlice"},
      {"nodes", "Node"},
      {"namespaces", "Namespace"},
      {"events", "Event"},
      {"leases", "Lease"},
      {"configmaps", "ConfigMap"},
      {"pods", "Pod"},
      {"ipaddresspools", "IPAddressPool"},
      {"addresspools", "AddressPool"},
      {"l2advertisements", "L2Advertisement"},
      {"bgpadvertisements", "BGPAdvertisement"},
      {"bgppeers", "BGPPeer"},
      {"bfdprofiles", "BFDProfile"},
      {"portforwards", "PortForward"},
  };
  return *kinds;
}

}  // namespace

std::vector<ResourceType> FakeApiServer::TypesLocked() const {
  std::vector<ResourceType> types = BuiltinResourceTypes();
  const auto crds = collections_.find("apiextensions.k8s.io/v1/customresourcedefinitions");
  if (crds != collections_.end()) {
    for (const auto& [key, crd] : crds->second) {
      for (ResourceType& t : TypesOfCrd(crd)) types.push_back(std::move(t));
    }
  }
  return types;
}

bool FakeApiServer::ResolveTypeLocked(Target& t) const {
  for (const ResourceType& type : TypesLocked()) {
    if (type.api_version() == t.api_version && type.plural == t.plural) {
      t.kind = type.kind;
      t.namespaced = type.namespaced;
      t.status_subresource = type.status_subresource;
      t.builtin = type.builtin;
      t.printer_columns = type.printer_columns;
      return true;
    }
  }
  t.namespaced = !ClusterScoped(t.plural);
  const auto kind = Kinds().find(t.plural);
  t.kind = kind != Kinds().end() ? kind->second : t.plural;
  t.status_subresource = HasStatusSubresource(t.plural);
  t.builtin = false;
  return !options_.strict_types;
}

std::optional<json> FakeApiServer::AuthorizeLocked(const std::string& token, const Target& t,
                                                   const std::string& method, bool watch) const {
  const auto sa = options_.service_account_tokens.find(token);
  if (sa == options_.service_account_tokens.end()) return std::nullopt;
  const size_t slash = sa->second.find('/');
  RequestAttributes r =
      ServiceAccountUser(sa->second.substr(0, slash), sa->second.substr(slash + 1));
  const size_t group_end = t.api_version.find('/');
  r.api_group = group_end == std::string::npos ? "" : t.api_version.substr(0, group_end);
  r.resource = t.plural;
  r.subresource = t.subresource;
  r.ns = t.ns;
  r.name = t.name;
  if (method == "GET") {
    r.verb = !t.name.empty() ? "get" : watch ? "watch" : "list";
  } else if (method == "POST") {
    r.verb = "create";
  } else if (method == "PUT") {
    r.verb = "update";
  } else if (method == "PATCH") {
    r.verb = "patch";
  } else {
    r.verb = t.name.empty() ? "deletecollection" : "delete";
  }
  auto objects = [this](const std::string& kind) {
    static const std::map<std::string, std::string> plural = {
        {"Role", "roles"},
        {"ClusterRole", "clusterroles"},
        {"RoleBinding", "rolebindings"},
        {"ClusterRoleBinding", "clusterrolebindings"}};
    std::vector<json> out;
    const auto c = collections_.find(CollectionOf("rbac.authorization.k8s.io/v1", plural.at(kind)));
    if (c != collections_.end()) {
      for (const auto& [key, o] : c->second) out.push_back(o);
    }
    return out;
  };
  if (RbacAllows(r, objects)) return std::nullopt;
  return ForbiddenStatus(r);
}

std::string CollectionOf(const std::string& api_version, const std::string& plural) {
  return absl::StrCat(api_version, "/", plural);
}

FakeApiServer::FakeApiServer(Options options) : options_(std::move(options)) {}

absl::StatusOr<std::unique_ptr<FakeApiServer>> FakeApiServer::Start(Options options) {
  auto server = std::unique_ptr<FakeApiServer>(new FakeApiServer(std::move(options)));
  const Options& o = server->options_;
  if (!o.cert_file.empty()) {
    server->tls_ = true;
    server->server_ = std::make_unique<httplib::SSLServer>(
        o.cert_file.c_str(), o.key_file.c_str(),
        o.client_ca_file.empty() ? nullptr : o.client_ca_file.c_str());
  } else {
    server->server_ = std::make_unique<httplib::Server>();
  }
  if (!server->server_->is_valid()) {
    return absl::InternalError("fake API server: bad TLS certificate or key");
  }
  // Watches hold a thread each for their whole life.
  server->server_->new_task_queue = [] { return new httplib::ThreadPool(64); };
  // A real API server answers without Nagle's delay; with it, a response written in two
  // pieces waits for the client's delayed ACK (40 ms) on every request.
  server->server_->set_tcp_nodelay(true);
  FakeApiServer* self = server.get();
  auto handler = [self](const httplib::Request& req, httplib::Response& res) {
    self->Handle(req, res);
  };
  server->server_->Get(R"(/.*)", handler);
  server->server_->Post(R"(/.*)", handler);
  server->server_->Put(R"(/.*)", handler);
  server->server_->Patch(R"(/.*)", handler);
  server->server_->Delete(R"(/.*)", handler);
  server->port_ = server->server_->bind_to_any_port(o.bind_address);
  if (server->port_ <= 0) {
    return absl::InternalError(absl::StrCat("fake API server: cannot bind ", o.bind_address));
  }
  server->thread_ = std::thread([self] { self->server_->listen_after_bind(); });
  server->finalizer_ = std::thread([self] { self->FinalizeLoop(); });
  for (int i = 0; i < 500 && !server->server_->is_running(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return server;
}

FakeApiServer::~FakeApiServer() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  changed_.notify_all();
  server_->stop();
  if (thread_.joinable()) thread_.join();
  if (finalizer_.joinable()) finalizer_.join();
}

std::string FakeApiServer::url() const {
  return absl::StrCat(tls_ ? "https" : "http", "://", options_.bind_address, ":", port_);
}

int64_t FakeApiServer::resource_version() const {
  std::lock_guard<std::mutex> lock(mu_);
  return rv_;
}

void FakeApiServer::Compact() {
  std::lock_guard<std::mutex> lock(mu_);
  compacted_ = rv_;
  log_.clear();
  for (auto it = snapshots_.begin(); it != snapshots_.end();) {
    it = it->first.second <= compacted_ ? snapshots_.erase(it) : std::next(it);
  }
}

void FakeApiServer::SetTokens(std::set<std::string> tokens) {
  std::lock_guard<std::mutex> lock(mu_);
  tokens_ = std::move(tokens);
}

void FakeApiServer::SetResponseDelay(absl::Duration delay) {
  std::lock_guard<std::mutex> lock(mu_);
  delay_ = delay;
}

void FakeApiServer::FailNextRequests(int count, int http_status) {
  std::lock_guard<std::mutex> lock(mu_);
  fail_count_ = count;
  fail_status_ = http_status;
}

void FakeApiServer::DropWatches() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    ++drop_generation_;
  }
  changed_.notify_all();
}

void FakeApiServer::SetBookmarks(bool enabled) {
  std::lock_guard<std::mutex> lock(mu_);
  bookmarks_ = enabled;
}

void FakeApiServer::SetGoneAsHttpStatus(bool http_status) {
  std::lock_guard<std::mutex> lock(mu_);
  gone_as_http_status_ = http_status;
}

void FakeApiServer::SetWatchesUnavailable(bool unavailable) {
  std::lock_guard<std::mutex> lock(mu_);
  watches_unavailable_ = unavailable;
}

std::vector<FakeApiServer::RecordedRequest> FakeApiServer::Requests() const {
  std::lock_guard<std::mutex> lock(mu_);
  return requests_;
}

json FakeApiServer::CommitLocked(const std::string& collection, const std::string& type,
                                 json object, const json& previous) {
  ++rv_;
  object["metadata"]["resourceVersion"] = absl::StrCat(rv_);
  const std::string key = KeyOf(Meta(object, "namespace"), Meta(object, "name"));
  if (type == "DELETED") {
    collections_[collection].erase(key);
  } else {
    collections_[collection][key] = object;
  }
  log_.push_back(LogEntry{rv_, collection, type, object, previous});
  changed_.notify_all();
  return object;
}

json FakeApiServer::Put(const std::string& collection, json object) {
  std::lock_guard<std::mutex> lock(mu_);
  const std::string key = KeyOf(Meta(object, "namespace"), Meta(object, "name"));
  Collection& c = collections_[collection];
  const auto it = c.find(key);
  if (it == c.end()) {
    object["metadata"]["uid"] =
        absl::StrCat("00000000-0000-4000-8000-", 100000000000 + ++uid_counter_);
    object["metadata"]["creationTimestamp"] = FormatApiTime(options_.clock());
    return CommitLocked(collection, "ADDED", std::move(object), nullptr);
  }
  const json previous = it->second;
  object["metadata"]["uid"] = previous["metadata"]["uid"];
  object["metadata"]["creationTimestamp"] = previous["metadata"]["creationTimestamp"];
  return CommitLocked(collection, "MODIFIED", std::move(object), previous);
}

absl::StatusOr<json> FakeApiServer::Apply(json object, const std::string& default_namespace) {
  const std::string api_version = object.value("apiVersion", "");
  const std::string kind = object.value("kind", "");
  std::optional<ResourceType> type;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const ResourceType& t : TypesLocked()) {
      if (t.api_version() == api_version && t.kind == kind) type = t;
    }
  }
  if (!type) {
    return absl::NotFoundError(
        absl::StrCat("no matches for kind \"", kind, "\" in version \"", api_version, "\""));
  }
  if (type->namespaced && Meta(object, "namespace").empty()) {
    object["metadata"]["namespace"] = default_namespace;
  }
  return Put(CollectionOf(api_version, type->plural), std::move(object));
}

bool FakeApiServer::Remove(const std::string& collection, const std::string& ns,
                           const std::string& name) {
  std::lock_guard<std::mutex> lock(mu_);
  Collection& c = collections_[collection];
  const auto it = c.find(KeyOf(ns, name));
  if (it == c.end()) return false;
  const json previous = it->second;
  CommitLocked(collection, "DELETED", previous, previous);
  return true;
}

std::optional<json> FakeApiServer::Object(const std::string& collection, const std::string& ns,
                                          const std::string& name) const {
  std::lock_guard<std::mutex> lock(mu_);
  const auto c = collections_.find(collection);
  if (c == collections_.end()) return std::nullopt;
  const auto it = c->second.find(KeyOf(ns, name));
  if (it == c->second.end()) return std::nullopt;
  return it->second;
}

std::vector<json> FakeApiServer::Objects(const std::string& collection) const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<json> out;
  const auto c = collections_.find(collection);
  if (c == collections_.end()) return out;
  for (const auto& entry : c->second) out.push_back(entry.second);
  return out;
}

void FakeApiServer::Visit(const std::string& collection,
                          const std::function<void(const json&)>& visit) const {
  std::lock_guard<std::mutex> lock(mu_);
  const auto c = collections_.find(collection);
  if (c == collections_.end()) return;
  for (const auto& entry : c->second) visit(entry.second);
}

void FakeApiServer::Handle(const httplib::Request& req, httplib::Response& res) {
  RecordedRequest record{req.method, req.path, {}, ""};
  for (const auto& [k, v] : req.params) record.params[k] = v;
  const std::string auth = req.get_header_value("Authorization");
  if (absl::StartsWith(auth, "Bearer ")) record.token = auth.substr(7);
  const bool watch = record.params.count("watch") > 0 &&
                     (record.params["watch"] == "true" || record.params["watch"] == "1");
  absl::Duration delay;
  {
    std::lock_guard<std::mutex> lock(mu_);
    requests_.push_back(record);
    delay = delay_;
    if (!tokens_.empty() && tokens_.count(record.token) == 0) {
      Reply(res, 401, StatusJson(401, "Unauthorized", "Unauthorized"));
      return;
    }
    if (watch && watches_unavailable_) {
      Reply(res, 503, StatusJson(503, "ServiceUnavailable", "watches are unavailable (injected)"));
      return;
    }
    if (fail_count_ > 0 && !watch) {
      --fail_count_;
      const int code = fail_status_;
      Reply(res, code,
            StatusJson(code, code == 503 ? "ServiceUnavailable" : "InternalError",
                       absl::StrCat("injected failure (HTTP ", code, ")")));
      return;
    }
  }
  if (delay > absl::ZeroDuration()) absl::SleepFor(delay);

  if (HandleDiscovery(req, res)) return;
  // Route: /api/v1/... or /apis/{group}/{version}/...
  std::vector<std::string> segs = absl::StrSplit(req.path.substr(1), '/', absl::SkipEmpty());
  Target t;
  size_t i = 0;
  if (segs.size() >= 2 && segs[0] == "api") {
    t.api_version = segs[1];
    i = 2;
  } else if (segs.size() >= 3 && segs[0] == "apis") {
    t.api_version = absl::StrCat(segs[1], "/", segs[2]);
    i = 3;
  } else {
    Reply(res, 404,
          StatusJson(404, "NotFound", "the server could not find the requested resource"));
    return;
  }
  std::vector<std::string> rest(segs.begin() + static_cast<long>(i), segs.end());
  if (rest.size() >= 3 && rest[0] == "namespaces") {
    t.ns = rest[1];
    rest.erase(rest.begin(), rest.begin() + 2);
  }
  if (rest.empty() || rest.size() > 3) {
    Reply(res, 404,
          StatusJson(404, "NotFound", "the server could not find the requested resource"));
    return;
  }
  t.plural = rest[0];
  if (rest.size() >= 2) t.name = rest[1];
  if (rest.size() == 3) t.subresource = rest[2];
  t.collection = CollectionOf(t.api_version, t.plural);
  bool known = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    known = ResolveTypeLocked(t);
    if (std::optional<json> denied = AuthorizeLocked(record.token, t, req.method, watch)) {
      Reply(res, 403, *denied);
      return;
    }
  }
  if (!known || (t.namespaced && !t.name.empty() && t.ns.empty()) ||
      (!t.namespaced && !t.ns.empty()) ||
      (!t.subresource.empty() && (t.subresource != "status" || !t.status_subresource))) {
    Reply(res, 404,
          StatusJson(404, "NotFound", "the server could not find the requested resource"));
    return;
  }

  if (req.method == "GET" && t.name.empty()) {
    if (watch) {
      HandleWatch(t, req, res);
    } else {
      HandleList(t, req, res);
    }
  } else if (req.method == "GET") {
    std::lock_guard<std::mutex> lock(mu_);
    const auto& c = collections_[t.collection];
    const auto it = c.find(KeyOf(t.ns, t.name));
    if (it == c.end()) {
      Reply(
          res, 404,
          StatusJson(404, "NotFound", absl::StrCat(t.Qualified(), " not found"), t.name, t.plural));
    } else if (WantsTable(req.get_header_value("Accept"))) {
      Reply(res, 200,
            TableOf({t.kind, t.builtin, t.printer_columns}, {it->second},
                    Meta(it->second, "resourceVersion"), req.get_param_value("includeObject"),
                    options_.clock()));
    } else {
      Reply(res, 200, it->second);
    }
  } else if (req.method == "POST" && t.name.empty()) {
    HandleCreate(t, req, res);
  } else if (req.method == "PUT" && !t.name.empty()) {
    HandleUpdate(t, req, res);
  } else if (req.method == "PATCH" && !t.name.empty()) {
    HandlePatch(t, req, res);
  } else if (req.method == "DELETE" && !t.name.empty()) {
    HandleDelete(t, res);
  } else {
    Reply(res, 405,
          StatusJson(405, "MethodNotAllowed",
                     absl::StrCat("the server does not allow this method on the "
                                  "requested resource")));
  }
}

}  // namespace ironlb::kube::testing

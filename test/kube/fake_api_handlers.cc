// The fake API server's list, watch and write handlers.
#include <chrono>
#include <deque>
#include <functional>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "kube/kube_time.h"
#include "test/kube/fake_api_internal.h"
#include "test/kube/fake_api_server.h"
#include "test/kube/fake_selectors.h"
#include "test/kube/fake_strategic_merge.h"
#include "test/kube/fake_tables.h"

namespace ironlb::kube::testing {
namespace {

struct Filter {
  std::string ns;
  Selector labels;
  Selector fields;
  bool Matches(const json& object) const {
    if (!object.is_object()) return false;
    if (!ns.empty() && Meta(object, "namespace") != ns) return false;
    return labels.Matches(object) && fields.Matches(object);
  }
};

// Parses the selectors of a list or watch; answers 400 when they are bad.
std::optional<Filter> ParseFilter(const std::string& ns, const httplib::Request& req,
                                  httplib::Response& res) {
  absl::StatusOr<Selector> labels = Selector::ParseLabels(req.get_param_value("labelSelector"));
  absl::StatusOr<Selector> fields = Selector::ParseFields(req.get_param_value("fieldSelector"));
  if (!labels.ok() || !fields.ok()) {
    const absl::Status& bad = labels.ok() ? fields.status() : labels.status();
    Reply(res, 400, StatusJson(400, "BadRequest", bad.message()));
    return std::nullopt;
  }
  return Filter{ns, *std::move(labels), *std::move(fields)};
}

std::string Line(const std::string& type, const json& object) {
  return json{{"type", type}, {"object", object}}.dump() + "\n";
}

// How a watch shows objects: as they are, or as one-row Tables (kubectl get --watch).
using Shape = std::function<json(const json&)>;

}  // namespace

void FakeApiServer::HandleList(const Target& t, const httplib::Request& req,
                               httplib::Response& res) {
  std::optional<Filter> filter = ParseFilter(t.ns, req, res);
  if (!filter) return;
  int64_t limit = 0;
  if (req.has_param("limit") &&
      (!absl::SimpleAtoi(req.get_param_value("limit"), &limit) || limit < 0)) {
    Reply(res, 400, StatusJson(400, "BadRequest", "limit: must be a non-negative integer"));
    return;
  }
  std::shared_ptr<const Collection> snapshot;
  int64_t list_rv = 0;
  std::string start_after;
  {
    std::lock_guard<std::mutex> lock(mu_);
    const std::string token = req.get_param_value("continue");
    if (!token.empty()) {
      std::string decoded;
      json parsed;
      if (absl::WebSafeBase64Unescape(token, &decoded))
        parsed = json::parse(decoded, nullptr, false);
      if (!parsed.is_object() || !parsed["rv"].is_number_integer() ||
          !parsed["start"].is_string()) {
        Reply(res, 400, StatusJson(400, "BadRequest", "continue key is not valid"));
        return;
      }
      list_rv = parsed["rv"].get<int64_t>();
      start_after = parsed["start"].get<std::string>();
      const auto it = snapshots_.find({t.collection, list_rv});
      if (list_rv <= compacted_ || it == snapshots_.end()) {
        Reply(res, 410,
              StatusJson(410, "Expired",
                         "The provided continue parameter is too old to display a consistent "
                         "list result. You can start a new list without the continue parameter."));
        return;
      }
      snapshot = it->second;
    } else {
      list_rv = rv_;
      snapshot = std::make_shared<const Collection>(collections_[t.collection]);
      if (limit > 0) snapshots_[{t.collection, list_rv}] = snapshot;
    }
  }
  json items = json::array();
  std::vector<json> table_objects;
  const bool table = WantsTable(req.get_header_value("Accept"));
  std::string last_key;
  int64_t remaining = 0;
  auto it = start_after.empty() ? snapshot->begin() : snapshot->upper_bound(start_after);
  for (; it != snapshot->end(); ++it) {
    if (!filter->Matches(it->second)) continue;
    if (limit > 0 && static_cast<int64_t>(items.size()) == limit) {
      ++remaining;
      continue;
    }
    if (table) table_objects.push_back(it->second);
    json item = it->second;
    // A typed list's items carry no kind/apiVersion: the list's kind says it.
    item.erase("kind");
    item.erase("apiVersion");
    items.push_back(std::move(item));
    last_key = it->first;
  }
  json metadata = {{"resourceVersion", absl::StrCat(list_rv)}};
  if (remaining > 0) {
    metadata["continue"] =
        absl::WebSafeBase64Escape(json{{"rv", list_rv}, {"start", last_key}}.dump());
    metadata["remainingItemCount"] = remaining;
  }
  if (table) {
    json out = TableOf({t.kind, t.builtin, t.printer_columns}, table_objects, absl::StrCat(list_rv),
                       req.get_param_value("includeObject"), options_.clock());
    out["metadata"] = metadata;
    Reply(res, 200, out);
    return;
  }
  Reply(res, 200,
        json{{"kind", t.kind + "List"},
             {"apiVersion", t.api_version},
             {"metadata", metadata},
             {"items", items}});
}

void FakeApiServer::HandleWatch(const Target& t, const httplib::Request& req,
                                httplib::Response& res) {
  std::optional<Filter> filter = ParseFilter(t.ns, req, res);
  if (!filter) return;
  struct State {
    std::deque<std::string> pending;
    bool end_after_pending = false;
    int64_t cursor = 0;
    int64_t drop_generation = 0;
    bool bookmarks = false;
    absl::Time deadline;
    absl::Time last_bookmark;
  };
  auto state = std::make_shared<State>();
  int64_t timeout_s = 1800;
  if (req.has_param("timeoutSeconds")) {
    (void)absl::SimpleAtoi(req.get_param_value("timeoutSeconds"), &timeout_s);
  }
  state->deadline = absl::Now() + absl::Seconds(timeout_s);
  state->last_bookmark = absl::Now();
  state->bookmarks = req.get_param_value("allowWatchBookmarks") == "true";
  const std::string from = req.get_param_value("resourceVersion");
  {
    std::lock_guard<std::mutex> lock(mu_);
    state->drop_generation = drop_generation_;
    if (from.empty() || from == "0") {
      // "Any version": the current state as ADDED events, then changes.
      for (const auto& entry : collections_[t.collection]) {
        if (filter->Matches(entry.second)) state->pending.push_back(Line("ADDED", entry.second));
      }
      state->cursor = rv_;
    } else if (!absl::SimpleAtoi(from, &state->cursor)) {
      Reply(res, 400,
            StatusJson(400, "BadRequest",
                       absl::StrCat("resourceVersion: invalid value \"", from, "\"")));
      return;
    } else if (state->cursor < compacted_) {
      const json gone = StatusJson(
          410, "Expired",
          absl::StrCat("too old resource version: ", state->cursor, " (", compacted_ + 1, ")"));
      if (gone_as_http_status_) {
        Reply(res, 410, gone);
        return;
      }
      state->pending.push_back(Line("ERROR", gone));
      state->end_after_pending = true;
    }
  }
  ++open_watches_;
  const std::string collection = t.collection;
  const std::string kind = t.kind;
  const std::string api_version = t.api_version;
  auto filter_ptr = std::make_shared<Filter>(*std::move(filter));
  Shape shape = [](const json& o) { return o; };
  if (WantsTable(req.get_header_value("Accept"))) {
    const TableSpec spec{t.kind, t.builtin, t.printer_columns};
    const std::string include = req.get_param_value("includeObject");
    shape = [this, spec, include](const json& o) {
      return TableOf(spec, {o}, Meta(o, "resourceVersion"), include, options_.clock());
    };
    for (std::string& line : state->pending) {
      json event = json::parse(line);
      if (event["type"] != "ERROR") line = Line(event["type"], shape(event["object"]));
    }
  }
  res.status = 200;
  // The real server types a JSON watch "application/json"; here it carries the watch framing
  // parameter instead, because cpp-httplib gzips exactly "application/json" for clients that
  // accept gzip (kubectl does) and would hold the events in its compressor.
  res.set_chunked_content_provider(
      "application/json;stream=watch",
      [this, state, collection, kind, api_version, filter_ptr, shape](size_t,
                                                                      httplib::DataSink& sink) {
        std::vector<std::string> out(state->pending.begin(), state->pending.end());
        state->pending.clear();
        bool end = state->end_after_pending;
        if (!end) {
          std::unique_lock<std::mutex> lock(mu_);
          if (out.empty()) changed_.wait_for(lock, std::chrono::milliseconds(20));
          if (drop_generation_ != state->drop_generation) return false;  // cut the connection
          if (stopping_) return false;
          const auto first =
              std::upper_bound(log_.begin(), log_.end(), state->cursor,
                               [](int64_t rv, const LogEntry& e) { return rv < e.rv; });
          for (auto it = first; it != log_.end(); ++it) {
            state->cursor = it->rv;
            if (it->collection != collection) continue;
            const bool now_matches = filter_ptr->Matches(it->object);
            const bool was_matching = !it->previous.is_null() && filter_ptr->Matches(it->previous);
            std::string type = it->type;
            if (type == "MODIFIED" && now_matches && !was_matching) type = "ADDED";
            if (type == "MODIFIED" && !now_matches && was_matching) type = "DELETED";
            if (type == "DELETED" && !was_matching) continue;
            if ((type == "ADDED" || type == "MODIFIED") && !now_matches) continue;
            out.push_back(Line(type, shape(it->object)));
          }
          // Everything up to rv_ has been considered: a bookmark may say so.
          state->cursor = std::max(state->cursor, rv_);
          const absl::Time now = absl::Now();
          if (out.empty() && bookmarks_ && state->bookmarks &&
              now - state->last_bookmark >= options_.bookmark_interval) {
            state->last_bookmark = now;
            out.push_back(
                Line("BOOKMARK", json{{"kind", kind},
                                      {"apiVersion", api_version},
                                      {"metadata", {{"resourceVersion", absl::StrCat(rv_)}}}}));
          }
          end = now >= state->deadline;
        }
        for (const std::string& line : out) {
          if (!sink.write(line.data(), line.size())) return false;
        }
        if (end) sink.done();
        return true;
      },
      [this](bool) { --open_watches_; });
}

void FakeApiServer::HandleCreate(const Target& t, const httplib::Request& req,
                                 httplib::Response& res) {
  json object = json::parse(req.body, nullptr, false);
  if (!object.is_object()) {
    Reply(res, 400, StatusJson(400, "BadRequest", "the request body is not a JSON object"));
    return;
  }
  if (!object.contains("metadata") || !object["metadata"].is_object()) {
    object["metadata"] = json::object();
  }
  const std::string name = Meta(object, "name");
  if (name.empty()) {
    Reply(res, 422,
          StatusJson(422, "Invalid",
                     absl::StrCat(t.kind,
                                  " is invalid: metadata.name: Required value: "
                                  "name or generateName is required"),
                     "", t.plural));
    return;
  }
  const std::string body_ns = Meta(object, "namespace");
  if (t.namespaced && !body_ns.empty() && body_ns != t.ns) {
    Reply(res, 400,
          StatusJson(400, "BadRequest",
                     "the namespace of the provided object does not match the "
                     "namespace sent on the request"));
    return;
  }
  if (t.namespaced) object["metadata"]["namespace"] = t.ns;
  Target named = t;
  named.name = name;
  std::lock_guard<std::mutex> lock(mu_);
  if (t.namespaced && options_.require_namespaces) {
    const Collection& namespaces = collections_["v1/namespaces"];
    const auto ns = namespaces.find(t.ns);
    if (ns == namespaces.end()) {
      Reply(res, 404,
            StatusJson(404, "NotFound", absl::StrCat("namespaces \"", t.ns, "\" not found"), t.ns,
                       "namespaces"));
      return;
    }
    if (!Meta(ns->second, "deletionTimestamp").empty()) {
      Reply(res, 403,
            StatusJson(403, "Forbidden",
                       absl::StrCat(named.Qualified(),
                                    " is forbidden: unable to create new "
                                    "content in namespace ",
                                    t.ns, " because it is being terminated"),
                       name, t.plural));
      return;
    }
  }
  Collection& c = collections_[t.collection];
  if (c.count(KeyOf(t.ns, name)) > 0) {
    Reply(res, 409,
          StatusJson(409, "AlreadyExists", absl::StrCat(named.Qualified(), " already exists"), name,
                     t.plural));
    return;
  }
  object["kind"] = t.kind;
  object["apiVersion"] = t.api_version;
  object["metadata"]["uid"] =
      absl::StrCat("00000000-0000-4000-8000-", 100000000000 + ++uid_counter_);
  object["metadata"]["creationTimestamp"] = FormatApiTime(options_.clock());
  object["metadata"]["generation"] = 1;
  object["metadata"].erase("resourceVersion");
  if (t.status_subresource) {
    object.erase("status");
    if (t.plural == "services") object["status"] = {{"loadBalancer", json::object()}};
  }
  if (t.builtin) ApplyCreateDefaults(t.kind, object, allocations_);
  Reply(res, 201, CommitLocked(t.collection, "ADDED", std::move(object), nullptr));
}

void FakeApiServer::WriteUpdate(const Target& t, const json& body, const std::string& precondition,
                                httplib::Response& res) {
  Collection& c = collections_[t.collection];
  const auto it = c.find(KeyOf(t.ns, t.name));
  if (it == c.end()) {
    Reply(res, 404,
          StatusJson(404, "NotFound", absl::StrCat(t.Qualified(), " not found"), t.name, t.plural));
    return;
  }
  const json current = it->second;
  if (!precondition.empty() && precondition != Meta(current, "resourceVersion")) {
    Reply(res, 409,
          StatusJson(409, "Conflict",
                     absl::StrCat("Operation cannot be fulfilled on ", t.Qualified(),
                                  ": the object has been modified; please apply your changes "
                                  "to the latest version and try again"),
                     t.name, t.plural));
    return;
  }
  json updated;
  if (t.subresource == "status") {
    // The status subresource changes the status and nothing else.
    updated = current;
    if (body.contains("status")) {
      updated["status"] = body["status"];
    } else {
      updated.erase("status");
    }
  } else {
    updated = body;
    if (!updated.contains("metadata") || !updated["metadata"].is_object()) {
      updated["metadata"] = json::object();
    }
    // Writes to the object leave a status-subresource resource's status alone.
    if (t.status_subresource) {
      if (current.contains("status")) {
        updated["status"] = current["status"];
      } else {
        updated.erase("status");
      }
    }
    for (const char* immutable : {"uid", "creationTimestamp", "namespace", "name"}) {
      if (current["metadata"].contains(immutable)) {
        updated["metadata"][immutable] = current["metadata"][immutable];
      }
    }
    updated["metadata"]["generation"] = current["metadata"].value("generation", 1);
    if (updated.value("spec", json()) != current.value("spec", json())) {
      updated["metadata"]["generation"] = current["metadata"].value("generation", 1) + 1;
    }
  }
  updated["kind"] = t.kind;
  updated["apiVersion"] = t.api_version;
  updated["metadata"]["resourceVersion"] = current["metadata"]["resourceVersion"];
  if (Comparable(updated) == Comparable(current)) {
    Reply(res, 200, current);  // a no-op write changes nothing, not even the resourceVersion
    return;
  }
  Reply(res, 200, CommitLocked(t.collection, "MODIFIED", std::move(updated), current));
}

void FakeApiServer::HandleUpdate(const Target& t, const httplib::Request& req,
                                 httplib::Response& res) {
  const json body = json::parse(req.body, nullptr, false);
  if (!body.is_object()) {
    Reply(res, 400, StatusJson(400, "BadRequest", "the request body is not a JSON object"));
    return;
  }
  if (Meta(body, "name") != t.name) {
    Reply(res, 400,
          StatusJson(400, "BadRequest",
                     absl::StrCat("the name of the object (", Meta(body, "name"),
                                  ") does not match the name on the URL (", t.name, ")")));
    return;
  }
  std::lock_guard<std::mutex> lock(mu_);
  WriteUpdate(t, body, Meta(body, "resourceVersion"), res);
}

void FakeApiServer::HandlePatch(const Target& t, const httplib::Request& req,
                                httplib::Response& res) {
  std::string content_type = req.get_header_value("Content-Type");
  content_type = content_type.substr(0, content_type.find(';'));
  const bool merge = content_type == "application/merge-patch+json";
  const bool strategic = content_type == "application/strategic-merge-patch+json" && t.builtin;
  const bool json_patch = content_type == "application/json-patch+json";
  if (!merge && !strategic && !json_patch) {
    // As the real server words it; custom resources take no strategic merge patch, and
    // server-side apply (application/apply-patch+yaml) is not implemented by the fake.
    Reply(res, 415,
          StatusJson(415, "UnsupportedMediaType",
                     absl::StrCat("the body of the request was in an unknown format - accepted "
                                  "media types include: application/json-patch+json, "
                                  "application/merge-patch+json",
                                  t.builtin ? ", application/strategic-merge-patch+json" : "")));
    return;
  }
  const json patch = json::parse(req.body, nullptr, false);
  if (json_patch ? !patch.is_array() : !patch.is_object()) {
    Reply(res, 400,
          StatusJson(
              400, "BadRequest",
              json_patch ? "the patch is not a JSON array" : "the patch is not a JSON object"));
    return;
  }
  // Read, patch and write under one lock: a patch applies to whatever is current.
  std::lock_guard<std::mutex> lock(mu_);
  const Collection& c = collections_[t.collection];
  const auto it = c.find(KeyOf(t.ns, t.name));
  if (it == c.end()) {
    Reply(res, 404,
          StatusJson(404, "NotFound", absl::StrCat(t.Qualified(), " not found"), t.name, t.plural));
    return;
  }
  json patched = it->second;
  if (merge) {
    patched.merge_patch(patch);
  } else if (strategic) {
    absl::StatusOr<json> result = StrategicMergePatch(t.kind, patched, patch);
    if (!result.ok()) {
      Reply(res, 400, StatusJson(400, "BadRequest", result.status().message()));
      return;
    }
    patched = *std::move(result);
  } else {
    try {
      patched = patched.patch(patch);
    } catch (const json::exception& e) {
      Reply(res, 422,
            StatusJson(422, "Invalid",
                       absl::StrCat("the server rejected our request due to an "
                                    "error in our request: ",
                                    e.what())));
      return;
    }
  }
  // A resourceVersion in the patch is a precondition.
  WriteUpdate(t, patched, json_patch ? "" : Meta(patch, "resourceVersion"), res);
}

void FakeApiServer::HandleDelete(const Target& t, httplib::Response& res) {
  std::lock_guard<std::mutex> lock(mu_);
  Collection& c = collections_[t.collection];
  const auto it = c.find(KeyOf(t.ns, t.name));
  if (it == c.end()) {
    Reply(res, 404,
          StatusJson(404, "NotFound", absl::StrCat(t.Qualified(), " not found"), t.name, t.plural));
    return;
  }
  const json current = it->second;
  if (t.plural == "namespaces" || t.plural == "customresourcedefinitions") {
    // These have finalizers: the real server answers with the object, marked for deletion,
    // and removes its content, then the object, a moment later (FinalizeLoop).
    if (!Meta(current, "deletionTimestamp").empty()) {
      Reply(res, 200, current);
      return;
    }
    json marked = current;
    marked["metadata"]["deletionTimestamp"] = FormatApiTime(options_.clock());
    if (t.plural == "namespaces") marked["status"] = {{"phase", "Terminating"}};
    terminating_[{t.collection, KeyOf(t.ns, t.name)}] = absl::Now();
    Reply(res, 200, CommitLocked(t.collection, "MODIFIED", std::move(marked), current));
    return;
  }
  CommitLocked(t.collection, "DELETED", current, current);
  // Deleted at once: the real server answers with a Status naming what went.
  const size_t slash = t.api_version.find('/');
  Reply(res, 200,
        json{{"kind", "Status"},
             {"apiVersion", "v1"},
             {"metadata", json::object()},
             {"status", "Success"},
             {"details",
              {{"name", t.name},
               {"group", slash == std::string::npos ? "" : t.api_version.substr(0, slash)},
               {"kind", t.plural},
               {"uid", Meta(current, "uid")}}}});
}

void FakeApiServer::FinalizeLoop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopping_) {
    changed_.wait_for(lock, std::chrono::milliseconds(50));
    const absl::Time now = absl::Now();
    for (auto it = terminating_.begin(); it != terminating_.end();) {
      if (now - it->second < options_.finalize_delay) {
        ++it;
        continue;
      }
      const auto& [collection, key] = it->first;
      const auto c = collections_.find(collection);
      if (c != collections_.end() && c->second.count(key) > 0) {
        const json doomed = c->second[key];
        const std::string plural = collection.substr(collection.rfind('/') + 1);
        CascadeLocked(plural, doomed);
        CommitLocked(collection, "DELETED", doomed, doomed);
      }
      it = terminating_.erase(it);
    }
  }
}

void FakeApiServer::CascadeLocked(const std::string& plural, const json& deleted) {
  std::vector<std::pair<std::string, json>> doomed;
  if (plural == "namespaces") {
    for (const auto& [collection, objects] : collections_) {
      for (const auto& [key, object] : objects) {
        if (Meta(object, "namespace") == Meta(deleted, "name")) {
          doomed.emplace_back(collection, object);
        }
      }
    }
  } else if (plural == "customresourcedefinitions") {
    for (const ResourceType& type : TypesOfCrd(deleted)) {
      const auto c = collections_.find(CollectionOf(type.api_version(), type.plural));
      if (c == collections_.end()) continue;
      for (const auto& [key, object] : c->second) doomed.emplace_back(c->first, object);
    }
  }
  for (const auto& [collection, object] : doomed) {
    CommitLocked(collection, "DELETED", object, object);
  }
}

}  // namespace ironlb::kube::testing

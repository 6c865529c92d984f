#include "test/kube/fake_tables.h"

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "kube/kube_time.h"

namespace ironlb::kube::testing {
namespace {

using nlohmann::json;

json Column(const std::string& name, const std::string& type, const std::string& description,
            int priority = 0, const std::string& format = "") {
  return json{{"name", name},
              {"type", type},
              {"format", format},
              {"description", description},
              {"priority", priority}};
}

std::string Str(const json& object, const char* a, const char* b) {
  if (!object.contains(a) || !object[a].is_object() || !object[a].contains(b) ||
      !object[a][b].is_string()) {
    return "";
  }
  return object[a][b];
}

std::string Age(const json& object, absl::Time now) {
  const std::string created = Str(object, "metadata", "creationTimestamp");
  absl::StatusOr<absl::Time> t = ParseApiTime(created, "metadata.creationTimestamp");
  if (!t.ok()) return "<unknown>";
  return HumanDuration(now - *t);
}

// The Service printer's cells (pkg/printers/internalversion: printService).
json ServiceCells(const json& svc, absl::Time now) {
  const json spec = svc.value("spec", json::object());
  const std::string type = spec.value("type", "ClusterIP");
  std::string cluster_ip = spec.value("clusterIP", "");
  if (cluster_ip.empty()) cluster_ip = "<none>";
  std::vector<std::string> external;
  if (type == "LoadBalancer") {
    const json ingress = svc.value("status", json::object())
                             .value("loadBalancer", json::object())
                             .value("ingress", json::array());
    for (const json& i : ingress) {
      if (i.value("ip", "") != "") external.push_back(i["ip"]);
      if (i.value("hostname", "") != "") external.push_back(i["hostname"]);
    }
    if (external.empty()) external.push_back("<pending>");
  } else if (spec.value("externalIPs", json::array()).is_array() &&
             !spec.value("externalIPs", json::array()).empty()) {
    for (const json& ip : spec["externalIPs"]) external.push_back(ip);
  } else {
    external.push_back("<none>");
  }
  std::vector<std::string> ports;
  const json port_list = spec.value("ports", json::array());
  for (const json& p : port_list) {
    std::string port = absl::StrCat(p.value("port", 0));
    if (p.value("nodePort", 0) != 0) absl::StrAppend(&port, ":", p["nodePort"].get<int>());
    absl::StrAppend(&port, "/", p.value("protocol", "TCP"));
    ports.push_back(port);
  }
  std::vector<std::string> selector;
  const json selectors = spec.value("selector", json::object());
  for (const auto& [k, v] : selectors.items()) {
    selector.push_back(absl::StrCat(k, "=", v.is_string() ? v.get<std::string>() : v.dump()));
  }
  return json{Str(svc, "metadata", "name"),
              type,
              cluster_ip,
              absl::StrJoin(external, ","),
              ports.empty() ? "<none>" : absl::StrJoin(ports, ","),
              Age(svc, now),
              selector.empty() ? "<none>" : absl::StrJoin(selector, ",")};
}

// One step of a JSONPath on every current value.
void Step(std::vector<json>& values, absl::string_view& rest) {
  std::vector<json> next;
  if (absl::ConsumePrefix(&rest, ".")) {
    size_t end = 0;
    while (end < rest.size() && rest[end] != '.' && rest[end] != '[') ++end;
    const std::string field(rest.substr(0, end));
    rest.remove_prefix(end);
    for (const json& v : values) {
      if (v.is_object() && v.contains(field)) next.push_back(v[field]);
    }
  } else if (absl::ConsumePrefix(&rest, "[")) {
    const size_t close = rest.find(']');
    const std::string inner(rest.substr(0, close));
    rest.remove_prefix(close == absl::string_view::npos ? rest.size() : close + 1);
    int index = 0;
    if (inner == "*") {
      for (const json& v : values) {
        if (v.is_array()) next.insert(next.end(), v.begin(), v.end());
      }
    } else if (absl::SimpleAtoi(inner, &index)) {
      for (const json& v : values) {
        if (v.is_array() && index >= 0 && static_cast<size_t>(index) < v.size()) {
          next.push_back(v[static_cast<size_t>(index)]);
        }
      }
    } else if (absl::StartsWith(inner, "?(@.") && absl::EndsWith(inner, ")")) {
      // ?(@.field=="value")
      const std::string cond = inner.substr(4, inner.size() - 5);
      const size_t eq = cond.find("==");
      const std::string field = cond.substr(0, eq);
      std::string want = eq == std::string::npos ? "" : cond.substr(eq + 2);
      if (want.size() >= 2 && (want.front() == '"' || want.front() == '\'')) {
        want = want.substr(1, want.size() - 2);
      }
      for (const json& v : values) {
        if (!v.is_array()) continue;
        for (const json& e : v) {
          if (e.is_object() && e.contains(field) && e[field].is_string() && e[field] == want) {
            next.push_back(e);
          }
        }
      }
    }
  } else {
    rest = absl::string_view();
  }
  values = std::move(next);
}

}  // namespace

bool WantsTable(const std::string& accept) {
  return absl::StrContains(accept, "as=Table") && absl::StrContains(accept, "g=meta.k8s.io");
}

std::string HumanDuration(absl::Duration d) {
  const int64_t s = absl::ToInt64Seconds(d);
  if (s < -1) return "<invalid>";
  if (s < 0) return "0s";
  if (s < 60 * 2) return absl::StrCat(s, "s");
  const int64_t m = s / 60;
  if (m < 10 && s % 60 != 0) return absl::StrCat(m, "m", s % 60, "s");
  if (m < 60 * 3) return absl::StrCat(m, "m");
  const int64_t h = m / 60;
  if (h < 8 && m % 60 != 0) return absl::StrCat(h, "h", m % 60, "m");
  if (h < 48) return absl::StrCat(h, "h");
  if (h < 24 * 8 && h % 24 != 0) return absl::StrCat(h / 24, "d", h % 24, "h");
  if (h < 24 * 365 * 2) return absl::StrCat(h / 24, "d");
  return absl::StrCat(h / 24 / 365, "y");
}

std::vector<json> JsonPathValues(const json& object, const std::string& path) {
  absl::string_view rest = path;
  absl::ConsumePrefix(&rest, "{");
  absl::ConsumeSuffix(&rest, "}");
  std::vector<json> values = {object};
  while (!rest.empty() && !values.empty()) Step(values, rest);
  return values;
}

json TableOf(const TableSpec& spec, const std::vector<json>& objects,
             const std::string& resource_version, const std::string& include_object, absl::Time now,
             bool headers) {
  json columns = json::array();
  const bool service = spec.builtin && spec.kind == "Service";
  const bool custom = !spec.builtin && spec.printer_columns.is_array();
  columns.push_back(Column("Name", "string",
                           "Name must be unique within a namespace. More info: "
                           "http://kubernetes.io/docs/user-guide/identifiers#names",
                           0, "name"));
  if (service) {
    columns.push_back(Column("Type", "string", "type determines how the Service is exposed."));
    columns.push_back(
        Column("Cluster-IP", "string", "clusterIP is the IP address of the service."));
    columns.push_back(Column("External-IP", "string", "List of IP addresses for the service."));
    columns.push_back(Column("Port(s)", "string", "The list of ports that are exposed."));
    columns.push_back(Column("Age", "string", "CreationTimestamp is a timestamp."));
    columns.push_back(Column("Selector", "string", "Route service traffic to pods.", 1));
  } else if (custom && !spec.printer_columns.empty()) {
    for (const json& c : spec.printer_columns) {
      columns.push_back(Column(c.value("name", ""), c.value("type", "string"),
                               c.value("description", ""), c.value("priority", 0),
                               c.value("format", "")));
    }
  } else {
    columns.push_back(Column("Age", "date", "CreationTimestamp is a timestamp."));
  }
  json rows = json::array();
  for (const json& o : objects) {
    json cells;
    if (service) {
      cells = ServiceCells(o, now);
    } else if (custom && !spec.printer_columns.empty()) {
      cells = json::array({Str(o, "metadata", "name")});
      for (const json& c : spec.printer_columns) {
        const std::vector<json> found = JsonPathValues(o, c.value("jsonPath", ""));
        if (found.empty()) {
          cells.push_back(nullptr);
        } else if (c.value("type", "") == "date" && found[0].is_string()) {
          absl::StatusOr<absl::Time> t =
              ParseApiTime(found[0].get<std::string>(), "printer column");
          cells.push_back(t.ok() ? HumanDuration(now - *t) : "<invalid>");
        } else {
          cells.push_back(found[0]);
        }
      }
    } else {
      cells = json::array({Str(o, "metadata", "name"), Age(o, now)});
    }
    json row = {{"cells", cells}};
    if (include_object == "Object") {
      row["object"] = o;
    } else if (include_object != "None") {
      row["object"] = {{"kind", "PartialObjectMetadata"},
                       {"apiVersion", "meta.k8s.io/v1"},
                       {"metadata", o.value("metadata", json::object())}};
    }
    rows.push_back(std::move(row));
  }
  json table = {{"kind", "Table"},
                {"apiVersion", "meta.k8s.io/v1"},
                {"metadata", {{"resourceVersion", resource_version}}},
                {"rows", rows}};
  table["columnDefinitions"] = headers ? columns : json::array();
  return table;
}

}  // namespace ironlb::kube::testing

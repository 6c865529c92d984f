#include "controller/config_assembler.h"

#include "absl/strings/str_cat.h"
#include "config/decode.h"
#include "config/loader.h"

namespace ironlb::controller {
namespace {

using nlohmann::json;

std::string StringAt(const json& object, const char* field) {
  auto it = object.find(field);
  return it != object.end() && it->is_string() ? it->get<std::string>() : "";
}

// What decides the configuration: status and the API's bookkeeping metadata are left out, so
// writing a condition into an object's status does not look like a new configuration.
json Essential(const json& object) {
  json out = json::object();
  if (!object.is_object()) return out;
  for (const char* field : {"apiVersion", "kind", "spec", "data"}) {
    if (auto it = object.find(field); it != object.end()) out[field] = *it;
  }
  auto meta = object.find("metadata");
  if (meta != object.end() && meta->is_object()) {
    json m = json::object();
    for (const char* field : {"name", "namespace", "labels"}) {
      if (auto it = meta->find(field); it != meta->end()) m[field] = *it;
    }
    out["metadata"] = std::move(m);
  }
  return out;
}

config::LoadResult Load(const std::map<std::string, json>& objects) {
  config::ConfigReader reader;
  for (const auto& entry : objects) reader.AddJson(entry.second);
  return std::move(reader).Finish();
}

std::string Fingerprint(const std::map<std::string, json>& objects) {
  json all = json::array();
  for (const auto& entry : objects) all.push_back(entry.second);
  return all.dump();
}

}  // namespace

std::string ConfigObjectKey(const json& object) {
  std::string name;
  if (object.is_object()) {
    auto meta = object.find("metadata");
    if (meta != object.end() && meta->is_object()) name = StringAt(*meta, "name");
  }
  if (!object.is_object()) return absl::StrCat("/", name);
  const std::string api = StringAt(object, "apiVersion");
  return config::ObjectLabel(api.substr(0, api.find('/')), StringAt(object, "kind"), name);
}

ConfigAssembly ConfigAssembler::Assemble(const std::vector<json>& objects) {
  std::map<std::string, json> current;
  for (const json& object : objects) current[ConfigObjectKey(object)] = Essential(object);

  ConfigAssembly out;
  config::LoadResult first = Load(current);
  bool unattributed = false;
  for (config::Diagnostic& d : first.diagnostics) {
    if (d.is_error() && !d.object.empty() && current.count(d.object) > 0) {
      out.rejected[d.object].push_back(std::move(d));
    } else {
      unattributed |= d.is_error();
      out.other.push_back(std::move(d));
    }
  }
  if (first.ok()) {
    last_good_ = current;
    out.config = std::move(first.config);
    out.fingerprint = Fingerprint(current);
    return out;
  }
  if (unattributed) return out;

  // The rejected objects' last good versions (when they had one), with everything else as is.
  std::map<std::string, json> candidate;
  for (const auto& [key, object] : current) {
    if (out.rejected.count(key) == 0) {
      candidate[key] = object;
    } else if (auto it = last_good_.find(key); it != last_good_.end()) {
      candidate[key] = it->second;
    }
  }
  config::LoadResult second = Load(candidate);
  if (!second.ok()) {
    for (config::Diagnostic& d : second.diagnostics) {
      if (d.is_error() && out.rejected.count(d.object) == 0) out.other.push_back(std::move(d));
    }
    return out;
  }
  last_good_ = candidate;
  out.config = std::move(second.config);
  out.fingerprint = Fingerprint(candidate);
  return out;
}

}  // namespace ironlb::controller

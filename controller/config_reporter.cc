#include "controller/config_reporter.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/log.h"
#include "config/kinds.h"
#include "controller/config_resources.h"
#include "kube/kube_time.h"

namespace ironlb::controller {
namespace {

using nlohmann::json;

constexpr char kConditionType[] = "Accepted";

const json* AcceptedCondition(const json& object) {
  auto status = object.find("status");
  if (status == object.end() || !status->is_object()) return nullptr;
  auto conditions = status->find("conditions");
  if (conditions == status->end() || !conditions->is_array()) return nullptr;
  for (const json& c : *conditions) {
    if (c.is_object() && c.value("type", json()) == kConditionType) return &c;
  }
  return nullptr;
}

int64_t GenerationOf(const json& object) {
  auto meta = object.find("metadata");
  if (meta == object.end() || !meta->is_object()) return 0;
  auto g = meta->find("generation");
  return g != meta->end() && g->is_number_integer() ? g->get<int64_t>() : 0;
}

}  // namespace

std::string ConfigReporter::Describe(const std::vector<config::Diagnostic>& problems) {
  std::string out;
  for (const config::Diagnostic& d : problems) {
    absl::StrAppend(&out, out.empty() ? "" : "; ", d.field, d.field.empty() ? "" : ": ", d.message);
  }
  return out;
}

int ConfigReporter::WriteCondition(const json& object, const std::string& status,
                                   const std::string& reason, const std::string& message) {
  const int64_t generation = GenerationOf(object);
  const json* now = AcceptedCondition(object);
  if (now != nullptr && now->value("status", json()) == status &&
      now->value("reason", json()) == reason && now->value("message", json()) == message &&
      now->value("observedGeneration", json()) == generation) {
    return 0;
  }
  // Only ironlb's CRDs have a status with conditions: MetalLB's CRDs' status schema has no
  // field for them (the API server would prune it) and a ConfigMap has no status. Those
  // objects are told by Events.
  const kube::Resource* resource = ConfigResourceOf(object);
  if (resource == nullptr || resource->group != config::kApiGroup) return 0;
  absl::StatusOr<json> written = client_->UpdateStatus(
      *resource, kube::NamespaceOf(object), kube::NameOf(object),
      [&](json& latest) -> absl::StatusOr<bool> {
        const json* old = AcceptedCondition(latest);
        std::string since = kube::FormatApiTime(absl::Now());
        if (old != nullptr && old->value("status", json()) == status &&
            old->contains("lastTransitionTime")) {
          since = (*old)["lastTransitionTime"];
        }
        json condition = {{"type", kConditionType},
                          {"status", status},
                          {"observedGeneration", GenerationOf(latest)},
                          {"lastTransitionTime", since},
                          {"reason", reason},
                          {"message", message}};
        if (old != nullptr && *old == condition) return false;
        json conditions = json::array({condition});
        if (latest.contains("status") && latest["status"].is_object() &&
            latest["status"].contains("conditions") && latest["status"]["conditions"].is_array()) {
          for (const json& c : latest["status"]["conditions"]) {
            if (!c.is_object() || c.value("type", json()) != kConditionType)
              conditions.push_back(c);
          }
        }
        if (!latest["status"].is_object()) latest["status"] = json::object();
        latest["status"]["conditions"] = std::move(conditions);
        return true;
      });
  if (!written.ok() && written.status().code() != absl::StatusCode::kNotFound) {
    IRONLB_LOG(kWarn, "cannot write the Accepted condition of a configuration object")
        .With("object", ConfigObjectKey(object))
        .With("error", written.status());
    return 1;
  }
  return 0;
}

int ConfigReporter::Report(const std::vector<kube::ObjectPtr>& objects,
                           const ConfigAssembly& assembly) {
  int failures = 0;
  std::string whole;  // why no configuration could be made, when none could
  if (!assembly.config) {
    for (const config::Diagnostic& d : assembly.other) {
      if (d.is_error()) absl::StrAppend(&whole, whole.empty() ? "" : "; ", d.ToString());
    }
  }
  std::map<std::string, std::string> still_bad;
  for (const kube::ObjectPtr& object : objects) {
    const std::string key = ConfigObjectKey(*object);
    auto rejected = assembly.rejected.find(key);
    if (rejected != assembly.rejected.end()) {
      const std::string problem = Describe(rejected->second);
      const std::string message = absl::StrCat(
          problem,
          ". ironlb goes on with this object's last valid version (if it had one); fix "
          "the field to apply the change.");
      still_bad[key] = problem;
      if (evented_[key] != problem) {
        IRONLB_LOG(kWarn, "configuration object rejected")
            .With("object", key)
            .With("problems", problem);
        absl::StatusOr<json> recorded = recorder_->Record(
            *object, kube::EventRecorder::Type::kWarning, "InvalidConfiguration", message);
        if (!recorded.ok()) ++failures;
      }
      failures += WriteCondition(*object, "False", "InvalidConfiguration", problem);
    } else if (!assembly.config) {
      failures +=
          WriteCondition(*object, "False", "ConfigurationInvalid",
                         absl::StrCat("not applied: the configuration as a whole is invalid (",
                                      whole, "); the last valid configuration stays in force"));
    } else {
      failures += WriteCondition(*object, "True", "Accepted", "in force");
    }
  }
  evented_ = std::move(still_bad);

  // Warnings that name an object (a pool or peer an advertisement names that does not exist,
  // a field not applied yet) are told on that object too, once per distinct text.
  std::map<std::string, std::string> warnings;
  for (const config::Diagnostic& d : assembly.other) {
    if (d.is_error() || d.object.empty()) continue;
    std::string& text = warnings[d.object];
    absl::StrAppend(&text, text.empty() ? "" : "; ", d.field, d.field.empty() ? "" : ": ",
                    d.message);
  }
  for (const kube::ObjectPtr& object : objects) {
    const std::string key = ConfigObjectKey(*object);
    auto it = warnings.find(key);
    if (it == warnings.end()) continue;
    if (warned_[key] == it->second) continue;
    IRONLB_LOG(kWarn, "configuration warning").With("object", key).With("problems", it->second);
    absl::StatusOr<json> recorded = recorder_->Record(*object, kube::EventRecorder::Type::kWarning,
                                                      "ConfigurationWarning", it->second);
    if (!recorded.ok()) ++failures;
  }
  for (auto it = warnings.begin(); it != warnings.end();) {
    it = std::find_if(objects.begin(), objects.end(),
                      [&](const kube::ObjectPtr& o) { return ConfigObjectKey(*o) == it->first; }) ==
                 objects.end()
             ? warnings.erase(it)
             : std::next(it);
  }
  warned_ = std::move(warnings);
  return failures;
}

}  // namespace ironlb::controller

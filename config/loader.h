// Reading a whole configuration: YAML files of a directory and/or objects from the Kubernetes
// API, decoded, then validated as a whole. The result is either usable (no errors) or not at
// all: callers keep their last good configuration (config_store.h) rather than half-apply.
#pragma once

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "config/decode.h"
#include "config/diagnostic.h"
#include "config/types.h"
#include "nlohmann/json.hpp"

namespace ironlb::config {

// Files larger than this are refused: a configuration is kilobytes, not gigabytes.
inline constexpr size_t kMaxConfigFileBytes = 16 << 20;

struct LoadResult {
  Config config;
  std::vector<Diagnostic> diagnostics;   // errors and warnings, in file order
  std::vector<RawObject> other_objects;  // objects of other API groups (v1 Services, ...)

  bool ok() const { return CountErrors(diagnostics) == 0; }
};

class ConfigReader {
 public:
  // Every document of a multi-document YAML text; `file` names it in messages.
  void AddYaml(absl::string_view text, const std::string& file);
  // One object as the API server returns it (or a v1 List of them).
  void AddJson(const nlohmann::json& object);
  // Validates across objects and hands over the result.
  LoadResult Finish() &&;

 private:
  void AddDocument(const Document& doc);
  LoadResult result_;
};

// Reads every *.yaml / *.yml file of `dir` (not recursing), in name order.
LoadResult LoadDirectory(const std::string& dir);

}  // namespace ironlb::config

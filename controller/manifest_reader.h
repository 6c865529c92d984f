// Reads Kubernetes manifests (YAML, multi-document YAML, JSON, v1 Lists) into the Services the
// allocator plans for and the namespace labels its serviceAllocation selectors match.
// Outside input: every problem becomes a diagnostic naming file, line, object and field; a
// Service with errors is left out, everything else is still read.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "config/diagnostic.h"
#include "config/yaml_documents.h"
#include "controller/service.h"

namespace ironlb::controller {

// Manifests larger than this are refused.
inline constexpr size_t kMaxManifestBytes = 64 << 20;

struct ServiceManifests {
  std::vector<Service> services;  // in input order
  std::map<std::string, Labels> namespaces;
  std::vector<config::Diagnostic> diagnostics;

  bool ok() const { return config::CountErrors(diagnostics) == 0; }
};

class ManifestReader {
 public:
  // `file` names the text in messages; a name ending in ".json" is parsed as JSON.
  void AddText(absl::string_view text, const std::string& file);
  // Reads a file (or every *.yaml, *.yml and *.json file of a directory, in name order).
  void AddPath(const std::string& path);
  ServiceManifests Finish() &&;

 private:
  void AddDocument(const config::Document& doc);
  void AddService(const config::Document& doc);
  void AddNamespace(const config::Document& doc);

  ServiceManifests result_;
  std::set<std::string> keys_;  // "namespace/name" of the Services read so far
};

}  // namespace ironlb::controller

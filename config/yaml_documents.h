// Multi-document YAML text -> JSON objects, remembering the line of every field so that
// validation errors can say "pools.yaml:12". One decoder (decode.h) then serves both YAML
// files and JSON from the Kubernetes API.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "config/diagnostic.h"
#include "nlohmann/json.hpp"

namespace ironlb::config {

struct Document {
  nlohmann::json object;
  std::string file;  // empty for API objects
  int line = 0;      // first line of the document
  // JSON pointer ("/spec/addresses/1") -> 1-based line where that field is written.
  std::map<std::string, int> lines;
  // Set for objects made from MetalLB's legacy ConfigMap: how messages name the object, and
  // JSON pointer -> how the ConfigMap spells that field (see ObjectSource).
  std::string label;
  std::map<std::string, std::string> field_names;

  // The line of `pointer`, or of its nearest ancestor that has one.
  int LineOf(absl::string_view pointer) const;
};

// When `doc` is a List (`kind: List` with `items`, as `kubectl get -o yaml` writes), its
// items as documents of their own, each keeping its fields' lines; otherwise nullopt.
std::optional<std::vector<Document>> ListItems(const Document& doc);

// Parses every document of `text`. YAML syntax errors, documents that are not objects and
// documents too deep or too large to be a configuration become diagnostics; documents before
// and after a bad one are still returned.
std::vector<Document> ReadYamlDocuments(absl::string_view text, const std::string& file,
                                        std::vector<Diagnostic>* diagnostics);

// `value` as YAML block text (no document markers), read back by ReadYamlDocuments as the same
// JSON: strings that would read as another type (numbers, true, null, "64512:1") are quoted.
std::string ToYaml(const nlohmann::json& value);

}  // namespace ironlb::config

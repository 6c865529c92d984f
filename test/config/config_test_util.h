// Helpers for config tests: load YAML text as if it were one file of a config directory.
#pragma once

#include <string>

#include "absl/strings/str_join.h"
#include "config/loader.h"

namespace ironlb::config::testing {

inline LoadResult LoadYaml(const std::string& text, const std::string& file = "test.yaml") {
  ConfigReader reader;
  reader.AddYaml(text, file);
  return std::move(reader).Finish();
}

inline std::string AllDiagnostics(const LoadResult& r) {
  std::vector<std::string> lines;
  for (const auto& d : r.diagnostics) lines.push_back(d.ToString());
  return absl::StrJoin(lines, "\n");
}

// A pool document with the given spec lines (each indented under spec:).
inline std::string Pool(const std::string& name, const std::string& spec) {
  return "apiVersion: ironlb.io/v1alpha1\nkind: AddressPool\nmetadata:\n  name: " + name +
         "\nspec:\n" + spec + "---\n";
}

}  // namespace ironlb::config::testing

// A problem found in configuration, located precisely enough for an operator to fix it:
//   pools.yaml:12: AddressPool/lan spec.addresses[1]: range "10.0.0.9-10.0.0.1": the end ...
#pragma once

#include <string>
#include <vector>

namespace ironlb::config {

struct Diagnostic {
  enum class Severity { kError, kWarning };
  Severity severity = Severity::kError;
  std::string file;    // empty for objects read from the Kubernetes API
  int line = 0;        // 1-based; 0 when unknown
  std::string object;  // "AddressPool/lan"; empty for file-level problems
  std::string field;   // "spec.addresses[1]"; empty for the whole object
  std::string message;

  bool is_error() const { return severity == Severity::kError; }
  // "file:line: object field: message" (warnings say "warning: " before the message).
  std::string ToString() const;
};

size_t CountErrors(const std::vector<Diagnostic>& diagnostics);

}  // namespace ironlb::config

#include "config/diagnostic.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace ironlb::config {

std::string Diagnostic::ToString() const {
  std::string out;
  if (!file.empty()) {
    absl::StrAppend(&out, file, line > 0 ? absl::StrCat(":", line) : "", ": ");
  }
  if (!object.empty() || !field.empty()) {
    absl::StrAppend(&out, object, !object.empty() && !field.empty() ? " " : "", field, ": ");
  }
  if (!is_error()) out.append("warning: ");
  out.append(message);
  return out;
}

size_t CountErrors(const std::vector<Diagnostic>& diagnostics) {
  return std::count_if(diagnostics.begin(), diagnostics.end(),
                       [](const Diagnostic& d) { return d.is_error(); });
}

}  // namespace ironlb::config

#include "kube/kube_time.h"

#include "absl/strings/str_cat.h"

namespace ironlb::kube {

std::string FormatApiTime(absl::Time t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", t, absl::UTCTimeZone());
}

std::string FormatApiMicroTime(absl::Time t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E6SZ", t, absl::UTCTimeZone());
}

absl::StatusOr<absl::Time> ParseApiTime(absl::string_view text, absl::string_view field) {
  absl::Time t;
  std::string error;
  if (!absl::ParseTime(absl::RFC3339_full, std::string(text), &t, &error)) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": \"", text.substr(0, 64), "\" is not an RFC 3339 time"));
  }
  return t;
}

}  // namespace ironlb::kube

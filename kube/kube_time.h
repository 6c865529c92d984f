// The API's time formats: metav1.Time is RFC 3339 to the second ("2026-11-21T05:00:00Z"),
// metav1.MicroTime (Lease acquireTime/renewTime, Event eventTime) to the microsecond
// ("2026-11-21T05:00:00.123456Z").
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace ironlb::kube {

std::string FormatApiTime(absl::Time t);
std::string FormatApiMicroTime(absl::Time t);
// Accepts both forms and any UTC offset; the error names `field`.
absl::StatusOr<absl::Time> ParseApiTime(absl::string_view text, absl::string_view field);

}  // namespace ironlb::kube

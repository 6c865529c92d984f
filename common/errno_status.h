// The one mapping from errno values to absl::Status used across ironlb.
#pragma once

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace ironlb {

// Maps `err` to a status code and builds "`what`: STRERROR (ENAME)", e.g.
// "nft: add set ironlb/vips4: File exists (EEXIST)". `what` names the object acted upon.
absl::Status ErrnoToStatus(int err, absl::string_view what);

// The symbolic name of an errno value ("EEXIST"), or "unknown errno".
absl::string_view ErrnoName(int err);

}  // namespace ironlb

// Turns a non-2xx API response into an absl::Status that names the request, the HTTP status and
// the API's own Status message, so an operator reads "PUT services default/web/status: HTTP 409
// Conflict: Operation cannot be fulfilled ..." instead of a bare code.
#pragma once

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "kube/transport.h"

namespace ironlb::kube {

// The code mapping: 400/422 kInvalidArgument, 401 kUnauthenticated, 403 kPermissionDenied,
// 404 kNotFound, 409 kAlreadyExists (reason AlreadyExists) or kAborted (a conflict: re-read and
// retry), 410 kOutOfRange (expired resourceVersion: re-list), 429 kResourceExhausted,
// 504 kDeadlineExceeded, other 5xx kUnavailable.
absl::Status StatusFromResponse(const HttpResponse& response, absl::string_view what);

// The reason phrase of an HTTP status code ("Conflict").
absl::string_view ReasonPhrase(int code);

// True for the statuses StatusFromResponse gives a conflict (409 not AlreadyExists).
inline bool IsConflict(const absl::Status& s) { return s.code() == absl::StatusCode::kAborted; }
inline bool IsGone(const absl::Status& s) { return s.code() == absl::StatusCode::kOutOfRange; }

}  // namespace ironlb::kube

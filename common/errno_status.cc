#include "common/errno_status.h"

#include <cerrno>
#include <cstring>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace ironlb {
namespace {

absl::StatusCode CodeFor(int err) {
  switch (err) {
    case 0:
      return absl::StatusCode::kOk;
    case EINVAL:
    case ERANGE:
    case E2BIG:
    case EMSGSIZE:
      return absl::StatusCode::kInvalidArgument;
    case ENOENT:
    case ESRCH:
    case ENODEV:
    case ENXIO:
      return absl::StatusCode::kNotFound;
    case EEXIST:
      return absl::StatusCode::kAlreadyExists;
    case EPERM:
    case EACCES:
      return absl::StatusCode::kPermissionDenied;
    case ENOMEM:
    case ENOBUFS:
    case ENOSPC:
    case EMFILE:
    case ENFILE:
      return absl::StatusCode::kResourceExhausted;
    case EAGAIN:
    case EBUSY:
    case EINTR:
    case ECONNREFUSED:
    case ECONNRESET:
    case EHOSTUNREACH:
    case ENETUNREACH:
    case ENETDOWN:
    case EPIPE:
      return absl::StatusCode::kUnavailable;
    case ETIMEDOUT:
      return absl::StatusCode::kDeadlineExceeded;
    case EOPNOTSUPP:
    case EPROTONOSUPPORT:
    case EAFNOSUPPORT:
    case ENOSYS:
      return absl::StatusCode::kUnimplemented;
    default:
      return absl::StatusCode::kInternal;
  }
}

}  // namespace

absl::string_view ErrnoName(int err) {
  // strerrorname_np exists in glibc >= 2.32 (bookworm has 2.36).
  const char* name = strerrorname_np(err);
  if (name == nullptr) return "unknown errno";
  return name;
}

absl::Status ErrnoToStatus(int err, absl::string_view what) {
  if (err == 0) return absl::OkStatus();
  return absl::Status(
      CodeFor(err),
      absl::StrCat(what, ": ", strerrordesc_np(err) ? strerrordesc_np(err) : "unknown error", " (",
                   ErrnoName(err), ")"));
}

}  // namespace ironlb

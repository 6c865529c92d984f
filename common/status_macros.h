// Status propagation helpers. Abseil 20220623 (Debian bookworm) has no status_macros.h.
#pragma once

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define IRONLB_CONCAT_INNER_(a, b) a##b
#define IRONLB_CONCAT_(a, b) IRONLB_CONCAT_INNER_(a, b)

// Returns the status from the enclosing function when `expr` is not OK.
#define IRONLB_RETURN_IF_ERROR(expr)            \
  do {                                          \
    if (absl::Status _st = (expr); !_st.ok()) { \
      return _st;                               \
    }                                           \
  } while (0)

// IRONLB_ASSIGN_OR_RETURN(auto x, MaybeX()); declares/assigns lhs from a StatusOr, or returns
// its status.
#define IRONLB_ASSIGN_OR_RETURN(lhs, expr) \
  IRONLB_ASSIGN_OR_RETURN_IMPL_(IRONLB_CONCAT_(_statusor_, __LINE__), lhs, expr)

#define IRONLB_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                                  \
  if (!tmp.ok()) {                                    \
    return std::move(tmp).status();                   \
  }                                                   \
  lhs = *std::move(tmp)

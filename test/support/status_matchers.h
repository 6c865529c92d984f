// gtest matchers for absl::Status / StatusOr: EXPECT_THAT(s, IsOk());
// EXPECT_THAT(s, StatusIs(absl::StatusCode::kInvalidArgument, "overlaps"));
#pragma once

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gmock/gmock.h"

namespace ironlb::testing {

inline const absl::Status& GetStatus(const absl::Status& s) { return s; }
template <typename T>
const absl::Status& GetStatus(const absl::StatusOr<T>& s) {
  return s.status();
}

MATCHER(IsOk, "is OK") {
  const absl::Status& s = GetStatus(arg);
  if (!s.ok()) *result_listener << "status is " << s;
  return s.ok();
}

MATCHER_P2(StatusIs, code, substring,
           std::string("has code ") + absl::StatusCodeToString(code) + " and a message holding \"" +
               std::string(substring) + "\"") {
  const absl::Status& s = GetStatus(arg);
  if (s.code() != code || s.message().find(substring) == std::string::npos) {
    *result_listener << "status is " << s;
    return false;
  }
  return true;
}

}  // namespace ironlb::testing

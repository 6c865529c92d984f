// Label and field selector matching for the fake API server, with the API's syntax:
//   labels: "a=b", "a==b", "a!=b", "a", "!a", "a in (x,y)", "a notin (x,y)", comma = AND
//   fields: "metadata.name=web", "spec.type!=ClusterIP" (dotted paths into the object)
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "nlohmann/json.hpp"

namespace ironlb::kube::testing {

class Selector {
 public:
  static absl::StatusOr<Selector> ParseLabels(absl::string_view text);
  static absl::StatusOr<Selector> ParseFields(absl::string_view text);
  bool Matches(const nlohmann::json& object) const;

 private:
  struct Term {
    enum class Op { kEq, kNotEq, kExists, kNotExists, kIn, kNotIn };
    std::string key;
    Op op = Op::kEq;
    std::vector<std::string> values;
  };
  static bool ParseEqualityTerm(absl::string_view term, Term* t);
  bool fields_ = false;
  std::vector<Term> terms_;
};

}  // namespace ironlb::kube::testing

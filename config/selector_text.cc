#include "config/selector_text.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace ironlb::config {

std::string DescribeSelector(const LabelSelector& s) {
  std::vector<std::string> parts;
  for (const auto& [k, v] : s.match_labels) parts.push_back(absl::StrCat(k, "=", v));
  for (const auto& r : s.match_expressions) {
    switch (r.op) {
      case LabelRequirement::Op::kIn:
        parts.push_back(absl::StrCat(r.key, " in (", absl::StrJoin(r.values, ","), ")"));
        break;
      case LabelRequirement::Op::kNotIn:
        parts.push_back(absl::StrCat(r.key, " notin (", absl::StrJoin(r.values, ","), ")"));
        break;
      case LabelRequirement::Op::kExists:
        parts.push_back(r.key);
        break;
      case LabelRequirement::Op::kDoesNotExist:
        parts.push_back(absl::StrCat("!", r.key));
        break;
    }
  }
  return parts.empty() ? "everything" : absl::StrJoin(parts, ",");
}

std::string DescribeSelectors(const std::vector<LabelSelector>& selectors) {
  std::vector<std::string> parts;
  for (const LabelSelector& s : selectors) parts.push_back(DescribeSelector(s));
  return absl::StrJoin(parts, " or ");
}

std::string DescribeLabels(const Labels& labels) {
  if (labels.empty()) return "none";
  return absl::StrJoin(labels, ",", absl::PairFormatter("="));
}

}  // namespace ironlb::config

// Kubernetes label selectors (matchLabels + matchExpressions), as used by pools'
// serviceAllocation, advertisements' node and pool selectors.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace ironlb::config {

using Labels = std::map<std::string, std::string>;

struct LabelRequirement {
  enum class Op { kIn, kNotIn, kExists, kDoesNotExist };
  std::string key;
  Op op = Op::kExists;
  std::vector<std::string> values;
  friend bool operator==(const LabelRequirement&, const LabelRequirement&) = default;
};

struct LabelSelector {
  std::map<std::string, std::string> match_labels;
  std::vector<LabelRequirement> match_expressions;

  // An empty selector matches everything (Kubernetes semantics).
  bool Matches(const Labels& labels) const;
  bool empty() const { return match_labels.empty() && match_expressions.empty(); }
  friend bool operator==(const LabelSelector&, const LabelSelector&) = default;
};

// True when any selector matches; an empty list matches everything.
bool AnyMatches(const std::vector<LabelSelector>& selectors, const Labels& labels);

}  // namespace ironlb::config

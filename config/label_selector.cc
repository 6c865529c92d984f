#include "config/label_selector.h"

#include <algorithm>

namespace ironlb::config {

bool LabelSelector::Matches(const Labels& labels) const {
  for (const auto& [k, v] : match_labels) {
    auto it = labels.find(k);
    if (it == labels.end() || it->second != v) return false;
  }
  for (const auto& r : match_expressions) {
    auto it = labels.find(r.key);
    const bool has = it != labels.end();
    const bool in_values =
        has && std::find(r.values.begin(), r.values.end(), it->second) != r.values.end();
    switch (r.op) {
      case LabelRequirement::Op::kIn:
        if (!in_values) return false;
        break;
      case LabelRequirement::Op::kNotIn:
        if (in_values) return false;
        break;
      case LabelRequirement::Op::kExists:
        if (!has) return false;
        break;
      case LabelRequirement::Op::kDoesNotExist:
        if (has) return false;
        break;
    }
  }
  return true;
}

bool AnyMatches(const std::vector<LabelSelector>& selectors, const Labels& labels) {
  if (selectors.empty()) return true;
  return std::any_of(selectors.begin(), selectors.end(),
                     [&](const LabelSelector& s) { return s.Matches(labels); });
}

}  // namespace ironlb::config

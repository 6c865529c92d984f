// Label selectors and labels written for people, in the reasons decisions give
// ("nodeSelectors (zone=a) do not match its labels (zone=b)").
#pragma once

#include <string>
#include <vector>

#include "config/label_selector.h"

namespace ironlb::config {

// "zone=a,rack in (1,2),!spare"; "everything" for an empty selector.
std::string DescribeSelector(const LabelSelector& s);
// The selectors joined by " or ".
std::string DescribeSelectors(const std::vector<LabelSelector>& selectors);
// "zone=a,rack=1", or "none".
std::string DescribeLabels(const Labels& labels);

}  // namespace ironlb::config

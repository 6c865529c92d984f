// `ironlbctl convert FILE...`: MetalLB's objects (metallb.io) or its legacy ConfigMap, printed
// as the ironlb.io/v1alpha1 objects that define the same configuration, each with a comment
// saying where it came from. ironlb reads MetalLB's objects as they are, so converting is for
// users who want to move to ironlb's own kinds; nothing needs converting to switch.
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace ironlb::ctl {

extern const char kConvertHelp[];

struct ConvertOptions {
  std::vector<std::string> paths;  // YAML files, or directories of them
};

// Returns the exit code: 0 converted, 1 the input has errors (printed, nothing converted),
// 2 bad usage.
int RunConvert(const ConvertOptions& options, std::ostream& out, std::ostream& err);

}  // namespace ironlb::ctl

// Command-line spelling: operators type --config-dir; Abseil's flags are named config_dir.
#pragma once

#include <string>
#include <vector>

namespace ironlb {

// Rewrites "--some-flag[=v]" into "--some_flag[=v]" (flag names only, never values), up to a
// bare "--" after which everything is positional.
std::vector<std::string> DashesToUnderscores(const std::vector<std::string>& args);

// Parses Abseil flags from `args` (args[0] is the program) after DashesToUnderscores, and
// returns the positional arguments, without the program name.
std::vector<std::string> ParseFlags(const std::vector<std::string>& args);

}  // namespace ironlb

// Command-line spelling: operators type --config-dir; Abseil's flags are named config_dir.
#pragma once

#include <string>
#include <vector>

namespace ironlb {

// Rewrites every `from` in flag names into `to` (names only, never values), up to a bare "--"
// after which everything is positional: "--some-flag=a-b" -> "--some_flag=a-b".
std::vector<std::string> RenameFlagChars(const std::vector<std::string>& args, char from, char to);
// "--some-flag[=v]" into "--some_flag[=v]": the names Abseil's flags have.
inline std::vector<std::string> DashesToUnderscores(const std::vector<std::string>& args) {
  return RenameFlagChars(args, '-', '_');
}

// Parses Abseil flags from `args` (args[0] is the program) after DashesToUnderscores, and
// returns the positional arguments, without the program name.
std::vector<std::string> ParseFlags(const std::vector<std::string>& args);

}  // namespace ironlb

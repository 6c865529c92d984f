#include "common/flags.h"

#include "absl/flags/parse.h"

namespace ironlb {

std::vector<std::string> RenameFlagChars(const std::vector<std::string>& args, char from, char to) {
  std::vector<std::string> out;
  bool positional_only = false;
  for (const std::string& a : args) {
    if (a == "--") positional_only = true;
    if (positional_only || a.size() < 3 || a[0] != '-') {
      out.push_back(a);
      continue;
    }
    const size_t start = a[1] == '-' ? 2 : 1;
    const size_t end = std::min(a.find('='), a.size());
    std::string b = a;
    for (size_t i = start; i < end; ++i) {
      if (b[i] == from) b[i] = to;
    }
    out.push_back(std::move(b));
  }
  return out;
}

std::vector<std::string> ParseFlags(const std::vector<std::string>& args) {
  std::vector<std::string> normalized = DashesToUnderscores(args);
  std::vector<char*> cargs;
  for (std::string& a : normalized) cargs.push_back(a.data());
  std::vector<char*> positional =
      absl::ParseCommandLine(static_cast<int>(cargs.size()), cargs.data());
  return std::vector<std::string>(positional.begin() + (positional.empty() ? 0 : 1),
                                  positional.end());
}

}  // namespace ironlb

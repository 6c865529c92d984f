// Runs a shell command for a test and returns what it printed (stdout; add 2>&1 for stderr).
#pragma once

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <string>

namespace ironlb::testing {

inline std::string RunShell(const std::string& command, int* exit_code = nullptr) {
  FILE* p = popen(command.c_str(), "r");
  std::string out;
  if (p == nullptr) {
    if (exit_code != nullptr) *exit_code = -1;
    return out;
  }
  std::array<char, 4096> buf;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) out.append(buf.data(), n);
  const int status = pclose(p);
  if (exit_code != nullptr) *exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return out;
}

}  // namespace ironlb::testing

// `ironlbctl validate`: reads a config directory and reports every problem, one per line.
#pragma once

#include <ostream>
#include <string>

#include "ctl/command.h"

namespace ironlb::ctl {

CommandSpec ValidateCommand();

struct ValidateOptions {
  std::string config_dir;
  std::string output = "table";  // table | json
};

// Returns the exit code: 0 valid (warnings allowed), 1 errors, 2 bad usage.
int RunValidate(const ValidateOptions& options, std::ostream& out, std::ostream& err);

}  // namespace ironlb::ctl

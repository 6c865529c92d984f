// `ironlbctl plan`: the allocation the controller would make for the given Service manifests,
// decided offline by the same engine (controller/allocator.h).
#pragma once

#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "ctl/command.h"

namespace ironlb::ctl {

CommandSpec PlanCommand();

struct PlanOptions {
  std::string config_dir;
  std::vector<std::string> service_paths;  // files or directories of manifests
  std::string output = "table";            // table | json
  std::optional<std::string> load_balancer_class;
  // Plan as a standalone ironlb-speaker does: automatic addresses from a hash of each name.
  bool standalone = false;
};

// Returns the exit code: 0 planned (pending Services included), 1 invalid input, 2 bad usage.
int RunPlan(const PlanOptions& options, std::ostream& out, std::ostream& err);

}  // namespace ironlb::ctl

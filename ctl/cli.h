// ironlbctl's command dispatch, kept out of main.cc so that tests can drive it.
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace ironlb::ctl {

extern const char kMainHelp[];

struct GlobalOptions {
  std::string config_dir;
  std::string output = "table";
  std::string services;             // the value of --services (plan); more paths are positional
  std::string load_balancer_class;  // plan: the class ironlb serves; empty = no class
  std::string status_socket;        // status, explain: the speaker's socket; empty = default
  std::string nodes;                // explain: --nodes
  std::string kubeconfig;           // explain: Kubernetes mode
  std::string context;              // explain: the kubeconfig context
  bool standalone = false;          // plan: as a standalone speaker chooses addresses
};

// The help text of `command`, or nullptr when there is no such command.
const char* HelpFor(const std::string& command);

// Runs `args[0]` with the rest as positional arguments. Returns the exit code.
int Dispatch(const std::vector<std::string>& args, const GlobalOptions& options, std::ostream& out,
             std::ostream& err);

// Rewrites "-o X" and "-oX" into "--output=X", and "--config-dir" into "--config_dir": the
// spellings Abseil's flag parser knows.
std::vector<std::string> NormalizeShortFlags(const std::vector<std::string>& argv);

}  // namespace ironlb::ctl

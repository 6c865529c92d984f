// ironlbctl: validate, plan and explain ironlb. Only flag parsing here; commands in cli.cc.
#include <iostream>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/usage.h"
#include "common/flags.h"
#include "ctl/cli.h"
#include "kube/client_flags.h"

ABSL_FLAG(std::string, config_dir, "", "ironlb's YAML configuration directory.");
ABSL_FLAG(std::string, output, "table", "Output format: table or json.");
ABSL_FLAG(std::string, services, "",
          "plan: a Service manifest file or directory; further paths follow as arguments.");
ABSL_FLAG(std::string, load_balancer_class, "",
          "plan, explain: the spec.loadBalancerClass ironlb serves (default: Services without "
          "one).");

ABSL_FLAG(std::string, status_socket, "",
          "status, explain: the speaker's unix socket (default /run/ironlb/speaker.sock).");
ABSL_FLAG(std::string, nodes, "",
          "explain: the nodes to consider, as name[@iface][:k=v;k=v],... (default: ask the "
          "local speaker).");

ABSL_FLAG(bool, standalone, false,
          "plan: choose automatic addresses as a standalone ironlb-speaker does.");

int main(int argc, char** argv) {
  std::vector<std::string> raw(argv, argv + argc);
  // Help comes before flag parsing so that it never fails and always shows our own text.
  std::string command;
  for (size_t i = 1; i < raw.size(); ++i) {
    if (raw[i] == "--help" || raw[i] == "-h" || raw[i] == "-help") {
      const char* h = command.empty() ? nullptr : ironlb::ctl::HelpFor(command);
      std::cout << (h ? h : ironlb::ctl::kMainHelp);
      return 0;
    }
    if (command.empty() && !raw[i].empty() && raw[i][0] != '-') command = raw[i];
  }
  absl::SetProgramUsageMessage(ironlb::ctl::kMainHelp);
  const std::vector<std::string> rest = ironlb::ParseFlags(ironlb::ctl::NormalizeShortFlags(raw));
  return ironlb::ctl::Dispatch(rest,
                               {.config_dir = absl::GetFlag(FLAGS_config_dir),
                                .output = absl::GetFlag(FLAGS_output),
                                .services = absl::GetFlag(FLAGS_services),
                                .load_balancer_class = absl::GetFlag(FLAGS_load_balancer_class),
                                .status_socket = absl::GetFlag(FLAGS_status_socket),
                                .nodes = absl::GetFlag(FLAGS_nodes),
                                .kubeconfig = absl::GetFlag(FLAGS_kubeconfig),
                                .context = absl::GetFlag(FLAGS_context),
                                .standalone = absl::GetFlag(FLAGS_standalone)},
                               std::cout, std::cerr);
}

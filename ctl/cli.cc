#include "ctl/cli.h"

#include <optional>

#include "ctl/convert_command.h"
#include "ctl/explain_command.h"
#include "ctl/plan_command.h"
#include "ctl/status_command.h"
#include "ctl/validate_command.h"

namespace ironlb::ctl {

const char kMainHelp[] = R"(ironlbctl checks and explains ironlb, the bare-metal load balancer.

Usage:
  ironlbctl COMMAND [flags]

Commands:
  validate   check a configuration directory and summarise what it defines
  plan       show which LoadBalancer IPs Service manifests would get (offline)
  status     what the speaker on this host is doing (VIPs owned and why, peers, takeovers)
  explain    why a Service has its address (or none), and which nodes answer for it and why
  convert    print MetalLB's configuration (objects or legacy ConfigMap) as ironlb's own objects
  help       show help for a command (ironlbctl help validate)

Flags for every command:
  --config-dir DIR    ironlb's YAML configuration directory
  -o, --output FMT    table (default) or json

Run "ironlbctl COMMAND --help" for the flags and output of one command.
)";

const char* HelpFor(const std::string& command) {
  if (command == "validate") return kValidateHelp;
  if (command == "plan") return kPlanHelp;
  if (command == "status") return kStatusHelp;
  if (command == "explain") return kExplainHelp;
  if (command == "convert") return kConvertHelp;
  return nullptr;
}

int Dispatch(const std::vector<std::string>& args, const GlobalOptions& options, std::ostream& out,
             std::ostream& err) {
  if (args.empty()) {
    err << kMainHelp;
    return 2;
  }
  const std::string& command = args[0];
  if (command == "help") {
    if (args.size() < 2) {
      out << kMainHelp;
      return 0;
    }
    if (const char* h = HelpFor(args[1])) {
      out << h;
      return 0;
    }
    err << "ironlbctl: no command named \"" << args[1] << "\"\n\n" << kMainHelp;
    return 2;
  }
  if (command == "validate") {
    if (args.size() > 1) {
      err << "ironlbctl validate: unexpected argument \"" << args[1] << "\"\n\n" << kValidateHelp;
      return 2;
    }
    return RunValidate({.config_dir = options.config_dir, .output = options.output}, out, err);
  }
  if (command == "status") {
    if (args.size() > 1) {
      err << "ironlbctl status: unexpected argument \"" << args[1] << "\"\n\n" << kStatusHelp;
      return 2;
    }
    StatusOptions status{.output = options.output};
    if (!options.status_socket.empty()) status.socket = options.status_socket;
    return RunStatus(status, out, err);
  }
  if (command == "explain") {
    if (args.size() != 2) {
      err << "ironlbctl explain: name one Service, as NAMESPACE/NAME\n\n" << kExplainHelp;
      return 2;
    }
    std::optional<std::string> lb_class;
    if (!options.load_balancer_class.empty()) lb_class = options.load_balancer_class;
    return RunExplain({.config_dir = options.config_dir,
                       .kubeconfig = options.kubeconfig,
                       .context = options.context,
                       .lb_class = lb_class,
                       .service = args[1],
                       .output = options.output,
                       .nodes = options.nodes,
                       .status_socket = options.status_socket},
                      out, err);
  }
  if (command == "convert") {
    return RunConvert({.paths = {args.begin() + 1, args.end()}}, out, err);
  }
  if (command == "plan") {
    PlanOptions plan{.config_dir = options.config_dir,
                     .output = options.output,
                     .standalone = options.standalone};
    if (!options.services.empty()) plan.service_paths.push_back(options.services);
    plan.service_paths.insert(plan.service_paths.end(), args.begin() + 1, args.end());
    if (!options.load_balancer_class.empty()) {
      plan.load_balancer_class = options.load_balancer_class;
    }
    return RunPlan(plan, out, err);
  }
  err << "ironlbctl: no command named \"" << command << "\"\n\n" << kMainHelp;
  return 2;
}

std::vector<std::string> NormalizeShortFlags(const std::vector<std::string>& argv) {
  std::vector<std::string> out;
  for (size_t i = 0; i < argv.size(); ++i) {
    const std::string& a = argv[i];
    if (a == "-o" && i + 1 < argv.size()) {
      out.push_back("--output=" + argv[++i]);
    } else if (a.size() > 2 && a.rfind("-o", 0) == 0 && a[2] != '-') {
      out.push_back("--output=" + a.substr(2));
    } else {
      out.push_back(a);
    }
  }
  return out;
}

}  // namespace ironlb::ctl

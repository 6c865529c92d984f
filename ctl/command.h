// One ironlbctl command as cli.cc sees it: its name, the line it gets in `ironlbctl --help`, its
// usage and help for the operator, and a function that declares its own flags on a CLI11
// subcommand and returns what runs it. A command lives in its own ctl/NAME_command.{h,cc};
// adding one is that file pair plus one line in cli.cc's command list.
#pragma once

#include <functional>
#include <ostream>
#include <string>

namespace CLI {
class App;
}  // namespace CLI

namespace ironlb::ctl {

// Runs a command whose flags were parsed. Returns the exit code: 0 done, 1 failed (invalid
// input, unreachable speaker or API), 2 bad usage (cli.cc then prints the command's usage).
using CommandRun = std::function<int(std::ostream& out, std::ostream& err)>;

struct CommandSpec {
  const char* name;     // "validate"
  const char* summary;  // one line in the command list of `ironlbctl --help`
  const char*
      usage;  // the synopsis lines after "Usage: ", e.g. "ironlbctl validate --config-dir DIR"
  const char* help;  // what it does and prints, its exit status: paragraphs for the operator
  // Declares the command's flags and positional arguments on `cmd` (bound to options it owns)
  // and returns the function that runs it once they are parsed.
  CommandRun (*define)(CLI::App& cmd);
};

// Flags several commands share, spelled and described the same everywhere.
void AddConfigDirFlag(CLI::App& cmd, std::string* dir, const std::string& description);
void AddOutputFlag(CLI::App& cmd, std::string* output,
                   const std::string& description = "table (default) or json");
void AddLoadBalancerClassFlag(CLI::App& cmd, std::string* lb_class, const std::string& description);
void AddStatusSocketFlag(CLI::App& cmd, std::string* socket);

}  // namespace ironlb::ctl

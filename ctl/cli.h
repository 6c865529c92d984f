// ironlbctl's command line: every command of ctl/*_command.h declares its own flags on a CLI11
// subcommand, so a flag another command takes (`validate --nodes`) is refused with that
// command's usage. Kept out of main.cc so that tests can drive it.
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "ctl/command.h"

namespace ironlb::ctl {

// Every command, in the order `ironlbctl --help` lists them.
const std::vector<CommandSpec>& Commands();

// `ironlbctl --help`.
std::string MainHelp();
// `ironlbctl COMMAND --help`: usage, what it does, its flags; empty when there is no such command.
std::string HelpFor(const std::string& command);

// Runs ironlbctl with `args` (the command line without the program name). Returns the exit
// code: the command's, 0 for help, 2 for bad usage.
int RunCli(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace ironlb::ctl

#include "ctl/cli.h"

#include <algorithm>
#include <map>
#include <memory>
#include <optional>

#include "CLI/CLI.hpp"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/flags.h"
#include "ctl/convert_command.h"
#include "ctl/explain_command.h"
#include "ctl/plan_command.h"
#include "ctl/status_command.h"
#include "ctl/validate_command.h"

namespace ironlb::ctl {

const std::vector<CommandSpec>& Commands() {
  // A new command: its ctl/NAME_command.{h,cc}, its source in ctl/CMakeLists.txt, one line here.
  static const std::vector<CommandSpec> kCommands = {
      ValidateCommand(), PlanCommand(), StatusCommand(), ExplainCommand(), ConvertCommand(),
  };
  return kCommands;
}

void AddConfigDirFlag(CLI::App& cmd, std::string* dir, const std::string& description) {
  cmd.add_option("--config-dir", *dir, description)->type_name("DIR");
}

void AddOutputFlag(CLI::App& cmd, std::string* output, const std::string& description) {
  cmd.add_option("-o,--output", *output, description)->type_name("FMT");
}

void AddLoadBalancerClassFlag(CLI::App& cmd, std::string* lb_class,
                              const std::string& description) {
  cmd.add_option("--load-balancer-class", *lb_class, description)->type_name("CLASS");
}

void AddStatusSocketFlag(CLI::App& cmd, std::string* socket) {
  cmd.add_option("--status-socket", *socket,
                 absl::StrCat("the speaker's unix socket (its --status-socket; default ",
                              kDefaultStatusSocket, ")"))
      ->type_name("PATH");
}

namespace {

const CommandSpec* FindSpec(absl::string_view name) {
  for (const CommandSpec& c : Commands()) {
    if (name == c.name) return &c;
  }
  return nullptr;
}

// The whole command line as CLI11 objects, each command's options bound to its own state.
struct Parser {
  CLI::App app{"", "ironlbctl"};
  std::map<std::string, std::pair<CLI::App*, CommandRun>> commands;

  Parser() {
    app.set_help_flag();  // help is ours (HelpFor), written for operators
    app.require_subcommand(1);
    for (const CommandSpec& spec : Commands()) {
      CLI::App* cmd = app.add_subcommand(spec.name, spec.summary);
      cmd->set_help_flag();
      commands[spec.name] = {cmd, spec.define(*cmd)};
    }
  }

  // Whether `flag` ("--name" or "-o") takes a value in some command, so the next argument is
  // that value and not a command name.
  bool TakesValue(const std::string& flag) const {
    for (const auto& [name, cmd] : commands) {
      for (const CLI::Option* o : cmd.first->get_options()) {
        const bool named = std::any_of(o->get_lnames().begin(), o->get_lnames().end(),
                                       [&](const std::string& l) { return flag == "--" + l; }) ||
                           std::any_of(o->get_snames().begin(), o->get_snames().end(),
                                       [&](const std::string& s) { return flag == "-" + s; });
        if (named) return o->get_items_expected_max() > 0 && o->get_type_size() > 0;
      }
    }
    return false;
  }
};

// Where the command word is: the first argument that is neither a flag nor a flag's value.
std::optional<size_t> CommandIndex(const Parser& p, const std::vector<std::string>& args) {
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--") return i + 1 < args.size() ? std::optional<size_t>(i + 1) : std::nullopt;
    if (a.size() > 1 && a[0] == '-') {
      if (a.find('=') == std::string::npos && p.TakesValue(a)) ++i;
      continue;
    }
    return i;
  }
  return std::nullopt;
}

// Abseil-era spellings keep working: "--config_dir" is "--config-dir", and so is "-config-dir"
// (a single dash before a long name; "-ojson" stays -o with its value).
std::vector<std::string> Normalized(const std::vector<std::string>& args) {
  std::vector<std::string> doubled;
  bool positional_only = false;
  for (const std::string& a : args) {
    if (a == "--") positional_only = true;
    const bool single_dash_long =
        !positional_only && a.size() > 2 && a[0] == '-' && a[1] != '-' && a[1] != 'o';
    const std::string b = single_dash_long ? "-" + a : a;
    // "--flag=" sets an empty value (as Abseil did); CLI11 would take the next argument.
    if (!positional_only && b.size() > 3 && b.rfind("--", 0) == 0 && b.back() == '=') {
      doubled.push_back(b.substr(0, b.size() - 1));
      doubled.push_back("");
      continue;
    }
    doubled.push_back(b);
  }
  return RenameFlagChars(doubled, '_', '-');
}

bool IsHelp(const std::string& a) { return a == "--help" || a == "-h" || a == "-help"; }

std::string FlagNames(const CLI::Option& o) {
  std::vector<std::string> names;
  for (const std::string& s : o.get_snames()) names.push_back("-" + s);
  for (const std::string& l : o.get_lnames()) names.push_back("--" + l);
  std::string out = absl::StrJoin(names, ", ");
  if (o.get_type_size() > 0 && !o.get_type_name().empty()) {
    absl::StrAppend(&out, " ", o.get_type_name());
  }
  return out;
}

// Two columns: names, then the description (its further lines aligned under its first).
void AppendColumns(const std::vector<std::pair<std::string, std::string>>& rows, std::string* out) {
  size_t width = 0;
  for (const auto& [left, right] : rows) width = std::max(width, left.size());
  width = std::min<size_t>(width, 28);
  for (const auto& [left, right] : rows) {
    std::string pad(width + 4, ' ');
    absl::StrAppend(out, "  ", left);
    bool first = true;
    for (absl::string_view line : absl::StrSplit(right, '\n')) {
      if (first && left.size() <= width) {
        absl::StrAppend(out, std::string(width - left.size() + 2, ' '), line, "\n");
      } else {
        absl::StrAppend(out, first ? "\n" : "", pad, line, "\n");
      }
      first = false;
    }
  }
}

// "Usage: ..." and the command's arguments and flags, from the very options the parser uses.
std::string Synopsis(const CommandSpec& spec, const CLI::App& cmd) {
  std::string out;
  bool first = true;
  for (absl::string_view line : absl::StrSplit(spec.usage, '\n')) {
    absl::StrAppend(&out, first ? "Usage: " : "       ", line, "\n");
    first = false;
  }
  std::vector<std::pair<std::string, std::string>> args;
  std::vector<std::pair<std::string, std::string>> flags;
  for (const CLI::Option* o : cmd.get_options()) {
    if (o->nonpositional()) {
      flags.emplace_back(FlagNames(*o), o->get_description());
    } else {
      args.emplace_back(o->get_type_name(), o->get_description());
    }
  }
  if (!args.empty()) {
    out += "\nArguments:\n";
    AppendColumns(args, &out);
  }
  out += "\nFlags:\n";
  flags.emplace_back("-h, --help", "this help");
  AppendColumns(flags, &out);
  return out;
}

std::string ParseErrorText(const CLI::ParseError& e, const std::string& command) {
  const std::string what = e.what();
  if (dynamic_cast<const CLI::ExtrasError*>(&e) != nullptr) {
    const size_t colon = what.find(": ");
    // CLI11 lists them last first (it parses a reversed vector): put them back in order.
    std::vector<std::string> extras =
        absl::StrSplit(colon == std::string::npos ? what : what.substr(colon + 2), ' ');
    std::reverse(extras.begin(), extras.end());
    return absl::StrCat("\"", absl::StrJoin(extras, " "),
                        "\": not a flag or argument of ironlbctl ", command);
  }
  return what;
}

}  // namespace

std::string MainHelp() {
  std::string out = R"(ironlbctl checks and explains ironlb, the bare-metal load balancer.

Usage:
  ironlbctl COMMAND [flags]

Commands:
)";
  std::vector<std::pair<std::string, std::string>> rows;
  for (const CommandSpec& c : Commands()) rows.emplace_back(c.name, c.summary);
  rows.emplace_back("help", "show help for a command (ironlbctl help validate)");
  AppendColumns(rows, &out);
  out += R"(
Each command has its own flags (ironlbctl plan --config-dir DIR --services PATH); a flag of
another command is refused. Run "ironlbctl COMMAND --help" for the flags and output of one
command.
)";
  return out;
}

std::string HelpFor(const std::string& command) {
  const CommandSpec* spec = FindSpec(command);
  if (spec == nullptr) return "";
  Parser p;
  std::string synopsis = Synopsis(*spec, *p.commands.at(command).first);
  const size_t flags_at = synopsis.find("\nArguments:\n") != std::string::npos
                              ? synopsis.find("\nArguments:\n")
                              : synopsis.find("\nFlags:\n");
  // Usage first, then what the command does, then its arguments and flags.
  return absl::StrCat(synopsis.substr(0, flags_at), "\n", spec->help, synopsis.substr(flags_at));
}

int RunCli(const std::vector<std::string>& raw, std::ostream& out, std::ostream& err) {
  const std::vector<std::string> args = Normalized(raw);
  Parser p;
  const std::optional<size_t> at = CommandIndex(p, args);
  const std::string command = at ? args[*at] : "";
  // Help comes before parsing so that it never fails.
  for (const std::string& a : args) {
    if (a == "--") break;
    if (!IsHelp(a)) continue;
    const std::string help = HelpFor(command);
    out << (help.empty() ? MainHelp() : help);
    return 0;
  }
  if (!at) {
    err << MainHelp();
    return 2;
  }
  if (command == "help") {
    const std::string topic = *at + 1 < args.size() ? args[*at + 1] : "";
    if (topic.empty()) {
      out << MainHelp();
      return 0;
    }
    const std::string help = HelpFor(topic);
    if (help.empty()) {
      err << "ironlbctl: no command named \"" << topic << "\"\n\n" << MainHelp();
      return 2;
    }
    out << help;
    return 0;
  }
  const CommandSpec* spec = FindSpec(command);
  if (spec == nullptr) {
    err << "ironlbctl: no command named \"" << command << "\"\n\n" << MainHelp();
    return 2;
  }
  // The command word first: flags written before it belong to it as well.
  std::vector<std::string> ordered{command};
  for (size_t i = 0; i < args.size(); ++i) {
    if (i != *at) ordered.push_back(args[i]);
  }
  auto& [cmd, run] = p.commands.at(command);
  const std::string usage = absl::StrCat(Synopsis(*spec, *cmd), "\nRun \"ironlbctl ", command,
                                         " --help\" for what it does and prints.\n");
  try {
    std::reverse(ordered.begin(), ordered.end());  // CLI11 takes the arguments last first
    p.app.parse(ordered);
  } catch (const CLI::ParseError& e) {
    err << "ironlbctl " << command << ": " << ParseErrorText(e, command) << "\n\n" << usage;
    return 2;
  }
  const int code = run(out, err);
  if (code == 2) err << "\n" << usage;
  return code;
}

}  // namespace ironlb::ctl

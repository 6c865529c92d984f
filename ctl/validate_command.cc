#include "ctl/validate_command.h"

#include <memory>

#include "CLI/CLI.hpp"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "config/loader.h"
#include "config/validate.h"
#include "ctl/table.h"
#include "nlohmann/json.hpp"

namespace ironlb::ctl {

namespace {

constexpr char kValidateHelp[] =
    R"(Checks every *.yaml / *.yml file in DIR the way the controller and speakers would, and prints
each problem on its own line as FILE:LINE: OBJECT FIELD: MESSAGE. Warnings (unknown fields,
unknown kinds) do not make the configuration invalid; errors do, and a daemon given an invalid
configuration keeps running with its previous one.

When the configuration is valid it prints a summary of what it defines.

Exit status: 0 valid, 1 invalid, 2 bad usage.
)";

std::string MssText(const std::optional<config::TcpMss>& mss) {
  if (!mss) return "-";
  return mss->pmtu ? "pmtu" : absl::StrCat(mss->value);
}

std::string Join(const std::vector<std::string>& v, absl::string_view all = "all") {
  return v.empty() ? std::string(all) : absl::StrJoin(v, ",");
}

std::string SelectedPools(const config::Config& c, const std::vector<std::string>& names,
                          const std::vector<config::LabelSelector>& selectors) {
  std::vector<std::string> out;
  for (const config::AddressPool* p : config::PoolsSelectedBy(c, names, selectors)) {
    out.push_back(p->meta.name);
  }
  return Join(out, "none");
}

void PrintSummary(const config::Config& c, std::ostream& out) {
  if (!c.pools.empty()) {
    Table t({"POOL", "ADDRESSES", "SIZE", "AUTO-ASSIGN", "SHARING", "TCP-MSS"});
    for (const auto& p : c.pools) {
      uint128 size = 0;
      std::vector<std::string> ranges;
      for (const auto& r : p.ranges) {
        size += r.Size();
        ranges.push_back(r.ToString());
      }
      t.AddRow({p.meta.name, absl::StrJoin(ranges, ","), Uint128ToString(size),
                p.auto_assign ? "yes" : "no",
                p.allow_sharing_across_namespaces ? "across namespaces" : "same namespace",
                MssText(p.tcp_mss)});
    }
    out << "\n";
    t.Print(out);
  }
  if (!c.l2_advertisements.empty()) {
    Table t({"L2ADVERTISEMENT", "POOLS", "INTERFACES", "NODES"});
    for (const auto& a : c.l2_advertisements) {
      t.AddRow({a.meta.name, SelectedPools(c, a.ip_address_pools, a.ip_address_pool_selectors),
                Join(a.interfaces, "any"), a.node_selectors.empty() ? "all" : "selected"});
    }
    out << "\n";
    t.Print(out);
  }
  if (!c.bgp_advertisements.empty()) {
    Table t({"BGPADVERTISEMENT", "POOLS", "PEERS", "COMMUNITIES", "LOCAL-PREF"});
    for (const auto& a : c.bgp_advertisements) {
      std::vector<std::string> comms;
      for (const auto& cm : a.communities) comms.push_back(cm.text);
      t.AddRow({a.meta.name, SelectedPools(c, a.ip_address_pools, a.ip_address_pool_selectors),
                Join(a.peers), Join(comms, "-"), a.local_pref ? absl::StrCat(*a.local_pref) : "-"});
    }
    out << "\n";
    t.Print(out);
  }
  if (!c.bgp_peers.empty()) {
    Table t({"BGPPEER", "ADDRESS", "MY-ASN", "PEER-ASN", "HOLD/KEEPALIVE", "BFD"});
    for (const auto& p : c.bgp_peers) {
      t.AddRow({p.meta.name, absl::StrCat(p.peer_address.ToString(), ":", p.peer_port),
                absl::StrCat(p.my_asn), absl::StrCat(p.peer_asn),
                absl::StrCat(p.hold_time_s, "s/", p.keepalive_time_s, "s"),
                p.bfd_profile.empty() ? "-" : p.bfd_profile});
    }
    out << "\n";
    t.Print(out);
  }
  if (!c.port_forwards.empty()) {
    Table t({"PORTFORWARD", "OUTSIDE", "TARGETS"});
    for (const auto& f : c.port_forwards) {
      std::vector<std::string> outside = f.interfaces;
      for (const auto& a : f.addresses) outside.push_back(a.ToString());
      std::vector<std::string> targets;
      for (const auto& t2 : f.targets) {
        if (!t2.backends.empty()) {
          targets.push_back(absl::StrCat(config::ProtocolName(t2.protocol), "/", t2.port, "->",
                                         t2.backends.size(), " backends"));
          continue;
        }
        targets.push_back(absl::StrCat(config::ProtocolName(t2.protocol), "/", t2.port, "->",
                                       t2.address.ToString(), ":", t2.target_port));
      }
      t.AddRow({f.meta.name, absl::StrJoin(outside, ","), Join(targets, "services only")});
    }
    out << "\n";
    t.Print(out);
  }
}

}  // namespace

int RunValidate(const ValidateOptions& options, std::ostream& out, std::ostream& err) {
  if (options.config_dir.empty()) {
    err << "ironlbctl validate: --config-dir is required\n";
    return 2;
  }
  if (options.output != "table" && options.output != "json") {
    err << "ironlbctl validate: -o must be table or json, not \"" << options.output << "\"\n";
    return 2;
  }
  const config::LoadResult result = config::LoadDirectory(options.config_dir);
  const size_t errors = config::CountErrors(result.diagnostics);
  const size_t warnings = result.diagnostics.size() - errors;

  if (options.output == "json") {
    nlohmann::json j;
    j["valid"] = errors == 0;
    j["errors"] = nlohmann::json::array();
    j["warnings"] = nlohmann::json::array();
    for (const auto& d : result.diagnostics) {
      nlohmann::json e = {{"file", d.file},   {"line", d.line},       {"object", d.object},
                          {"field", d.field}, {"message", d.message}, {"text", d.ToString()}};
      j[d.is_error() ? "errors" : "warnings"].push_back(e);
    }
    out << j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
    return errors == 0 ? 0 : 1;
  }

  for (const auto& d : result.diagnostics) out << d.ToString() << "\n";
  if (errors > 0) {
    out << errors << (errors == 1 ? " error" : " errors") << ", " << warnings
        << (warnings == 1 ? " warning" : " warnings") << " in " << options.config_dir
        << ": this configuration would be rejected (daemons keep their previous one).\n";
    return 1;
  }
  out << options.config_dir << ": valid (" << warnings << (warnings == 1 ? " warning" : " warnings")
      << ")\n";
  PrintSummary(result.config, out);
  return 0;
}

CommandSpec ValidateCommand() {
  return {.name = "validate",
          .summary = "check a configuration directory and summarise what it defines",
          .usage = "ironlbctl validate --config-dir DIR [-o table|json]",
          .help = kValidateHelp,
          .define = [](CLI::App& cmd) -> CommandRun {
            auto o = std::make_shared<ValidateOptions>();
            AddConfigDirFlag(cmd, &o->config_dir, "the directory to check");
            AddOutputFlag(cmd, &o->output);
            return [o](std::ostream& out, std::ostream& err) { return RunValidate(*o, out, err); };
          }};
}

}  // namespace ironlb::ctl

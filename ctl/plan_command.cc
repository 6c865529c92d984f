#include "ctl/plan_command.h"

#include <memory>

#include "CLI/CLI.hpp"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "config/loader.h"
#include "controller/manifest_reader.h"
#include "controller/plan.h"
#include "ctl/table.h"
#include "nlohmann/json.hpp"

namespace ironlb::ctl {

namespace {

constexpr char kPlanHelp[] =
    R"(Decides, offline, which LoadBalancer IPs the controller would give each Service, with the same
engine and rules. PATH is a YAML or JSON manifest file (a v1 List or multi-document YAML may
hold many objects) or a directory of them; every positional argument after the command is a
services path, so "--services a.yaml b/ c.json" reads all three. v1 Namespace objects in the
manifests supply namespace labels for serviceAllocation.namespaceSelectors, and the IPs in a
Service's status.loadBalancer.ingress count as its current assignment: they are kept while
valid, as the controller would.

Prints one result per Service, in input order. With -o json, one object per line:
  {"service":"ns/name","addresses":["192.0.2.10"],"pool":"lan","shared_with":["ns/other"],"status":"assigned"}
  {"service":"ns/name","addresses":[],"status":"pending","reason":"..."}
Services ironlb does not serve (another loadBalancerClass, not type LoadBalancer) have status
"ignored" and a reason; when a current address had to be given up, "released" and
"release_reason" say which and why. "change" compares with the addresses the Services have
now (their status, for example given by MetalLB): kept, moved, pending, new or ignored, with
"change_reason" when an address would move or be lost.

Before switching from MetalLB, export the Services with their status and plan them with the
unedited MetalLB configuration: after the table, plan says how many Services keep the address
they have, and lists each one that would move or go pending, with the reason.

Exit status: 0 planned (even with pending Services), 1 invalid configuration or manifests,
2 bad usage.
)";

std::vector<std::string> IpTexts(const std::vector<IpAddress>& ips) {
  std::vector<std::string> out;
  for (const IpAddress& ip : ips) out.push_back(ip.ToString());
  return out;
}

void PrintDiagnostics(const std::vector<config::Diagnostic>& diagnostics, std::ostream& err) {
  for (const auto& d : diagnostics) err << d.ToString() << "\n";
}

void PrintJson(const controller::PlanOutput& plan, std::ostream& out) {
  for (const auto& s : plan.services) {
    const controller::Allocation& a = s.allocation;
    nlohmann::ordered_json j;
    j["service"] = s.service;
    j["addresses"] = IpTexts(a.addresses);
    if (a.status == controller::AllocationStatus::kAssigned) {
      j["pool"] = a.pool;
      j["shared_with"] = s.shared_with;
    }
    j["status"] = std::string(controller::AllocationStatusName(a.status));
    if (a.status != controller::AllocationStatus::kAssigned) j["reason"] = a.reason;
    if (!a.released.empty()) {
      j["released"] = IpTexts(a.released);
      j["release_reason"] = a.release_reason;
    }
    j["change"] = std::string(controller::AddressChangeName(s.change.kind));
    if (!s.change.reason.empty()) j["change_reason"] = s.change.reason;
    out << j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
  }
}

// Before switching from MetalLB: every Service that has an address now keeps it, or is named
// with the reason it would not.
void PrintMigrationCheck(const controller::PlanOutput& plan, std::ostream& out) {
  using Kind = controller::AddressChange::Kind;
  size_t had = 0;
  size_t kept = 0;
  std::vector<const controller::PlannedService*> changed;
  for (const auto& s : plan.services) {
    const Kind k = s.change.kind;
    if (k == Kind::kKept || k == Kind::kMoved || !s.allocation.released.empty() ||
        (k == Kind::kPending && absl::StrContains(s.change.reason, "would lose"))) {
      ++had;
    }
    if (k == Kind::kKept) ++kept;
    if (k == Kind::kMoved || k == Kind::kPending) changed.push_back(&s);
  }
  if (had == 0 && changed.empty()) return;
  out << "\nAddresses Services have now (status): " << kept << " of " << had << " kept";
  if (changed.empty()) {
    out << "; nothing would move or go pending.\n";
    return;
  }
  out << "; " << changed.size() << " would move or go pending:\n";
  for (const auto* s : changed) {
    out << "  " << s->service << ": " << controller::AddressChangeName(s->change.kind) << ": "
        << s->change.reason << "\n";
  }
}

void PrintTable(const controller::PlanOutput& plan, std::ostream& out) {
  Table t({"SERVICE", "STATUS", "ADDRESSES", "POOL", "SHARED-WITH", "REASON"});
  for (const auto& s : plan.services) {
    const controller::Allocation& a = s.allocation;
    std::string reason = a.reason;
    if (!a.released.empty()) {
      absl::StrAppend(&reason, reason.empty() ? "" : "; ", "released ",
                      absl::StrJoin(IpTexts(a.released), ","), ": ", a.release_reason);
    }
    t.AddRow({s.service, std::string(controller::AllocationStatusName(a.status)),
              a.addresses.empty() ? "-" : absl::StrJoin(IpTexts(a.addresses), ","),
              a.pool.empty() ? "-" : a.pool,
              s.shared_with.empty() ? "-" : absl::StrJoin(s.shared_with, ","),
              reason.empty() ? "-" : reason});
  }
  t.Print(out);
  PrintMigrationCheck(plan, out);
  if (plan.pools.empty()) return;
  Table p({"POOL", "IPV4-IN-USE", "IPV4-TOTAL", "IPV6-IN-USE", "IPV6-TOTAL"});
  for (const auto& s : plan.pools) {
    p.AddRow({s.pool, Uint128ToString(s.in_use_v4), Uint128ToString(s.total_v4),
              Uint128ToString(s.in_use_v6), Uint128ToString(s.total_v6)});
  }
  out << "\n";
  p.Print(out);
}

}  // namespace

int RunPlan(const PlanOptions& options, std::ostream& out, std::ostream& err) {
  if (options.config_dir.empty() || options.service_paths.empty()) {
    err << "ironlbctl plan: --config-dir and at least one --services path are required\n";
    return 2;
  }
  if (options.output != "table" && options.output != "json") {
    err << "ironlbctl plan: -o must be table or json, not \"" << options.output << "\"\n";
    return 2;
  }
  const config::LoadResult cfg = config::LoadDirectory(options.config_dir);
  if (!cfg.ok()) {
    PrintDiagnostics(cfg.diagnostics, err);
    err << "ironlbctl plan: the configuration in " << options.config_dir
        << " is invalid; fix it first (ironlbctl validate)\n";
    return 1;
  }
  controller::ManifestReader reader;
  for (const std::string& path : options.service_paths) reader.AddPath(path);
  const controller::ServiceManifests manifests = std::move(reader).Finish();
  PrintDiagnostics(manifests.diagnostics, err);
  if (!manifests.ok()) {
    err << "ironlbctl plan: the Service manifests have errors; nothing planned\n";
    return 1;
  }
  const controller::PlanOutput plan = controller::Plan(
      cfg.config, manifests.namespaces, manifests.services, options.load_balancer_class,
      options.standalone ? controller::AddressChoice::kStableHash
                         : controller::AddressChoice::kLowestFree);
  if (options.output == "json") {
    PrintJson(plan, out);
  } else {
    PrintTable(plan, out);
  }
  return 0;
}

CommandSpec PlanCommand() {
  return {.name = "plan",
          .summary = "show which LoadBalancer IPs Service manifests would get (offline)",
          .usage = "ironlbctl plan --config-dir DIR --services PATH... [-o table|json]",
          .help = kPlanHelp,
          .define = [](CLI::App& cmd) -> CommandRun {
            struct Flags {
              PlanOptions plan;
              std::vector<std::string> services;
              std::vector<std::string> more;
              std::string lb_class;
            };
            auto f = std::make_shared<Flags>();
            AddConfigDirFlag(cmd, &f->plan.config_dir,
                             "ironlb's configuration directory (the pools)");
            cmd.add_option("--services", f->services, "Service manifests (files or directories)")
                ->type_name("PATH...");
            AddLoadBalancerClassFlag(cmd, &f->lb_class,
                                     "plan as a controller serving this class (default: Services\n"
                                     "without spec.loadBalancerClass)");
            cmd.add_flag("--standalone", f->plan.standalone,
                         "plan as a standalone ironlb-speaker (no controller) does:\n"
                         "each automatic address comes from a hash of the Service's\n"
                         "namespace/name, so adding or removing one Service does not\n"
                         "move another (unless two names hash to the same address)");
            AddOutputFlag(cmd, &f->plan.output);
            cmd.add_option("paths", f->more, "more Service manifests (as --services)")
                ->type_name("PATH...");
            return [f](std::ostream& out, std::ostream& err) {
              PlanOptions plan = f->plan;
              plan.service_paths = f->services;
              plan.service_paths.insert(plan.service_paths.end(), f->more.begin(), f->more.end());
              if (!f->lb_class.empty()) plan.load_balancer_class = f->lb_class;
              return RunPlan(plan, out, err);
            };
          }};
}

}  // namespace ironlb::ctl

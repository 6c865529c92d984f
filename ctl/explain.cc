#include "ctl/explain.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/ip_list.h"
#include "controller/ip_usage.h"
#include "controller/plan.h"
#include "controller/pool_catalog.h"
#include "controller/service.h"
#include "controller/service_intent.h"
#include "ctl/explain_nodes.h"

namespace ironlb::ctl {

namespace {

using controller::PoolIndex;

void ExplainAutoAssign(const controller::PoolCatalog& catalog, const controller::Service& s,
                       const controller::Labels& ns_labels, const controller::Allocation& a,
                       Explanation& out) {
  const std::vector<PoolIndex> order = catalog.AutoAssignOrder(s, ns_labels);
  const bool assigned = a.status == controller::AllocationStatus::kAssigned;
  out.pool_reason =
      assigned ? absl::StrCat("no pool annotation and no requested address: \"", a.pool,
                              "\" is the first autoAssign pool, in serviceAllocation order, that "
                              "had a free address")
               : "no pool annotation and no requested address: no autoAssign pool could give one";
  bool passed_chosen = false;
  for (size_t r = 0; r < order.size(); ++r) {
    const config::AddressPool& p = catalog.pool(order[r]);
    PoolVerdict v{.pool = p.meta.name};
    const std::string rank = absl::StrCat("candidate ", r + 1, " of ", order.size(), " (",
                                          catalog.Admission(order[r], s, ns_labels).reason, ")");
    if (assigned && p.meta.name == a.pool) {
      v.chosen = true;
      v.why = absl::StrCat(rank, ": chosen");
      passed_chosen = true;
    } else if (passed_chosen) {
      v.why = absl::StrCat(rank, ": not needed");
    } else if (assigned) {
      const IpFamily f = a.addresses.front().family();
      v.why = catalog.HasFamily(order[r], f)
                  ? absl::StrCat(rank, ": tried first, but no free ", IpFamilyName(f),
                                 " address was left for this Service")
                  : absl::StrCat(rank, ": has no ", IpFamilyName(f), " addresses");
    } else {
      v.why = absl::StrCat(rank, ": tried, gave nothing (see the reason)");
    }
    out.pools.push_back(std::move(v));
  }
  for (PoolIndex i = 0; i < catalog.size(); ++i) {
    if (std::find(order.begin(), order.end(), i) != order.end()) continue;
    const config::AddressPool& p = catalog.pool(i);
    PoolVerdict v{.pool = p.meta.name};
    if (!p.auto_assign) {
      v.why =
          "autoAssign: false: only for Services that name it (ironlb.io/pool) or request one "
          "of its addresses";
    } else {
      v.why = catalog.Admission(i, s, ns_labels).reason;
    }
    out.pools.push_back(std::move(v));
  }
}

void ExplainPools(const config::Config& config, const controller::Service& s,
                  const controller::ServiceIntent& intent, const controller::Labels& ns_labels,
                  const controller::Allocation& a, Explanation& out) {
  const controller::PoolCatalog catalog(config.pools);
  const bool assigned = a.status == controller::AllocationStatus::kAssigned;
  if (assigned && intent.requested.empty() && !s.current.empty() &&
      SortedIps(s.current) == SortedIps(a.addresses)) {
    out.pool_reason =
        absl::StrCat("keeps its current address ", JoinIps(a.addresses),
                     " (status.loadBalancer.ingress), which is in pool \"", a.pool, "\"");
    for (PoolIndex i = 0; i < catalog.size(); ++i) {
      const bool chosen = catalog.name(i) == a.pool;
      out.pools.push_back(
          {catalog.name(i), chosen, chosen ? "holds the current address" : "does not hold it"});
    }
    return;
  }
  if (!intent.requested.empty()) {
    out.pool_reason =
        absl::StrCat(intent.requested_field, " requests ", JoinIps(intent.requested),
                     assigned ? ", in pool \"" : "", assigned ? a.pool : "", assigned ? "\"" : "");
    for (PoolIndex i = 0; i < catalog.size(); ++i) {
      const bool holds = std::any_of(intent.requested.begin(), intent.requested.end(),
                                     [&](const IpAddress& ip) { return catalog.PoolOf(ip) == i; });
      out.pools.push_back({catalog.name(i), assigned && holds,
                           holds ? (assigned ? "holds the requested address"
                                             : "holds the requested address, but see the reason")
                                 : "does not hold the requested address"});
    }
    return;
  }
  if (!intent.pool.empty()) {
    out.pool_reason = absl::StrCat("the pool annotation (ironlb.io/pool or an alias) names \"",
                                   intent.pool, "\"");
    if (!catalog.Find(intent.pool)) absl::StrAppend(&out.pool_reason, ", which does not exist");
    for (PoolIndex i = 0; i < catalog.size(); ++i) {
      const config::AddressPool& p = catalog.pool(i);
      if (p.meta.name != intent.pool) {
        out.pools.push_back({p.meta.name, false, "not the pool the annotation names"});
      } else if (Verdict admitted = catalog.Admission(i, s, ns_labels); !admitted) {
        out.pools.push_back({p.meta.name, false, admitted.reason});
      } else {
        out.pools.push_back({p.meta.name, assigned,
                             assigned ? "named by the annotation" : "named, but see the reason"});
      }
    }
    return;
  }
  ExplainAutoAssign(catalog, s, ns_labels, a, out);
}

// With whom the Service shares its address, or why not with the others of its sharing key.
void ExplainSharing(const config::Config& config, const std::vector<controller::Service>& services,
                    const controller::PlanOutput& plan, size_t index,
                    const controller::ServiceIntent& intent, Explanation& out) {
  const controller::PlannedService& me = plan.services[index];
  if (intent.sharing_key.empty()) {
    out.sharing = "does not share its address: no ironlb.io/sharing-key annotation";
    return;
  }
  if (!me.shared_with.empty()) {
    out.sharing = absl::StrCat("shares ", JoinIps(me.allocation.addresses), " with ",
                               absl::StrJoin(me.shared_with, ", "), " (sharing key \"",
                               intent.sharing_key, "\")");
    return;
  }
  const controller::PoolCatalog catalog(config.pools);
  const controller::Service mine = controller::WithNormalizedPorts(services[index]);
  const std::string my_key = mine.Key();
  const controller::Holder my_holder{&mine, &my_key, &intent.sharing_key};
  std::vector<std::string> why;
  for (size_t i = 0; i < services.size(); ++i) {
    if (i == index) continue;
    const controller::ServiceIntent other_intent = controller::IntentOf(services[i], std::nullopt);
    if (other_intent.sharing_key != intent.sharing_key) continue;
    const controller::Allocation& oa = plan.services[i].allocation;
    const std::string name = plan.services[i].service;
    if (oa.status != controller::AllocationStatus::kAssigned) {
      why.push_back(absl::StrCat(name, " has no address (", oa.reason, ")"));
      continue;
    }
    if (me.allocation.status == controller::AllocationStatus::kAssigned &&
        oa.pool != me.allocation.pool) {
      why.push_back(absl::StrCat(name, " is in pool \"", oa.pool, "\", this one in \"",
                                 me.allocation.pool, "\""));
      continue;
    }
    // The allocator's own check, on each address the other Service holds.
    const controller::Service other = controller::WithNormalizedPorts(services[i]);
    const std::string other_key = other.Key();
    const controller::Holder other_holder{&other, &other_key, &other_intent.sharing_key};
    auto pool = catalog.Find(oa.pool);
    const bool across = pool && catalog.pool(*pool).allow_sharing_across_namespaces;
    std::string conflict;
    for (const IpAddress& ip : oa.addresses) {
      if (Verdict v = controller::MayShare(my_holder, other_holder, ip, oa.pool, across); !v) {
        conflict = std::move(v.reason);
        break;
      }
    }
    why.push_back(conflict.empty() ? absl::StrCat(name, " holds ", JoinIps(oa.addresses),
                                                  ", which this Service could not take as well")
                                   : absl::StrCat(name, ": ", conflict));
  }
  out.sharing = why.empty() ? absl::StrCat("sharing key \"", intent.sharing_key,
                                           "\", but no other Service carries it")
                            : absl::StrCat("sharing key \"", intent.sharing_key,
                                           "\" but shares with nobody: ", absl::StrJoin(why, "; "));
}

}  // namespace

absl::StatusOr<std::vector<NodeFacts>> ParseNodesFlag(absl::string_view text) {
  std::vector<NodeFacts> out;
  for (absl::string_view item : absl::StrSplit(text, ',', absl::SkipWhitespace())) {
    item = absl::StripAsciiWhitespace(item);
    NodeFacts n;
    absl::string_view head = item;
    if (const size_t colon = item.find(':'); colon != absl::string_view::npos) {
      head = item.substr(0, colon);
      for (absl::string_view kv : absl::StrSplit(item.substr(colon + 1), ';', absl::SkipEmpty())) {
        const size_t eq = kv.find('=');
        if (eq == absl::string_view::npos || eq == 0) {
          return absl::InvalidArgumentError(absl::StrCat("--nodes: label \"", kv, "\" of \"", item,
                                                         "\" is not key=value (labels are "
                                                         "separated by ';': name:zone=a;rack=1)"));
        }
        n.labels[std::string(kv.substr(0, eq))] = std::string(kv.substr(eq + 1));
      }
    }
    if (const size_t at = head.find('@'); at != absl::string_view::npos) {
      n.interface = std::string(head.substr(at + 1));
      head = head.substr(0, at);
      if (n.interface.empty()) {
        return absl::InvalidArgumentError(
            absl::StrCat("--nodes: \"", item, "\" has an empty interface after '@'"));
      }
    }
    if (head.empty()) {
      return absl::InvalidArgumentError(absl::StrCat("--nodes: \"", item, "\" has no node name"));
    }
    n.name = std::string(head);
    for (const NodeFacts& seen : out) {
      if (seen.name == n.name) {
        return absl::InvalidArgumentError(
            absl::StrCat("--nodes: node \"", n.name, "\" is given twice"));
      }
    }
    out.push_back(std::move(n));
  }
  if (out.empty()) return absl::InvalidArgumentError("--nodes: no node given");
  return out;
}

absl::StatusOr<Explanation> Explain(const ExplainInput& input, const std::string& key) {
  const std::vector<controller::Service>& services = *input.services;
  size_t index = services.size();
  for (size_t i = 0; i < services.size(); ++i) {
    if (services[i].Key() == key) index = i;
  }
  if (index == services.size()) {
    return absl::NotFoundError(
        absl::StrCat("no Service \"", key,
                     "\" (explain takes NAMESPACE/NAME; a manifest without metadata.namespace "
                     "is in \"default\")"));
  }
  // As a standalone speaker plans (every speaker agrees without shared state), or as the
  // controller does in Kubernetes mode.
  const controller::PlanOutput plan =
      controller::Plan(*input.config, *input.namespaces, services, input.lb_class, input.choice);
  const controller::PlannedService& planned = plan.services[index];
  const controller::Allocation& a = planned.allocation;
  const controller::Service& s = services[index];
  const controller::ServiceIntent intent = controller::IntentOf(s, input.lb_class);

  Explanation out;
  out.service = key;
  out.status = std::string(controller::AllocationStatusName(a.status));
  out.addresses = a.addresses;
  out.pool = a.pool;
  out.shared_with = planned.shared_with;
  if (a.status != controller::AllocationStatus::kAssigned) out.reason = a.reason;
  if (!a.released.empty()) {
    out.notes.push_back(absl::StrCat("gave up ", JoinIps(a.released), ": ", a.release_reason));
  }
  if (!intent.served) return out;
  static const controller::Labels kNone;
  auto ns = input.namespaces->find(s.namespace_);
  const controller::Labels& ns_labels = ns == input.namespaces->end() ? kNone : ns->second;
  if (intent.error.empty()) ExplainPools(*input.config, s, intent, ns_labels, a, out);
  ExplainSharing(*input.config, services, plan, index, intent, out);
  if (a.status != controller::AllocationStatus::kAssigned) return out;
  // What the speakers see of the plan.
  const speaker::AssignedServices assigned = speaker::Assign(services, plan);
  ExplainLayer2(*input.config, assigned, key, input.nodes, input.facts, out);
  ExplainBgp(*input.config, assigned, index, input.nodes, input.facts.get(), out);
  return out;
}

}  // namespace ironlb::ctl

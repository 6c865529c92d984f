#include "speaker/router/port_forward_plan.h"

#include <algorithm>
#include <map>
#include <optional>
#include <tuple>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace ironlb::speaker {
namespace {

using controller::AllocationStatus;
using controller::Service;

// Route answers asked once per address within one plan.
class CachedRoutes {
 public:
  explicit CachedRoutes(const RouteFacts& routes) : routes_(routes) {}
  const std::string& Egress(const IpAddress& a) {
    auto it = egress_.find(a);
    if (it == egress_.end()) it = egress_.emplace(a, routes_.EgressInterface(a)).first;
    return it->second;
  }
  const std::string& Holding(const IpAddress& a) {
    auto it = holding_.find(a);
    if (it == holding_.end()) it = holding_.emplace(a, routes_.InterfaceHolding(a)).first;
    return it->second;
  }

 private:
  const RouteFacts& routes_;
  std::map<IpAddress, std::string> egress_;
  std::map<IpAddress, std::string> holding_;
};

// Where a group publishes: an outside address, or an outside interface (either family).
struct Outside {
  std::optional<IpAddress> address;
  std::string interface;
  std::string Text() const { return address ? address->ToString() : interface; }
};

std::vector<Outside> OutsidesOf(const config::PortForward& group) {
  std::vector<Outside> out;
  for (const IpAddress& a : group.addresses) out.push_back({a, ""});
  for (const std::string& i : group.interfaces) out.push_back({std::nullopt, i});
  return out;
}

// Who holds an outside (address or interface, family, protocol, port), and where it goes.
struct Holder {
  std::string name;  // "shop/web" or "PortForward/home spec.targets[0]"
  IpAddress target;
  uint16_t target_port = 0;
  bool service = false;  // a Service, not an explicit target
};
using ClaimKey = std::tuple<std::string, IpFamily, nft::L4Protocol, uint16_t>;

// The Services' order of precedence for contested ports: older first, then by name.
bool OlderFirst(const Service* a, const Service* b) {
  if (a->created.has_value() != b->created.has_value()) return a->created.has_value();
  if (a->created && *a->created != *b->created) return *a->created < *b->created;
  return a->Key() < b->Key();
}

std::vector<std::string> ForwardFromGroups(const Service& s) {
  std::vector<std::string> groups;
  auto it = s.annotations.find(kForwardFromAnnotation);
  if (it == s.annotations.end()) return groups;
  for (absl::string_view g : absl::StrSplit(it->second, ',')) {
    g = absl::StripAsciiWhitespace(g);
    if (!g.empty()) groups.emplace_back(g);
  }
  return groups;
}

class Planner {
 public:
  Planner(const RouteFacts& routes, const BackendHealthView* health)
      : routes_(routes), health_(health) {}

  void AddTargets(const config::PortForward& group) {
    for (size_t t = 0; t < group.targets.size(); ++t) {
      const config::ForwardTarget& ft = group.targets[t];
      const std::string holder =
          absl::StrCat("PortForward/", group.meta.name, " spec.targets[", t, "]");
      const nft::L4Protocol proto =
          ft.protocol == config::Protocol::kUDP ? nft::L4Protocol::kUdp : nft::L4Protocol::kTcp;
      for (const Outside& o : OutsidesOf(group)) {
        if (o.address && o.address->family() != ft.address.family()) continue;
        Claim(
            group, o, proto, ft.port,
            {holder, ft.address, ft.backends.empty() ? ft.target_port : ft.backends[0].port, false},
            absl::StrCat("target[", t, "]"), nullptr, ft.backends.empty() ? nullptr : &ft);
      }
    }
  }

  void AddService(const config::PortForward& group, const Service& s, const AssignedService& ps) {
    for (const controller::ServicePort& port : s.ports) {
      if (port.protocol == controller::PortProtocol::kSCTP) {
        Problem(absl::StrCat("Service ", s.Key(), ": SCTP port ", port.port,
                             " is not forwarded (PortForward \"", group.meta.name,
                             "\" forwards TCP and UDP only)"));
        continue;
      }
      const nft::L4Protocol proto = port.protocol == controller::PortProtocol::kUDP
                                        ? nft::L4Protocol::kUdp
                                        : nft::L4Protocol::kTcp;
      for (const IpAddress& vip : ps.allocation.addresses) {
        for (const Outside& o : OutsidesOf(group)) {
          if (o.address && o.address->family() != vip.family()) continue;
          Claim(group, o, proto, port.port, {s.Key(), vip, port.port, true}, s.Key(), &s);
        }
      }
    }
  }

  PortForwardPlan Finish() && { return std::move(plan_); }

  void Problem(std::string text) { plan_.problems.push_back(std::move(text)); }

 private:
  // Takes (outside, family, protocol, port) for `want` unless someone holds it already.
  void Claim(const config::PortForward& group, const Outside& o, nft::L4Protocol proto,
             uint16_t port, Holder want, const std::string& source, const Service* service,
             const config::ForwardTarget* balanced = nullptr) {
    const ClaimKey key{o.address ? o.address->ToString() : "if:" + o.interface,
                       want.target.family(), proto, port};
    auto [it, inserted] = claims_.emplace(key, want);
    if (!inserted) {
      const Holder& h = it->second;
      if (h.target == want.target && h.target_port == want.target_port) return;
      ForwardConflict c;
      c.group = group.meta.name;
      c.outside = o.Text();
      c.protocol = std::string(nft::L4ProtocolName(proto));
      c.port = port;
      c.service = want.name;
      c.holder = h.name;
      c.message = absl::StrCat(
          service != nullptr ? "Service " : "", want.name, " is not forwarded on ", c.outside, " ",
          c.protocol, "/", port, " (PortForward \"", group.meta.name,
          "\"): ", h.service ? "the older Service " : "", h.name, " already forwards it to ",
          h.target.ToString(), ":", h.target_port, "; give one of them another port");
      plan_.conflicts.push_back(std::move(c));
      return;
    }
    nft::PortForwardEntry e;
    e.name = absl::StrCat(group.meta.name, "/", source, "/", nft::L4ProtocolName(proto), "/", port,
                          "@", o.Text(),
                          // Interface forwards exist once per family.
                          o.address ? "" : (want.target.is_v6() ? "/ipv6" : "/ipv4"));
    e.outside_address = o.address;
    if (!o.address) e.outside_interface = o.interface;
    e.protocol = proto;
    e.port = port;
    e.target_address = want.target;
    e.target_port = want.target_port;
    e.source_nat = SourceNat(group, o, want.target);
    if (e.source_nat) {
      for (const IpAddress& a : group.source_nat_addresses) {
        if (a.is_v6() == want.target.is_v6()) e.source_nat_address = a;
      }
    }
    ForwardInfo info{group.meta.name, o.Text(), source, {}, {}};
    if (balanced != nullptr) {
      for (const config::ForwardBackend& b : balanced->backends) {
        std::string backend_key = BackendKey(group.meta.name, *balanced, b);
        e.backends.push_back(
            {b.address, b.port, b.weight, TakesNewConnections(backend_key, b, health_).yes});
        info.backend_keys.push_back(std::move(backend_key));
        info.draining.push_back(b.draining);
      }
      e.source_affinity = balanced->source_affinity;
      e.when_all_down = balanced->when_all_down == config::WhenAllDown::kReject
                            ? nft::AllDownAction::kReject
                            : nft::AllDownAction::kDrop;
    }
    // What nft/ would refuse (an interface name longer than the kernel's) stays out alone,
    // instead of failing the whole table.
    if (absl::Status st = nft::ValidateForward(e, plan_.forwards.size()); !st.ok()) {
      Problem(absl::StrCat("PortForward \"", group.meta.name, "\": ", st.message()));
      claims_.erase(it);
      return;
    }
    plan_.forwards.push_back(std::move(e));
    plan_.info.push_back(std::move(info));
  }

  // Auto: source NAT when replies would not pass this router: the target lies behind the very
  // interface the connections arrive on (a one-armed router), so the target's own default
  // route, not this router, would carry its replies to the client.
  bool SourceNat(const config::PortForward& group, const Outside& o, const IpAddress& target) {
    switch (group.source_nat) {
      case config::SourceNat::kAlways:
        return true;
      case config::SourceNat::kNever:
        return false;
      case config::SourceNat::kAuto:
        break;
    }
    const std::string& arrival = o.address ? routes_.Holding(*o.address) : o.interface;
    const std::string& egress = routes_.Egress(target);
    return !arrival.empty() && arrival == egress;
  }

  CachedRoutes routes_;
  const BackendHealthView* health_;
  PortForwardPlan plan_;
  std::map<ClaimKey, Holder> claims_;
};

}  // namespace

PortForwardPlan PlanPortForwards(const config::Config& config, const AssignedServices& services,
                                 const RouteFacts& routes, const BackendHealthView* health) {
  Planner planner(routes, health);
  // Explicit targets first: the operator wrote them for this router, they are never displaced.
  for (const config::PortForward& group : config.port_forwards) planner.AddTargets(group);

  std::vector<const AssignedService*> order;
  for (const AssignedService& s : services) order.push_back(&s);
  std::sort(order.begin(), order.end(), [](const AssignedService* a, const AssignedService* b) {
    return OlderFirst(&a->service, &b->service);
  });
  for (const AssignedService* assigned : order) {
    const Service& s = assigned->service;
    const AssignedService& ps = *assigned;
    const std::vector<std::string> named = ForwardFromGroups(s);
    for (const std::string& g : named) {
      if (std::none_of(config.port_forwards.begin(), config.port_forwards.end(),
                       [&](const config::PortForward& pf) { return pf.meta.name == g; })) {
        planner.Problem(absl::StrCat("Service ", s.Key(), ": ", kForwardFromAnnotation,
                                     " names PortForward \"", g,
                                     "\", which does not exist; nothing is published there"));
      }
    }
    for (const config::PortForward& group : config.port_forwards) {
      const bool by_name = std::find(named.begin(), named.end(), group.meta.name) != named.end();
      // A group without serviceSelectors selects no Service by label (only by annotation).
      const bool by_selector =
          !group.service_selectors.empty() && config::AnyMatches(group.service_selectors, s.labels);
      if (!by_name && !by_selector) continue;
      if (ps.allocation.status != AllocationStatus::kAssigned || ps.allocation.addresses.empty()) {
        // Selectors may match any Service; only those that asked by name are worth a line.
        if (by_name && ps.allocation.status == AllocationStatus::kIgnored) {
          planner.Problem(absl::StrCat("Service ", s.Key(), ": not forwarded by PortForward \"",
                                       group.meta.name, "\": ironlb does not serve it (",
                                       ps.allocation.reason, ")"));
        } else if (by_name) {
          planner.Problem(absl::StrCat("Service ", s.Key(), ": not forwarded by PortForward \"",
                                       group.meta.name, "\" yet: it has no address (",
                                       ps.allocation.reason, ")"));
        }
        continue;
      }
      planner.AddService(group, s, ps);
    }
  }
  return std::move(planner).Finish();
}

}  // namespace ironlb::speaker

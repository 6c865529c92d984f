// The router role as a pure function: from the PortForward groups, the Services and their
// allocated addresses, which outside ports this router DNATs to which VIP (or explicit
// target), with source NAT where replies would not come back through it. The result is nft/'s
// port forwards plus an account of what was left out and why (contested ports, unknown groups),
// for logs and metrics. (TCP MSS clamps of the VIPs come from MssClamps, for every mode; nft/
// applies them to forwarded connections by the VIP they were DNATed to.)
//
// A Service is published on group G when its `ironlb.io/forward-from` annotation names G
// (comma-separated list) or one of G's serviceSelectors matches its labels. Each (protocol,
// port) of the Service is forwarded to each of its VIPs, from each outside address of the
// VIP's family and from each outside interface. When two Services want the same outside
// (address or interface, family, protocol, port), the older Service (creationTimestamp, then
// namespace/name) keeps it and the newer one is reported; explicit targets of a group always
// win over Services. Nothing else of either Service is disturbed.
#pragma once

#include <string>
#include <vector>

#include "common/ip.h"
#include "config/types.h"
#include "nft/desired_state.h"
#include "speaker/assigned_service.h"
#include "speaker/router/backend_health_view.h"

namespace ironlb::speaker {

inline constexpr char kForwardFromAnnotation[] = "ironlb.io/forward-from";

// What the router knows about its own routing, asked for sourceNAT: Auto.
class RouteFacts {
 public:
  virtual ~RouteFacts() = default;
  // The interface this host sends packets to `address` by; "" when unknown (no route).
  virtual std::string EgressInterface(const IpAddress& address) const = 0;
  // The interface holding local address `address`; "" when none does.
  virtual std::string InterfaceHolding(const IpAddress& address) const = 0;
};

// One planned forward, described for logs and metric labels (same index as the forward in
// PortForwardPlan::forwards).
struct ForwardInfo {
  std::string group;    // PortForward name
  std::string outside;  // "203.0.113.5" or "wan0"
  std::string source;   // "shop/web" (a Service) or "target[0]" (an explicit target)
  // Balanced forwards, per backend (same order as the entry's backends): its health key
  // (BackendKey) and whether it is draining.
  std::vector<std::string> backend_keys;
  std::vector<bool> draining;
};

// A Service that wanted an outside port somebody else keeps.
struct ForwardConflict {
  std::string group;
  std::string outside;
  std::string protocol;  // "tcp" / "udp"
  uint16_t port = 0;
  std::string service;  // the Service that did not get it: "namespace/name"
  std::string holder;   // who keeps it: "shop/web" or "PortForward/home spec.targets[0]"
  std::string message;  // the whole story for the operator's log
};

struct PortForwardPlan {
  std::vector<nft::PortForwardEntry> forwards;
  std::vector<ForwardInfo> info;  // per forwards entry
  std::vector<ForwardConflict> conflicts;
  // Services or targets left out (in part or whole) for another reason, one line each,
  // naming the object and the field: "Service shop/web: ironlb.io/forward-from names ...".
  std::vector<std::string> problems;
};

// Targets with backends become balanced forwards: a backend takes new connections unless it is
// draining or `health` says it is down (no `health`: every backend is up).
PortForwardPlan PlanPortForwards(const config::Config& config, const AssignedServices& services,
                                 const RouteFacts& routes,
                                 const BackendHealthView* health = nullptr);

}  // namespace ironlb::speaker

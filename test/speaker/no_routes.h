// RouteFacts for unit tests of the router plan: no route and no local address is known, so
// `sourceNAT: Auto` never masquerades. test/arp's netns test checks the real lookups.
#pragma once

#include <string>

#include "speaker/router/port_forward_plan.h"

namespace ironlb::speaker::testing {

class NoRoutes : public RouteFacts {
 public:
  std::string EgressInterface(const IpAddress&) const override { return ""; }
  std::string InterfaceHolding(const IpAddress&) const override { return ""; }
};

}  // namespace ironlb::speaker::testing

// What a Service asks of the allocator, read from its spec and annotations once: whether
// ironlb serves it at all, the IPs and pool it requests, its sharing key and address families.
// Malformed annotations become `error`, which leaves the Service pending with that reason.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/ip.h"
#include "controller/service.h"

namespace ironlb::controller {

struct ServiceIntent {
  bool served = true;
  std::string not_served_reason;  // when !served: "spec.type is ClusterIP", ...
  std::string error;              // when non-empty: the Service stays pending with this reason

  std::vector<IpAddress> requested;  // at most one per family
  std::string requested_field;       // "ironlb.io/addresses" or "spec.loadBalancerIP"
  std::string pool;                  // from ironlb.io/pool or an alias; empty when not set
  std::string sharing_key;           // empty when the Service does not share
  std::vector<IpFamily> families;    // spec.ipFamilies, or the requested IPs' families
  FamilyPolicy policy = FamilyPolicy::kSingleStack;
};

// `lb_class` is the loadBalancerClass ironlb answers to; nullopt serves Services without one.
ServiceIntent IntentOf(const Service& service, const std::optional<std::string>& lb_class);

absl::string_view FamilyPolicyName(FamilyPolicy p);

}  // namespace ironlb::controller

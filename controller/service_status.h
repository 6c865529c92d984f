// What ironlb shows on a Service for an allocation, and what must change on the object to show
// it: status.loadBalancer.ingress (one entry per address, ipMode VIP) and the
// ironlb.io/allocated-from-pool annotation. Pure: the StatusWriter does the writing.
//
// A Service ironlb does not serve (another loadBalancerClass, not type LoadBalancer) is left
// alone, unless it carries ironlb's annotation: then ironlb assigned its addresses earlier and
// takes them back.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "controller/allocation.h"
#include "nlohmann/json.hpp"

namespace ironlb::controller {

struct ServiceChange {
  // The new status.loadBalancer.ingress (empty: no addresses), when it must change.
  std::optional<nlohmann::json> ingress;
  // The annotation's new value, or nullopt to remove it; set only when it must change.
  std::optional<std::optional<std::string>> pool_annotation;

  bool empty() const { return !ingress && !pool_annotation; }
};

ServiceChange ChangeFor(const nlohmann::json& service, const Allocation& allocation);

// The ingress entries ironlb writes for `addresses`.
nlohmann::json IngressFor(const std::vector<IpAddress>& addresses);
// The Service with status.loadBalancer.ingress replaced by `ingress`.
void SetIngress(nlohmann::json& service, const nlohmann::json& ingress);
// The value of ironlb.io/allocated-from-pool, or nullopt.
std::optional<std::string> AllocatedFromPool(const nlohmann::json& service);
// The addresses in status.loadBalancer.ingress[].ip, as written.
std::vector<std::string> IngressAddresses(const nlohmann::json& service);

}  // namespace ironlb::controller

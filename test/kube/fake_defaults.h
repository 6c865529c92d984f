// What the real API server fills in when an object is created, for the kinds where clients
// see it: a Service's cluster IP, node ports, target ports and policies; a Namespace's phase
// and finalizer. (The real server defaults every built-in kind; these are the ones kubectl's
// output and ironlb read.)
#pragma once

#include <cstdint>
#include <string>

#include "nlohmann/json.hpp"

namespace ironlb::kube::testing {

// Counters the server keeps for what it allocates.
struct Allocations {
  uint32_t next_cluster_ip = 1;  // 10.96.0.0/12, as kubeadm's default service CIDR
  int next_node_port = 30000;
};

// Fills in `object` (a built-in kind `kind`, created through the API) as the real server does.
void ApplyCreateDefaults(const std::string& kind, nlohmann::json& object, Allocations& alloc);

}  // namespace ironlb::kube::testing

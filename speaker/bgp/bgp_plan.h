// BGP announcements as a pure function: from the configuration, the Services' allocation, and
// this node's name, labels and local endpoints, the bgp::DesiredState of this node's FRR —
// which peers it talks to, and which VIP prefixes it sends to which of them, with what
// communities and local preference. externalTrafficPolicy Cluster: every eligible node
// announces; Local: only nodes with a ready endpoint of the Service (in standalone mode, the
// Services the operator lists for this host).
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "bgp/desired_state.h"
#include "config/types.h"
#include "speaker/assigned_service.h"
#include "speaker/cluster_facts.h"

namespace ironlb::speaker {

struct BgpNode {
  std::string name;
  config::Labels labels;
  // Services ("namespace/name") with a ready endpoint on this node, and how many (>= 1): decides
  // Local ones, and weighs them when a BGPAdvertisement has weightByEndpoints.
  std::map<std::string, uint32_t> local_endpoints;
  // The API takes this node out of load-balancer duty (NetworkUnavailable; the exclude label
  // is seen in `labels`): it announces nothing.
  bool excluded = false;
  std::string excluded_because;  // ClusterFacts::ExcludedBecause
};

// Kubernetes mode: this node's labels and exclusion as the API has them, and the Local Services
// with a ready endpoint here.
void ApplyClusterFacts(const ClusterFacts& facts, BgpNode* node);

// Standalone mode's --local-services: "namespace/name[=N],..." (N ready endpoints on this host,
// default 1; 0 = none, as if not listed). A malformed entry is an error naming it.
absl::StatusOr<std::map<std::string, uint32_t>> ParseLocalServices(absl::string_view flag);

// The link bandwidth (Mbps) this node gives `service`'s prefixes under an advertisement with
// weightByEndpoints: a Local Service its ready endpoints here (at most FRR's maximum), a
// Cluster Service 1 on every node (equal weight).
uint32_t EndpointWeight(const BgpNode& node, const std::string& service, bool local);

bgp::DesiredState PlanBgp(const config::Config& config, const AssignedServices& services,
                          const BgpNode& node);

}  // namespace ironlb::speaker

// BGP announcements as a pure function: from the configuration, the Services' allocation, and
// this node's name, labels and local endpoints, the bgp::DesiredState of this node's FRR —
// which peers it talks to, and which VIP prefixes it sends to which of them, with what
// communities and local preference. externalTrafficPolicy Cluster: every eligible node
// announces; Local: only nodes with a ready endpoint of the Service (in standalone mode, the
// Services the operator lists for this host).
#pragma once

#include <set>
#include <string>
#include <vector>

#include "bgp/desired_state.h"
#include "config/types.h"
#include "speaker/assigned_service.h"
#include "speaker/cluster_facts.h"

namespace ironlb::speaker {

struct BgpNode {
  std::string name;
  config::Labels labels;
  // Services ("namespace/name") with a ready endpoint on this node; decides Local ones.
  std::set<std::string> local_endpoints;
  // The API takes this node out of load-balancer duty (NetworkUnavailable; the exclude label
  // is seen in `labels`): it announces nothing.
  bool excluded = false;
  std::string excluded_because;  // ClusterFacts::ExcludedBecause
};

// Kubernetes mode: this node's labels and exclusion as the API has them, and the Local Services
// with a ready endpoint here.
void ApplyClusterFacts(const ClusterFacts& facts, BgpNode* node);

bgp::DesiredState PlanBgp(const config::Config& config, const AssignedServices& services,
                          const BgpNode& node);

}  // namespace ironlb::speaker

// The node half of `ironlbctl explain`: in layer 2, the eligible nodes of each VIP in rendezvous
// order and why each other node is not eligible (speaker/layer2_plan.h, owner_election.h); in
// BGP, what each node announces for the Service, to which peers, with which attributes
// (speaker/bgp_plan.h), or why it announces nothing. `facts` (Kubernetes mode; nullptr
// standalone) are the API's: node exclusion and the ready endpoints of Local Services.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "config/types.h"
#include "ctl/explain.h"
#include "speaker/assigned_service.h"
#include "speaker/cluster_facts.h"

namespace ironlb::ctl {

void ExplainLayer2(const config::Config& config, const speaker::AssignedServices& services,
                   const std::string& key, const std::vector<NodeGroup>& groups,
                   std::shared_ptr<const speaker::ClusterFacts> facts, Explanation& out);

// `services[index]` is the Service explained.
void ExplainBgp(const config::Config& config, const speaker::AssignedServices& services,
                size_t index, const std::vector<NodeGroup>& groups,
                const speaker::ClusterFacts* facts, Explanation& out);

}  // namespace ironlb::ctl

// The node half of `ironlbctl explain`: in layer 2, the eligible nodes of each VIP in rendezvous
// order and why each other node is not eligible (speaker/layer2_plan.h, owner_election.h); in
// BGP, what each node announces for the Service, to which peers, with which attributes
// (speaker/bgp_plan.h), or why it announces nothing.
#pragma once

#include <string>
#include <vector>

#include "config/types.h"
#include "controller/plan.h"
#include "ctl/explain.h"

namespace ironlb::ctl {

void ExplainLayer2(const config::Config& config, const controller::PlanOutput& plan,
                   const std::string& key, const std::vector<NodeGroup>& groups, Explanation& out);

void ExplainBgp(const config::Config& config, const std::vector<controller::Service>& services,
                const controller::PlanOutput& plan, size_t index,
                const std::vector<NodeGroup>& groups, Explanation& out);

}  // namespace ironlb::ctl

// Whether one node announces one Service by BGP, and why (not): the decision PlanBgp makes for
// every Service and `ironlbctl explain` prints for every node. Built once per node from the
// configuration: the peers it has a session with, and the BGPAdvertisements that pick it.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "common/verdict.h"
#include "config/types.h"
#include "speaker/bgp/bgp_plan.h"

namespace ironlb::speaker {

class BgpAnnouncePolicy {
 public:
  BgpAnnouncePolicy(const config::Config& config, const BgpNode& node);

  // The BGPPeers this node has a session with: their nodeSelectors pick it, in the default VRF
  // (others are not driven yet), and the node is not out of load-balancer duty.
  const std::set<std::string>& peers() const { return peers_; }
  // The BGPAdvertisements of `pool` whose nodeSelectors pick this node (nullptr: none).
  const std::vector<const config::BGPAdvertisement*>* AdvertisementsOf(
      const std::string& pool) const;

  // Whether this node announces Service `key` whose addresses come from `pool` (`local`: its
  // externalTrafficPolicy is Local). `explain` false skips writing the reason.
  Verdict Announces(const std::string& key, const std::string& pool, bool local,
                    bool explain = true) const;

 private:
  const config::Config& config_;
  const BgpNode& node_;
  bool out_of_duty_ = false;
  std::set<std::string> peers_;
  std::map<std::string, std::vector<const config::BGPAdvertisement*>> by_pool_;
};

}  // namespace ironlb::speaker

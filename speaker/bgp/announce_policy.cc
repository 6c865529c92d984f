#include "speaker/bgp/announce_policy.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "config/selector_text.h"
#include "config/validate.h"
#include "speaker/cluster_facts.h"

namespace ironlb::speaker {

BgpAnnouncePolicy::BgpAnnouncePolicy(const config::Config& config, const BgpNode& node)
    : config_(config), node_(node) {
  out_of_duty_ = node.excluded || node.labels.count(kExcludeLabel) > 0;
  if (out_of_duty_) return;
  for (const config::BGPPeer& p : config.bgp_peers) {
    if (config::AnyMatches(p.node_selectors, node.labels)) {  // a vrf: that VRF's instance
      peers_.insert(p.meta.name);
    }
  }
  for (const config::BGPAdvertisement& adv : config.bgp_advertisements) {
    if (!config::AnyMatches(adv.node_selectors, node.labels)) continue;
    for (const config::AddressPool* pool :
         config::PoolsSelectedBy(config, adv.ip_address_pools, adv.ip_address_pool_selectors)) {
      by_pool_[pool->meta.name].push_back(&adv);
    }
  }
}

const std::vector<const config::BGPAdvertisement*>* BgpAnnouncePolicy::AdvertisementsOf(
    const std::string& pool) const {
  auto it = by_pool_.find(pool);
  return it == by_pool_.end() ? nullptr : &it->second;
}

Verdict BgpAnnouncePolicy::Announces(const std::string& key, const std::string& pool, bool local,
                                     bool explain) const {
  if (node_.labels.count(kExcludeLabel) > 0) {
    return Verdict::No(explain ? absl::StrCat("labelled ", kExcludeLabel) : "");
  }
  if (node_.excluded) {
    return Verdict::No(explain
                           ? absl::StrCat("the API takes it out of load-balancer duty (",
                                          node_.excluded_because.empty() ? "NetworkUnavailable=True"
                                                                         : node_.excluded_because,
                                          ")")
                           : "");
  }
  if (local && node_.local_endpoints.count(key) == 0) {
    return Verdict::No(
        explain ? "externalTrafficPolicy Local: no ready endpoint of the Service here" : "");
  }
  if (peers_.empty()) {
    return Verdict::No(
        explain ? "no BGPPeer's nodeSelectors select it (no BGP session from this node)" : "");
  }
  const std::vector<const config::BGPAdvertisement*>* advs = AdvertisementsOf(pool);
  if (advs == nullptr) {
    if (!explain) return Verdict::No("");
    std::vector<std::string> why;
    for (const config::BGPAdvertisement& adv : config_.bgp_advertisements) {
      for (const config::AddressPool* p :
           config::PoolsSelectedBy(config_, adv.ip_address_pools, adv.ip_address_pool_selectors)) {
        if (p->meta.name != pool) continue;
        why.push_back(absl::StrCat(adv.meta.name, ": nodeSelectors (",
                                   config::DescribeSelectors(adv.node_selectors), ")"));
      }
    }
    if (why.empty())
      return Verdict::No(absl::StrCat("no BGPAdvertisement selects pool \"", pool, "\""));
    return Verdict::No(
        absl::StrCat("the BGPAdvertisements of pool \"", pool, "\" do not select its labels (",
                     config::DescribeLabels(node_.labels), "): ", absl::StrJoin(why, "; ")));
  }
  std::set<std::string> to;
  for (const config::BGPAdvertisement* adv : *advs) {
    for (const std::string& peer : peers_) {
      if (adv->peers.empty() ||
          std::find(adv->peers.begin(), adv->peers.end(), peer) != adv->peers.end()) {
        to.insert(peer);
      }
    }
  }
  if (to.empty()) {
    return Verdict::No(
        explain ? "its BGPAdvertisements for this pool name only peers it has no session with"
                : "");
  }
  if (!explain) return Verdict::Yes();
  std::vector<std::string> names;
  for (const config::BGPAdvertisement* adv : *advs) names.push_back(adv->meta.name);
  return Verdict::Yes(absl::StrCat("announced to ", absl::StrJoin(to, ", "), " (",
                                   absl::StrJoin(names, ", "), ")"));
}

}  // namespace ironlb::speaker

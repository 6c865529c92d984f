#include "speaker/bgp/bgp_plan.h"

#include <algorithm>
#include <map>

#include "config/validate.h"
#include "speaker/bgp/announce_policy.h"

namespace ironlb::speaker {

void ApplyClusterFacts(const ClusterFacts& facts, BgpNode* node) {
  node->labels = facts.LabelsOf(node->name, node->labels);
  node->excluded_because = facts.ExcludedBecause(node->name);
  node->excluded = !node->excluded_because.empty();
  node->local_endpoints.clear();
  for (const auto& [service, nodes] : facts.local_endpoint_nodes) {
    if (nodes.count(node->name) > 0) node->local_endpoints.insert(service);
  }
}

bgp::DesiredState PlanBgp(const config::Config& config, const AssignedServices& services,
                          const BgpNode& node) {
  bgp::DesiredState out;
  const BgpAnnouncePolicy policy(config, node);
  const std::set<std::string>& peers = policy.peers();
  std::set<std::string> profiles;
  for (const config::BGPPeer& p : config.bgp_peers) {
    if (!peers.count(p.meta.name)) continue;
    out.peers.push_back(
        {.name = p.meta.name,
         .my_asn = p.my_asn,
         .peer_asn = p.peer_asn,
         .peer_as_kind = p.dynamic_asn == config::DynamicAsn::kInternal ? bgp::PeerAsKind::kInternal
                         : p.dynamic_asn == config::DynamicAsn::kExternal
                             ? bgp::PeerAsKind::kExternal
                             : bgp::PeerAsKind::kNumber,
         .address = p.peer_address,
         .interface = p.interface,
         .port = p.peer_port,
         .source_address = p.source_address,
         .hold_time_s = p.hold_time_s,
         .keepalive_time_s = p.keepalive_time_s,
         .password = p.password,
         .ebgp_multihop = p.ebgp_multihop,
         .bfd_profile = p.bfd_profile,
         .connect_time_s = p.connect_time_s,
         .router_id = p.router_id,
         .graceful_restart = p.enable_graceful_restart,
         // disableMP (deprecated by MetalLB) is the default: one family per session.
         .dual_stack = p.dual_stack_address_family && !p.disable_mp,
         .vrf = p.vrf});
    if (!p.bfd_profile.empty()) profiles.insert(p.bfd_profile);
  }
  std::sort(out.peers.begin(), out.peers.end(),
            [](const auto& a, const auto& b) { return a.name < b.name; });
  for (const config::BFDProfile& b : config.bfd_profiles) {
    if (!profiles.count(b.meta.name)) continue;
    out.bfd_profiles.push_back({.name = b.meta.name,
                                .receive_interval_ms = b.receive_interval_ms,
                                .transmit_interval_ms = b.transmit_interval_ms,
                                .detect_multiplier = b.detect_multiplier,
                                .echo_interval_ms = b.echo_interval_ms,
                                .echo_mode = b.echo_mode,
                                .passive_mode = b.passive_mode,
                                .minimum_ttl = b.minimum_ttl});
  }
  if (peers.empty()) return out;

  std::map<std::string, bgp::Announcement> announcements;  // by prefix text
  for (const AssignedService& s : services) {
    if (!s.assigned()) continue;
    const bool local = s.service.traffic_policy == controller::TrafficPolicy::kLocal;
    if (!policy.Announces(s.name, s.allocation.pool, local, /*explain=*/false)) continue;
    for (const IpAddress& ip : s.allocation.addresses) {
      for (const config::BGPAdvertisement* adv : *policy.AdvertisementsOf(s.allocation.pool)) {
        const std::optional<int>& agg =
            ip.is_v4() ? adv->aggregation_length : adv->aggregation_length_v6;
        // Local Services are announced per address: an aggregate would draw traffic for
        // addresses this node has no endpoint for.
        const int length = local || !agg ? ip.bit_length() : *agg;
        const IpPrefix prefix = bgp::PrefixOf(ip, length);
        bgp::Announcement& a = announcements[prefix.ToString()];
        a.prefix = prefix;
        bgp::RouteAttributes attrs;
        attrs.communities = adv->communities;
        attrs.local_pref = adv->local_pref;
        for (const std::string& peer : peers) {
          if (!adv->peers.empty() &&
              std::find(adv->peers.begin(), adv->peers.end(), peer) == adv->peers.end()) {
            continue;
          }
          bgp::MergeAttributes(a, peer, attrs);
        }
      }
    }
  }
  for (auto& [text, a] : announcements) {
    if (!a.peers.empty()) out.announcements.push_back(std::move(a));
  }
  return out;
}

}  // namespace ironlb::speaker

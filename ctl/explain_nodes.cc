#include "ctl/explain_nodes.h"

#include <algorithm>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "arp/link.h"
#include "config/validate.h"
#include "speaker/bgp/announce_policy.h"
#include "speaker/bgp/bgp_plan.h"
#include "speaker/layer2/layer2_plan.h"
#include "speaker/layer2/membership/owner_election.h"

namespace ironlb::ctl {

void ExplainLayer2(const config::Config& config, const speaker::AssignedServices& services,
                   const std::string& key, const std::vector<NodeGroup>& groups,
                   std::shared_ptr<const speaker::ClusterFacts> facts, Explanation& out) {
  const std::vector<std::string> excluded = arp::DefaultExcludedInterfaces();
  bool any_vip = false;
  bool unknown_interface = false;
  bool unknown_checks = false;
  std::set<std::string> with_checks;  // L2Advertisements with a localCheck
  for (const config::L2Advertisement& adv : config.l2_advertisements) {
    if (adv.local_check) with_checks.insert(adv.meta.name);
  }
  for (const speaker::Layer2Vip& vip : speaker::Layer2Vips(config, services, facts)) {
    if (!std::binary_search(vip.services.begin(), vip.services.end(), key)) continue;
    any_vip = true;
    for (const NodeGroup& group : groups) {
      Layer2Answer ans{.vip = vip.vip, .segment = group.segment};
      for (const config::L2Advertisement* adv : vip.advertisements) {
        ans.advertisements.push_back(adv->meta.name);
      }
      std::vector<std::string> eligible;
      for (const NodeFacts& node : group.nodes) {
        if (node.interface.empty()) unknown_interface = true;
        if (!node.unavailable.empty()) {
          ans.not_eligible.push_back({node.name, node.unavailable});
        } else if (!node.ready) {
          ans.not_eligible.push_back(
              {node.name,
               "not ready on the segment yet (a joining speaker owns nothing until it has heard "
               "everybody)"});
        } else {
          speaker::SegmentView::Member member(node.interface, node.labels);
          member.passing_checks = node.passing_checks.value_or(with_checks);
          if (!node.passing_checks && !with_checks.empty()) unknown_checks = true;
          if (Verdict v =
                  speaker::Eligibility(vip, node.name, member, excluded, !node.interface.empty());
              v) {
            eligible.push_back(node.name);
          } else {
            ans.not_eligible.push_back({node.name, std::move(v.reason)});
          }
        }
      }
      ans.eligible = speaker::PreferenceOrder(vip.vip, std::move(eligible));
      if (!ans.eligible.empty()) ans.owner = ans.eligible.front();
      out.layer2.push_back(std::move(ans));
    }
  }
  if (!any_vip) {
    out.layer2_none =
        config.l2_advertisements.empty()
            ? "not announced in layer 2: the configuration has no L2Advertisement"
            : absl::StrCat("not announced in layer 2: no L2Advertisement selects pool \"", out.pool,
                           "\"");
  } else if (groups.empty()) {
    out.layer2_none =
        "no nodes known: run on a node whose speaker's status socket is reachable, or pass "
        "--nodes";
  }
  if (unknown_checks) {
    out.notes.push_back(
        "nodes not heard by a local speaker: their localChecks are unknown and taken as passing "
        "(run explain on a node to see them)");
  }
  if (unknown_interface) {
    out.notes.push_back(
        facts ? "nodes not heard by a local speaker: their interfaces were not checked against "
                "the L2Advertisements' interfaces (run explain on a node to see them)"
              : "nodes given without @INTERFACE: their interfaces were not checked against the "
                "L2Advertisements' interfaces");
  }
}

void ExplainBgp(const config::Config& config, const speaker::AssignedServices& services,
                size_t index, const std::vector<NodeGroup>& groups,
                const speaker::ClusterFacts* facts, Explanation& out) {
  const std::string& pool = services[index].allocation.pool;
  bool selected = false;  // some BGPAdvertisement selects the Service's pool
  for (const config::BGPAdvertisement& adv : config.bgp_advertisements) {
    for (const config::AddressPool* p :
         config::PoolsSelectedBy(config, adv.ip_address_pools, adv.ip_address_pool_selectors)) {
      selected = selected || p->meta.name == pool;
    }
  }
  if (!selected) {
    out.bgp_none =
        config.bgp_advertisements.empty()
            ? "not announced by BGP: the configuration has no BGPAdvertisement"
            : absl::StrCat("not announced by BGP: no BGPAdvertisement selects pool \"", pool, "\"");
    return;
  }
  const controller::Service& s = services[index].service;
  const bool local = s.traffic_policy == controller::TrafficPolicy::kLocal;
  if (local && facts == nullptr) {
    out.notes.push_back(
        "externalTrafficPolicy Local: a node announces only while it has a ready endpoint (a "
        "standalone speaker: the Service is in its --local-services); explain assumes every "
        "node has one");
  }
  std::set<std::string> seen;
  for (const NodeGroup& group : groups) {
    for (const NodeFacts& node : group.nodes) {
      if (!seen.insert(node.name).second) continue;
      speaker::BgpNode bgp_node{.name = node.name, .labels = node.labels};
      if (facts != nullptr) {
        speaker::ApplyClusterFacts(*facts, &bgp_node);
      } else if (local) {
        bgp_node.local_endpoints.emplace(s.Key(), 1);
      }
      const bgp::DesiredState desired = speaker::PlanBgp(config, services, bgp_node);
      BgpNodeAnswer ans{.node = node.name};
      for (const bgp::Announcement& a : desired.announcements) {
        const bool mine = std::any_of(out.addresses.begin(), out.addresses.end(),
                                      [&](const IpAddress& ip) { return a.prefix.Contains(ip); });
        if (!mine) continue;
        for (const auto& [peer, attrs] : a.peers) {
          BgpRoute r{.prefix = a.prefix.ToString(),
                     .peer = peer,
                     .local_pref = attrs.local_pref,
                     .link_bandwidth_mbps = attrs.link_bandwidth_mbps};
          for (const config::Community& c : attrs.communities) r.communities.push_back(c.text);
          ans.routes.push_back(std::move(r));
        }
      }
      if (ans.routes.empty()) {
        // The decision PlanBgp made for this Service on this node, with its reason.
        const speaker::BgpAnnouncePolicy policy(config, bgp_node);
        ans.why_not = policy.Announces(s.Key(), pool, local).reason;
      }
      out.bgp.push_back(std::move(ans));
    }
  }
  if (seen.empty()) {
    out.bgp_none =
        "no nodes known: run on a node whose speaker's status socket is reachable, or pass "
        "--nodes";
  }
}

}  // namespace ironlb::ctl

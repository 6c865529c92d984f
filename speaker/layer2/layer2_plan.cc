#include "speaker/layer2/layer2_plan.h"

#include <algorithm>
#include <iterator>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "arp/link.h"
#include "config/selector_text.h"
#include "config/validate.h"
#include "speaker/layer2/membership/owner_election.h"

namespace ironlb::speaker {

std::vector<Layer2Vip> Layer2Vips(const config::Config& config, const AssignedServices& services,
                                  std::shared_ptr<const ClusterFacts> facts) {
  // Pool name -> advertisements selecting it.
  std::map<std::string, std::vector<const config::L2Advertisement*>> by_pool;
  for (const config::L2Advertisement& adv : config.l2_advertisements) {
    for (const config::AddressPool* pool :
         config::PoolsSelectedBy(config, adv.ip_address_pools, adv.ip_address_pool_selectors)) {
      by_pool[pool->meta.name].push_back(&adv);
    }
  }
  std::map<IpAddress, Layer2Vip> vips;
  for (const AssignedService& s : services) {
    if (!s.assigned()) continue;
    auto advs = by_pool.find(s.allocation.pool);
    if (advs == by_pool.end()) continue;  // BGP-only pool, or not announced at all
    for (const IpAddress& ip : s.allocation.addresses) {
      Layer2Vip& v = vips[ip];
      v.vip = ip;
      v.pool = s.allocation.pool;
      v.advertisements = advs->second;
      v.services.push_back(s.name);
      v.facts = facts;
      if (!facts) continue;
      auto local = facts->local_endpoint_nodes.find(s.name);
      if (local == facts->local_endpoint_nodes.end()) continue;
      if (!v.endpoint_nodes) {
        v.endpoint_nodes = local->second;
        continue;
      }
      // Services sharing a VIP move together: a node must serve all the Local ones.
      std::set<std::string> both;
      std::set_intersection(v.endpoint_nodes->begin(), v.endpoint_nodes->end(),
                            local->second.begin(), local->second.end(),
                            std::inserter(both, both.end()));
      v.endpoint_nodes = std::move(both);
    }
  }
  std::vector<Layer2Vip> out;
  out.reserve(vips.size());
  for (auto& [ip, v] : vips) {
    std::sort(v.services.begin(), v.services.end());
    out.push_back(std::move(v));
  }
  return out;
}

namespace {

// Eligible() and Eligibility() in one: the reasons are written only when `explain` (the
// speaker asks this for every VIP and member on every change, and needs only the answer).
Verdict Judge(const Layer2Vip& vip, const std::string& node, const SegmentView::Member& member,
              const std::vector<std::string>& excluded_interfaces, bool check_interface,
              bool explain) {
  const config::Labels& labels =
      vip.facts ? vip.facts->LabelsOf(node, member.labels) : member.labels;
  if (labels.count(kExcludeLabel) > 0) {
    return Verdict::No(explain ? absl::StrCat("it has the label ", kExcludeLabel) : "");
  }
  if (vip.facts && vip.facts->Excluded(node)) {
    return Verdict::No(explain ? absl::StrCat("the API takes it out of load-balancer duty (",
                                              vip.facts->ExcludedBecause(node), ")")
                               : "");
  }
  if (vip.endpoint_nodes && vip.endpoint_nodes->count(node) == 0) {
    return Verdict::No(explain ? "externalTrafficPolicy Local: no ready endpoint of the Service "
                                 "on this node (EndpointSlices)"
                               : "");
  }
  std::vector<std::string> why;
  for (const config::L2Advertisement* adv : vip.advertisements) {
    const bool interface_ok =
        !check_interface ||
        arp::InterfaceSelected(member.interface, adv->interfaces, excluded_interfaces);
    const bool labels_ok = interface_ok && config::AnyMatches(adv->node_selectors, labels);
    const bool check_ok =
        labels_ok && (!adv->local_check || member.passing_checks.count(adv->meta.name) > 0);
    if (check_ok) {
      return Verdict::Yes(explain
                              ? absl::StrCat(adv->meta.name, " selects it",
                                             adv->local_check ? " and its localCheck passes" : "")
                              : "");
    }
    if (!explain) continue;
    if (labels_ok) {
      why.push_back(absl::StrCat(adv->meta.name, ": its localCheck (",
                                 config::DescribeLocalCheck(*adv->local_check),
                                 ") is not passing on it"));
    } else if (!interface_ok) {
      why.push_back(adv->interfaces.empty()
                        ? absl::StrCat(adv->meta.name, ": its interface ", member.interface,
                                       " is one ironlb never announces on unless named (",
                                       absl::StrJoin(excluded_interfaces, ","), ")")
                        : absl::StrCat(adv->meta.name, ": its interface ", member.interface,
                                       " is not in interfaces [",
                                       absl::StrJoin(adv->interfaces, ","), "]"));
    } else {
      why.push_back(absl::StrCat(
          adv->meta.name, ": nodeSelectors (", config::DescribeSelectors(adv->node_selectors),
          ") do not match its labels (", config::DescribeLabels(labels), ")"));
    }
  }
  return Verdict::No(absl::StrJoin(why, "; "));
}

}  // namespace

bool Eligible(const Layer2Vip& vip, const std::string& node, const SegmentView::Member& member,
              const std::vector<std::string>& excluded_interfaces) {
  return Judge(vip, node, member, excluded_interfaces, /*check_interface=*/true, false).yes;
}

Verdict Eligibility(const Layer2Vip& vip, const std::string& node,
                    const SegmentView::Member& member,
                    const std::vector<std::string>& excluded_interfaces, bool check_interface) {
  return Judge(vip, node, member, excluded_interfaces, check_interface, true);
}

config::Labels WithPassingChecks(config::Labels labels, const std::set<std::string>& passing) {
  for (const std::string& name : passing) labels[kLocalCheckLabelPrefix + name] = "passing";
  return labels;
}

config::Labels PassingChecksOf(const config::Labels& advert_labels,
                               std::set<std::string>* passing) {
  config::Labels out;
  for (const auto& [key, value] : advert_labels) {
    absl::string_view name = key;
    if (absl::ConsumePrefix(&name, kLocalCheckLabelPrefix)) {
      if (value == "passing") passing->insert(std::string(name));
    } else {
      out.emplace(key, value);
    }
  }
  return out;
}

std::optional<std::string> OwnerOn(const Layer2Vip& vip, const SegmentView& segment,
                                   const std::vector<std::string>& excluded_interfaces) {
  std::vector<std::string> ready;      // eligible and past their hold-off: the hash decides
  std::vector<std::string> claimants;  // eligible and answering for it now
  std::vector<std::string> adopting;   // claimants not ready yet: restarted speakers
  for (const auto& [node, member] : segment.alive) {
    if (!Eligible(vip, node, member, excluded_interfaces)) continue;
    if (member.ready) ready.push_back(node);
    if (member.claims.count(vip.vip) == 0) continue;
    claimants.push_back(node);
    if (!member.ready) adopting.push_back(node);
  }
  // Several claimants (a healed partition): the same hash order picks one everywhere.
  if (!adopting.empty()) return OwnerFor(vip.vip, adopting);
  const std::optional<std::string> winner = OwnerFor(vip.vip, ready);
  if (claimants.empty()) return winner;
  const std::optional<std::string> holder = OwnerFor(vip.vip, claimants);
  if (!winner || *winner == *holder) return holder;
  const uint64_t winner_joined = segment.alive.at(*winner).incarnation;
  const uint64_t holder_joined = segment.alive.at(*holder).incarnation;
  // The winner came back after the holder took the VIP: sticky keeps it where it is.
  if (segment.sticky && winner_joined > holder_joined + segment.settle_ns) return holder;
  return winner;
}

std::map<IpAddress, std::string> OwnersOn(const std::vector<Layer2Vip>& vips,
                                          const SegmentView& segment,
                                          const std::vector<std::string>& excluded_interfaces) {
  std::map<IpAddress, std::string> out;
  for (const Layer2Vip& vip : vips) {
    if (auto owner = OwnerOn(vip, segment, excluded_interfaces)) out[vip.vip] = *owner;
  }
  return out;
}

std::vector<arp::VipClaim> ClaimsFor(const std::string& self, const std::vector<Layer2Vip>& vips,
                                     const std::vector<SegmentView>& segments,
                                     const std::vector<std::string>& excluded_interfaces) {
  std::map<IpAddress, std::vector<std::string>> claimed;  // vip -> our interfaces
  for (const SegmentView& seg : segments) {
    if (seg.alive.count(self) == 0) continue;
    for (const Layer2Vip& vip : vips) {
      if (OwnerOn(vip, seg, excluded_interfaces) == self) claimed[vip.vip].push_back(seg.ifname);
    }
  }
  std::vector<arp::VipClaim> out;
  out.reserve(claimed.size());
  for (auto& [vip, ifaces] : claimed) out.push_back({vip, std::move(ifaces)});
  return out;
}

std::vector<arp::VipClaim> SourceNatClaims(
    const config::Config& config, const std::vector<arp::VipClaim>& claims,
    const std::function<std::string(const IpAddress&)>& egress) {
  std::set<IpAddress> held;
  for (const arp::VipClaim& c : claims) held.insert(c.vip);
  std::map<IpAddress, std::string> out;
  for (const config::PortForward& pf : config.port_forwards) {
    if (std::none_of(pf.addresses.begin(), pf.addresses.end(),
                     [&](const IpAddress& a) { return held.count(a) > 0; })) {
      continue;
    }
    for (const IpAddress& a : pf.source_nat_addresses) {
      if (held.count(a) > 0 || out.count(a) > 0) continue;
      std::string ifname = egress(a);
      if (!ifname.empty()) out[a] = std::move(ifname);
    }
  }
  std::vector<arp::VipClaim> result;
  for (auto& [a, ifname] : out) result.push_back({a, {std::move(ifname)}});
  return result;
}

}  // namespace ironlb::speaker

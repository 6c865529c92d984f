// Layer-2 ownership as a pure function: from the configuration, the Services' addresses and
// who is alive on each segment, which VIPs this node answers for and on which interfaces.
// Every speaker evaluates the same function on the same facts (adverts carry each node's
// labels and interface name; in Kubernetes, the API adds node exclusions, node labels and the
// nodes with ready endpoints), so they agree without talking about VIPs at all.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "arp/layer2_service.h"
#include "common/verdict.h"
#include "config/types.h"
#include "controller/plan.h"
#include "speaker/cluster_facts.h"

namespace ironlb::speaker {

// A VIP announced in layer 2, with the advertisements that apply to it.
struct Layer2Vip {
  IpAddress vip;
  std::string pool;
  std::vector<std::string> services;  // "namespace/name", sorted
  std::vector<const config::L2Advertisement*> advertisements;
  // Kubernetes mode: the API's facts (nullptr standalone), and when a Service on the VIP has
  // externalTrafficPolicy Local, the nodes with a ready endpoint of every such Service.
  std::shared_ptr<const ClusterFacts> facts;
  std::optional<std::set<std::string>> endpoint_nodes;
};

// VIPs of assigned Services whose pool some L2Advertisement selects, sorted by address.
std::vector<Layer2Vip> Layer2Vips(const config::Config& config, const controller::PlanOutput& plan,
                                  std::shared_ptr<const ClusterFacts> facts = nullptr);

// What one segment looks like from here.
struct SegmentView {
  std::string ifname;  // our interface
  struct Member {
    std::string interface;  // the member's own name for its port
    config::Labels labels;
  };
  std::map<std::string, Member> alive;  // node -> facts, ourselves included
};

// Is `node` (with `member` facts) eligible for `vip`: not excluded from load balancing (its
// label, or the API's NetworkUnavailable), a ready endpoint when the VIP needs one, and some
// advertisement of the VIP selects its interface and its labels (the API's, when known).
bool Eligible(const Layer2Vip& vip, const std::string& node, const SegmentView::Member& member,
              const std::vector<std::string>& excluded_interfaces);
// The same decision with its reason, for `ironlbctl explain` and logs. `check_interface` false:
// the member's interface is unknown (explain --nodes without @IFACE), only the rest is judged.
Verdict Eligibility(const Layer2Vip& vip, const std::string& node,
                    const SegmentView::Member& member,
                    const std::vector<std::string>& excluded_interfaces,
                    bool check_interface = true);

// The owner of every VIP that has an eligible member on `segment`.
std::map<IpAddress, std::string> OwnersOn(const std::vector<Layer2Vip>& vips,
                                          const SegmentView& segment,
                                          const std::vector<std::string>& excluded_interfaces);

// The VIPs `self` owns, per interface: on every segment, the owner of each VIP is the
// rendezvous winner among the eligible alive members.
std::vector<arp::VipClaim> ClaimsFor(const std::string& self, const std::vector<Layer2Vip>& vips,
                                     const std::vector<SegmentView>& segments,
                                     const std::vector<std::string>& excluded_interfaces);

}  // namespace ironlb::speaker

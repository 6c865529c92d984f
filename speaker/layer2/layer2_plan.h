// Layer-2 ownership as a pure function: from the configuration, the Services' addresses and
// who is alive on each segment, which VIPs this node answers for and on which interfaces.
// Every speaker evaluates the same function on the same facts (adverts carry each node's
// labels and interface name; in Kubernetes, the API adds node exclusions, node labels and the
// nodes with ready endpoints), so they agree without talking about VIPs at all.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "arp/layer2_service.h"
#include "common/verdict.h"
#include "config/types.h"
#include "speaker/assigned_service.h"
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
std::vector<Layer2Vip> Layer2Vips(const config::Config& config, const AssignedServices& services,
                                  std::shared_ptr<const ClusterFacts> facts = nullptr);

// What one segment looks like from here.
struct SegmentView {
  std::string ifname;  // our interface
  struct Member {
    Member() = default;
    Member(std::string interface_name, config::Labels member_labels, bool is_ready = true,
           std::set<IpAddress> member_claims = {}, uint64_t member_incarnation = 0)
        : interface(std::move(interface_name)),
          labels(std::move(member_labels)),
          ready(is_ready),
          claims(std::move(member_claims)),
          incarnation(member_incarnation) {}
    std::string interface;  // the member's own name for its port
    config::Labels labels;
    // Past its hold-off after joining. A member that is not ready counts only for the VIPs it
    // claims (a restarted speaker adopting what its predecessor held), never by the hash.
    bool ready = true;
    std::set<IpAddress> claims;  // VIPs it answers for now on this segment (its adverts)
    uint64_t incarnation = 0;    // when it joined the segment (Unix ns, its own clock)
    // L2Advertisements whose localCheck passes on the member (its adverts say so, see
    // PassingChecksOf); an advertisement with a localCheck selects only members listed here.
    std::set<std::string> passing_checks;
  };
  std::map<std::string, Member> alive;  // node -> facts, ourselves included
  // Sticky ownership (the default): a VIP stays with the eligible member answering for it when
  // the hash winner is a node that joined the segment more than `settle` after that member
  // (a node that returned: restarted, rebooted, reconnected); only a VIP nobody eligible claims,
  // or one whose hash winner was there all along (a cluster starting, a node becoming eligible
  // again), goes to the hash winner. False (rebalance): the hash winner always takes VIPs from
  // ready claimants. Either way a restarted speaker that is not ready yet keeps what it claims.
  bool sticky = true;
  uint64_t settle_ns = 10'000'000'000;  // 10 s
};

// A passing local check travels in adverts as the label kLocalCheckLabelPrefix + the
// advertisement's name (value "passing"): older speakers carry it as any label and ignore it.
inline constexpr char kLocalCheckLabelPrefix[] = "localcheck.ironlb.io/";
// `labels` plus one label per passing check, for our adverts.
config::Labels WithPassingChecks(config::Labels labels, const std::set<std::string>& passing);
// Splits an advert's labels into the node's labels (returned) and its passing checks.
config::Labels PassingChecksOf(const config::Labels& advert_labels, std::set<std::string>* passing);

// The owner of `vip` on `segment`, or nullopt when no member is eligible.
std::optional<std::string> OwnerOn(const Layer2Vip& vip, const SegmentView& segment,
                                   const std::vector<std::string>& excluded_interfaces);

// Is `node` (with `member` facts) eligible for `vip`: not excluded from load balancing (its
// label, or the API's NetworkUnavailable), a ready endpoint when the VIP needs one, and some
// advertisement of the VIP selects its interface and its labels (the API's, when known) and,
// when it has a localCheck, that check passes on the node.
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

// The VIPs `self` owns, per interface: on every segment, OwnerOn() of each VIP.
std::vector<arp::VipClaim> ClaimsFor(const std::string& self, const std::vector<Layer2Vip>& vips,
                                     const std::vector<SegmentView>& segments,
                                     const std::vector<std::string>& excluded_interfaces);

// PortForward sourceNATAddresses are held with the group's outside addresses (issue 16): for
// each group of which `claims` hold one of its `addresses`, a claim for each of its source NAT
// addresses on the interface this host reaches that address by (`egress`; an address without
// a route, or one already claimed, is left out). So an HA pair's backends send their replies to
// whichever router now forwards.
std::vector<arp::VipClaim> SourceNatClaims(
    const config::Config& config, const std::vector<arp::VipClaim>& claims,
    const std::function<std::string(const IpAddress&)>& egress);

}  // namespace ironlb::speaker

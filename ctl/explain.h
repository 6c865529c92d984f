// What `ironlbctl explain` says about one Service, as plain data, and the pure functions that
// work it out from the configuration, the Service manifests and the nodes: which pool and why,
// sharing, the pending reason, the layer-2 owner and why the other nodes are not eligible, and
// the BGP announcements of each node. Every answer comes from the code the daemons run
// (controller/ placement and pools, speaker/ layer-2 and BGP plans), never from a copy of it.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/ip.h"
#include "config/types.h"
#include "controller/allocator.h"
#include "controller/service.h"
#include "speaker/cluster_facts.h"

namespace ironlb::ctl {

// One node as explain sees it.
struct NodeFacts {
  std::string name;
  config::Labels labels;
  std::string interface;  // its port on the segment; empty when unknown (no check then)
  bool ready = true;      // past its hold-off on the segment (only ready nodes may own)
  // Why the node cannot own anything here (not heard on the segment, taken out of
  // load-balancer duty by the API); empty when nothing stands against it.
  std::string unavailable;
  // L2Advertisements whose localCheck passes on the node (its speaker's adverts say so);
  // nullopt when unknown (--nodes, or nodes not heard): their checks are taken as passing.
  std::optional<std::set<std::string>> passing_checks;
};

// The nodes on one layer-2 segment (from a speaker's status), or all the nodes given by --nodes.
struct NodeGroup {
  std::string segment;  // the local speaker's interface; empty for --nodes
  std::vector<NodeFacts> nodes;
};

// Parses --nodes: "name[@iface][:k=v;k=v],...", e.g. "a@eth0:zone=x;rack=1,b,c:zone=y".
absl::StatusOr<std::vector<NodeFacts>> ParseNodesFlag(absl::string_view text);

struct PoolVerdict {
  std::string pool;
  bool chosen = false;
  std::string why;  // why chosen, or why not
};

struct NodeVerdict {
  std::string node;
  std::string why_not;  // why it is not eligible
};

struct Layer2Answer {
  IpAddress vip;
  std::string segment;  // empty for --nodes
  std::vector<std::string> advertisements;
  std::vector<std::string> eligible;  // preference order: the owner first
  std::vector<NodeVerdict> not_eligible;
  std::string owner;  // empty when no node is eligible
};

struct BgpRoute {
  std::string prefix;
  std::string peer;
  std::vector<std::string> communities;
  std::optional<uint32_t> local_pref;
  // weightByEndpoints: the link bandwidth announced (N Mbps for N ready endpoints on the node).
  std::optional<uint32_t> link_bandwidth_mbps;
};

struct BgpNodeAnswer {
  std::string node;
  std::vector<BgpRoute> routes;  // empty: the node does not announce this Service
  std::string why_not;           // when it does not
};

struct Explanation {
  std::string service;  // namespace/name
  std::string status;   // assigned | pending | ignored
  std::vector<IpAddress> addresses;
  std::string pool;
  std::string pool_reason;         // how the pool was chosen (or why none could be)
  std::vector<PoolVerdict> pools;  // every pool, in the order they are considered
  std::string sharing;             // with whom, or why not
  std::vector<std::string> shared_with;
  std::string reason;              // pending or ignored: why
  std::vector<std::string> notes;  // caveats (Local traffic policy, unknown interfaces)
  // Layer 2: one per (VIP, segment); `layer2_none` when no L2Advertisement selects the pool.
  std::vector<Layer2Answer> layer2;
  std::string layer2_none;
  // BGP: one per node, when some BGPAdvertisement selects the pool.
  std::vector<BgpNodeAnswer> bgp;
  std::string bgp_none;
};

struct ExplainInput {
  const config::Config* config = nullptr;
  const std::map<std::string, controller::Labels>* namespaces = nullptr;
  const std::vector<controller::Service>* services = nullptr;
  std::vector<NodeGroup> nodes;
  // Standalone: every speaker plans with kStableHash. Kubernetes: the controller's kLowestFree,
  // with the Services' statuses as their current addresses, and the API's facts on nodes and
  // endpoints (nullptr standalone).
  controller::AddressChoice choice = controller::AddressChoice::kStableHash;
  std::optional<std::string> lb_class;
  std::shared_ptr<const speaker::ClusterFacts> facts;
};

// NotFound when `key` ("namespace/name") is not among the Services.
absl::StatusOr<Explanation> Explain(const ExplainInput& input, const std::string& key);

}  // namespace ironlb::ctl

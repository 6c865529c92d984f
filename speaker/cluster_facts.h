// What the Kubernetes API says about nodes and endpoints, as far as announcing goes: which
// nodes are out of load-balancer duty, their labels, and for each externalTrafficPolicy Local
// Service the nodes that have a ready endpoint. Every speaker reads the same objects, so every
// speaker computes the same eligibility. Absent (nullptr) in standalone mode.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "config/label_selector.h"
#include "nlohmann/json.hpp"

namespace ironlb::speaker {

// Kubernetes' label that takes a node out of load-balancer duty.
inline constexpr char kExcludeLabel[] = "node.kubernetes.io/exclude-from-external-load-balancers";
// EndpointSlices name their Service with this label.
inline constexpr char kServiceNameLabel[] = "kubernetes.io/service-name";

struct ClusterFacts {
  // Nodes the API knows, with their labels (these win over the labels in adverts).
  std::map<std::string, config::Labels> node_labels;
  // Nodes that must not announce: the exclude label, or condition NetworkUnavailable=True.
  std::set<std::string> excluded_nodes;
  // Every externalTrafficPolicy Local Service ("namespace/name") -> nodes with a ready
  // endpoint (empty: none anywhere, so nobody announces it).
  std::map<std::string, std::set<std::string>> local_endpoint_nodes;

  // Why `node` must not announce ("" when it may): its condition, or no Node object at all
  // while the API lists others (deleted from the cluster: its speaker may still run until the
  // pod goes, and must not keep answering or announcing meanwhile).
  std::string ExcludedBecause(const std::string& node) const;
  bool Excluded(const std::string& node) const { return !ExcludedBecause(node).empty(); }
  // The API's labels of `node`, or `fallback` when the API does not know the node.
  const config::Labels& LabelsOf(const std::string& node, const config::Labels& fallback) const;

  friend bool operator==(const ClusterFacts&, const ClusterFacts&) = default;
};

// One v1 Node: its name, labels and whether it is excluded (and why, for logs).
struct NodeFacts {
  std::string name;
  config::Labels labels;
  std::string excluded_because;  // "" when eligible
};
NodeFacts ReadNode(const nlohmann::json& node);

// Nodes with a serving endpoint among `slices` (discovery.k8s.io/v1 EndpointSlices of one
// Service). Ready endpoints count (a missing `ready` means ready, as the API defines); when
// the Service has none anywhere, serving-but-terminating ones do, as kube-proxy falls back.
std::set<std::string> NodesWithEndpoints(const std::vector<const nlohmann::json*>& slices);

}  // namespace ironlb::speaker

// Kubernetes mode's inputs as a pure function of the API objects the speaker's informers hold:
// ironlb's configuration objects, Services (their addresses come from the status the
// controller wrote, never from a local allocation), EndpointSlices and Nodes. Produces what
// the standalone path produces from its directory (configuration, Services, plan) plus the
// ClusterFacts that decide eligibility.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/loader.h"
#include "kube/resource.h"
#include "nlohmann/json.hpp"
#include "speaker/assigned_service.h"
#include "speaker/cluster_facts.h"

namespace ironlb::speaker {

struct KubeObjects {
  std::vector<std::shared_ptr<const nlohmann::json>> config;  // ironlb.io kinds
  std::vector<std::shared_ptr<const nlohmann::json>> services;
  std::vector<std::shared_ptr<const nlohmann::json>> endpoint_slices;
  std::vector<std::shared_ptr<const nlohmann::json>> nodes;
};

// ironlb.io/v1alpha1 configuration kinds, as API resources.
const std::vector<kube::Resource>& ConfigKinds();

// The configuration objects, decoded and validated (with errors, the caller keeps its last
// good one).
config::LoadResult ReadKubeConfig(const KubeObjects& objects);

struct KubeSnapshot {
  AssignedServices services;  // assigned = has an address in its status
  std::shared_ptr<const ClusterFacts> facts;
  std::map<std::string, std::string> service_uids;  // "ns/name" -> metadata.uid
  std::vector<std::string> problems;                // for logs and `ironlbctl status`
};

// The Services ironlb serves (type LoadBalancer, matching `lb_class`), with their addresses
// from status.loadBalancer.ingress; pools from the controller's ironlb.io/allocated-from-pool
// annotation, else the pool of `config` (the one in force) that holds the address.
KubeSnapshot AssembleSnapshot(const KubeObjects& objects, const config::Config& config,
                              const std::optional<std::string>& lb_class);

// The annotation the controller writes with the pool a Service's addresses came from.
inline constexpr char kAllocatedFromPoolAnnotation[] = "ironlb.io/allocated-from-pool";

}  // namespace ironlb::speaker

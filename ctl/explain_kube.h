// `ironlbctl explain` in Kubernetes mode: one list (no watch) of Services, Namespaces,
// EndpointSlices, Nodes and ironlb's configuration kinds, then the same explanation as
// standalone, decided as the controller decides (lowest free address, statuses kept as the
// current addresses) and, for layer 2, with the API's node facts (labels, exclusion,
// NetworkUnavailable, ready endpoints of Local Services).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "ctl/explain.h"
#include "kube/client.h"
#include "nlohmann/json.hpp"
#include "proto/ironlb_status.pb.h"
#include "speaker/kube/kube_snapshot.h"

namespace ironlb::ctl {

struct ClusterObjects {
  speaker::KubeObjects objects;
  std::vector<nlohmann::json> namespaces;
};

// Lists everything explain needs, every page. ironlb.io kinds from every namespace.
absl::StatusOr<ClusterObjects> ListCluster(kube::Client& client);

// Explains `key` ("namespace/name"). `speaker`: the local speaker's state when its status
// socket answered (which nodes it hears on which segment, on which interface); without it
// every Node of the API is taken as alive, interfaces unchecked.
absl::StatusOr<Explanation> ExplainCluster(const ClusterObjects& cluster, const std::string& key,
                                           const std::optional<std::string>& lb_class,
                                           const status::v1::SpeakerState* speaker);

}  // namespace ironlb::ctl

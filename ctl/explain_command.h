// `ironlbctl explain NAMESPACE/NAME`: why a Service has the address it has (or none), who it
// shares it with, and which node answers for it and why (layer 2) or which nodes announce it
// to which peers (BGP). Standalone mode (--config-dir): node facts from the local speaker's
// status socket or --nodes. Kubernetes mode (--kubeconfig): explain_kube.h.
#pragma once

#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "ctl/command.h"
#include "ctl/explain.h"
#include "proto/ironlb_status.pb.h"

namespace ironlb::ctl {

CommandSpec ExplainCommand();

struct ExplainOptions {
  std::string config_dir;
  std::string kubeconfig;               // Kubernetes mode (or $KUBECONFIG when neither is given)
  std::string context;                  // the kubeconfig context; empty: its current-context
  std::optional<std::string> lb_class;  // Kubernetes mode: the loadBalancerClass served
  std::string service;                  // NAMESPACE/NAME
  std::string output = "table";
  std::string nodes;          // --nodes; empty: ask the speaker at `status_socket`
  std::string status_socket;  // empty: the default
};

// Returns the exit code: 0 explained, 1 invalid input or unknown Service, 2 bad usage.
int RunExplain(const ExplainOptions& options, std::ostream& out, std::ostream& err);

// The nodes a speaker knows, one group per layer-2 segment (itself included, with its labels);
// a speaker without segments gives one group with itself only.
std::vector<NodeGroup> NodeGroupsFromStatus(const status::v1::SpeakerState& state);

void PrintExplanation(const Explanation& e, std::ostream& out);
void PrintExplanationJson(const Explanation& e, std::ostream& out);

}  // namespace ironlb::ctl

// The three ways ironlb-speaker runs, decided once from the flags, and the --help text that
// explains them (the flags' own help strings list the flags).
#pragma once

#include "absl/strings/string_view.h"

namespace ironlb::speaker {

enum class RunMode {
  // --config-dir only: configuration and Service manifests from the directory.
  kStandalone,
  // A cluster only (--kubeconfig, $KUBECONFIG or the pod's service account): everything from
  // the API server.
  kKubernetes,
  // --config-dir and --kubeconfig (a router host publishing a cluster's Services):
  // configuration from the directory, Services, Nodes and EndpointSlices from the cluster.
  kRouterWithCluster,
};

// `config_dir`: --config-dir was given; `kubeconfig`: --kubeconfig was given. Without either
// the speaker runs in Kubernetes mode (in a pod, the service account says which cluster).
RunMode DecideRunMode(bool config_dir, bool kubeconfig);

inline bool ConfigFromDirectory(RunMode mode) { return mode != RunMode::kKubernetes; }
inline bool UsesCluster(RunMode mode) { return mode != RunMode::kStandalone; }
absl::string_view RunModeName(RunMode mode);

// The --help text before the generated list of flags.
extern const char kSpeakerUsage[];

}  // namespace ironlb::speaker

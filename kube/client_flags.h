// The command-line spelling of "which cluster": --kubeconfig and --context, else $KUBECONFIG,
// else the pod's service account. Binaries call ClientConfigFromFlags() after ParseFlags.
#pragma once

#include <string>

#include "absl/flags/declare.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "kube/client_config.h"

ABSL_DECLARE_FLAG(std::string, kubeconfig);
ABSL_DECLARE_FLAG(std::string, context);

namespace ironlb::kube {

// The kubeconfig file $KUBECONFIG names: its first non-empty path (kubectl merges them all; the
// first holds the usual case). Empty when it names none ("", ":").
std::string FirstKubeconfigPath(absl::string_view kubeconfig_env);

// `kubeconfig_env` is $KUBECONFIG (its first path is used); `in_cluster` where the service
// account lives (InClusterEnvironment::FromProcess() in production).
absl::StatusOr<ClientConfig> ClientConfigFromFlags(const std::string& kubeconfig_env,
                                                   const InClusterEnvironment& in_cluster);
absl::StatusOr<ClientConfig> ClientConfigFromFlags();

}  // namespace ironlb::kube

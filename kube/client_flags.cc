#include "kube/client_flags.h"

#include <cstdlib>

#include "absl/flags/flag.h"
#include "absl/strings/str_split.h"

ABSL_FLAG(std::string, kubeconfig, "",
          "Kubeconfig file for the Kubernetes API (default: $KUBECONFIG, else the pod's service "
          "account).");
ABSL_FLAG(std::string, context, "", "Kubeconfig context to use instead of its current-context.");

namespace ironlb::kube {

std::string FirstKubeconfigPath(absl::string_view kubeconfig_env) {
  for (absl::string_view p : absl::StrSplit(kubeconfig_env, ':', absl::SkipEmpty())) {
    return std::string(p);
  }
  return "";
}

absl::StatusOr<ClientConfig> ClientConfigFromFlags(const std::string& kubeconfig_env,
                                                   const InClusterEnvironment& in_cluster) {
  std::string path = absl::GetFlag(FLAGS_kubeconfig);
  if (path.empty()) path = FirstKubeconfigPath(kubeconfig_env);
  const std::string context = absl::GetFlag(FLAGS_context);
  if (!path.empty()) return LoadKubeconfig(path, context);
  if (!context.empty()) {
    return absl::InvalidArgumentError(
        "--context: needs a kubeconfig (--kubeconfig or $KUBECONFIG)");
  }
  if (in_cluster.host.empty()) {
    return absl::FailedPreconditionError(
        "no Kubernetes API configured: pass --kubeconfig, set $KUBECONFIG, or run in a pod");
  }
  return InClusterConfig(in_cluster);
}

absl::StatusOr<ClientConfig> ClientConfigFromFlags() {
  const char* env = std::getenv("KUBECONFIG");
  return ClientConfigFromFlags(env != nullptr ? env : "", InClusterEnvironment::FromProcess());
}

}  // namespace ironlb::kube

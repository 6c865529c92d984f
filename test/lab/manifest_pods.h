// What the shipped manifests run, as a kubelet would start it: the objects of
// `kubectl kustomize packaging/kubernetes` (Debian's kubectl), and a container's command line
// and environment from its Deployment/DaemonSet, with only what the kubelet supplies filled
// in: the downward API values (pod name, namespace, node name), the volumes (each mountPath
// becomes a directory of the test's: a Secret's keys as files, a hostPath or emptyDir per
// node), and the API server (--kubeconfig instead of the pod's service account).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"

namespace ironlb::lab {

// The kustomized objects, in the order kubectl prints them.
absl::StatusOr<std::vector<nlohmann::json>> KustomizedObjects(const std::string& kubectl,
                                                              const std::string& dir);

struct PodFacts {
  std::string pod_name;
  std::string node_name;
  std::string kubeconfig;  // "" for a container that does not talk to the API (a sidecar)
  // Volume name -> the directory that stands for it in this pod.
  std::map<std::string, std::string> volume_dirs;
};

struct ContainerCommand {
  std::vector<std::string> argv;  // binary first
  std::map<std::string, std::string> env;
  // The container's volumeMounts: mountPath -> volume name.
  std::map<std::string, std::string> mounts;
  // `/usr/bin/env NAME=VALUE... argv...`
  std::vector<std::string> WithEnv() const;
};

// The container `container` of workload `kind`/`name` among `objects`, run as `binary`:
// args with $(VAR) expanded from the container's env (values and fieldRefs), paths under a
// mountPath moved to that volume's directory, then --kubeconfig (if the pod has one). An error
// names what is missing (a volume without a directory, an env var the kubelet could not fill).
absl::StatusOr<ContainerCommand> CommandOf(const std::vector<nlohmann::json>& objects,
                                           const std::string& kind, const std::string& name,
                                           const std::string& container, const std::string& binary,
                                           const PodFacts& pod);

// The object of `kind`/`name`, or null.
nlohmann::json FindObject(const std::vector<nlohmann::json>& objects, const std::string& kind,
                          const std::string& name);

}  // namespace ironlb::lab

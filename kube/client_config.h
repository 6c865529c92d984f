// Where the API server is and how to authenticate to it, from a kubeconfig file or from the
// service account a pod runs as.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace ironlb::kube {

struct ClientConfig {
  std::string server;  // "https://10.0.0.1:6443"
  std::string ca_pem;  // PEM CA bundle; empty means the system's CAs
  bool insecure_skip_tls_verify = false;
  std::string client_cert_pem;
  std::string client_key_pem;
  std::string token;       // a fixed bearer token
  std::string token_file;  // a bearer token re-read whenever the file changes (rotation)
  std::string default_namespace = "default";
  std::string origin;  // for messages: "kubeconfig /root/.kube/config context admin@lab"
};

// Parses a kubeconfig. `file` names it in messages and anchors relative paths; `context`
// overrides current-context when not empty. Supported: clusters (server,
// certificate-authority[-data], insecure-skip-tls-verify), users (client-certificate[-data],
// client-key[-data], token, tokenFile) and contexts (cluster, user, namespace). Errors name the
// file and field: "kubeconfig k.yaml: users[0].user.client-key-data: not valid base64".
absl::StatusOr<ClientConfig> ParseKubeconfig(absl::string_view text, absl::string_view file,
                                             absl::string_view context);
absl::StatusOr<ClientConfig> LoadKubeconfig(const std::string& path, absl::string_view context);

// Where a pod finds its service account; the defaults are the real locations, tests point
// them at a temporary directory.
struct InClusterEnvironment {
  std::string host;  // KUBERNETES_SERVICE_HOST
  std::string port;  // KUBERNETES_SERVICE_PORT
  std::string token_file = "/var/run/secrets/kubernetes.io/serviceaccount/token";
  std::string ca_file = "/var/run/secrets/kubernetes.io/serviceaccount/ca.crt";
  std::string namespace_file = "/var/run/secrets/kubernetes.io/serviceaccount/namespace";

  // Host and port from the environment, real file locations.
  static InClusterEnvironment FromProcess();
};
absl::StatusOr<ClientConfig> InClusterConfig(const InClusterEnvironment& env);

// Reads a whole file; the error names `what` and the path.
absl::StatusOr<std::string> ReadFileToString(const std::string& path, absl::string_view what);

}  // namespace ironlb::kube

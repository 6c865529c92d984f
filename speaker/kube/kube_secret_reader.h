// BGPPeer passwordSecret in Kubernetes mode: one GET of the Secret per read (the speaker's RBAC
// allows `get` on Secrets of its own namespace, and of MetalLB's with MetalLB's objects; no
// list or watch), the key base64-decoded from `data` (the API server turns `stringData` into
// `data` on write).
#pragma once

#include "kube/client.h"
#include "speaker/bgp/peer_secrets.h"

namespace ironlb::speaker {

class KubeSecretReader : public SecretReader {
 public:
  // `client` outlives the reader; its calls may come from any thread.
  explicit KubeSecretReader(kube::Client* client) : client_(client) {}
  absl::StatusOr<std::string> Read(const config::SecretRef& ref) override;

 private:
  kube::Client* client_;
};

}  // namespace ironlb::speaker

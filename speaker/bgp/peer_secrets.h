// BGPPeer passwordSecret: where a session's TCP MD5 password comes from when it is not written
// in the BGPPeer. A SecretReader fetches one key of one Secret (Kubernetes: the API; standalone:
// a file); ResolvePeerPasswords fills the desired state's passwords from it before the state
// goes to FRR. A peer whose secret cannot be read is left out (with its announcements) and
// named in a problem; every other peer goes on as configured.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "bgp/desired_state.h"
#include "config/types.h"
#include "nlohmann/json.hpp"

namespace ironlb::speaker {

class SecretReader {
 public:
  virtual ~SecretReader() = default;
  // The value of `ref.key` in Secret `ref.namespace_`/`ref.name`. Errors say what is missing.
  virtual absl::StatusOr<std::string> Read(const config::SecretRef& ref) = 0;
};

// Standalone mode: the value is the file DIR/<name>/<key> (the layout of a Kubernetes Secret
// mounted as a volume), without one trailing newline. The namespace is not used.
class DirectorySecretReader : public SecretReader {
 public:
  explicit DirectorySecretReader(std::string dir) : dir_(std::move(dir)) {}
  absl::StatusOr<std::string> Read(const config::SecretRef& ref) override;

 private:
  std::string dir_;
};

// Keeps the last value read of each Secret key and returns it when `inner` fails for a reason
// that says nothing about the Secret (the API unreachable or timing out: kUnavailable,
// kDeadlineExceeded, kUnknown, kInternal), so an API outage never takes a BGP session down.
// A Secret that is gone, lacks the key or may not be read is still an error.
class LastGoodSecretReader : public SecretReader {
 public:
  explicit LastGoodSecretReader(std::shared_ptr<SecretReader> inner) : inner_(std::move(inner)) {}
  absl::StatusOr<std::string> Read(const config::SecretRef& ref) override;

 private:
  std::shared_ptr<SecretReader> inner_;
  std::map<std::string, std::string> last_good_;  // "ns/name/key" -> value
};

struct PeerSecretProblem {
  std::string peer;         // BGPPeer name
  std::string message;      // "BGPPeer \"p\" spec.passwordSecret: ..."
  std::string api_version;  // the BGPPeer's, as written ("" = ironlb.io/v1alpha1)
  std::string namespace_;   // the BGPPeer's ("" = unknown)
  friend bool operator==(const PeerSecretProblem&, const PeerSecretProblem&) = default;
};

// Reads the password of every peer of `state` with a passwordSecret into its `password`. A peer
// whose Secret cannot be read, or whose password FRR would refuse (white space, over 80
// characters), is removed from `state`, its announcements' entries too, and reported.
std::vector<PeerSecretProblem> ResolvePeerPasswords(bgp::DesiredState& state, SecretReader& reader);

// The involvedObject of the Warning Event about `problem`: the BGPPeer as the user wrote it
// (metallb.io or ironlb.io, its own namespace; `default_namespace` when it has none).
nlohmann::json PeerSecretEventObject(const PeerSecretProblem& problem,
                                     const std::string& default_namespace);

// Whether any peer of `state` takes its password from a Secret.
bool UsesPasswordSecrets(const bgp::DesiredState& state);

}  // namespace ironlb::speaker

// What the router plan needs to know of backend health: up or down per backend of a balanced
// PortForward target, as the speaker's health checkers last decided. Keys name the backend by
// its group, target and address, so a configuration reload that keeps a backend keeps its
// state.
#pragma once

#include <string>

#include "absl/strings/str_cat.h"
#include "common/verdict.h"
#include "config/types.h"

namespace ironlb::speaker {

// "web/TCP/443/10.0.0.11:8443" (IPv6 in brackets).
inline std::string BackendKey(const std::string& group, const config::ForwardTarget& t,
                              const config::ForwardBackend& b) {
  return absl::StrCat(group, "/", config::ProtocolName(t.protocol), "/", t.port, "/",
                      b.address.is_v6() ? "[" : "", b.address.ToString(),
                      b.address.is_v6() ? "]" : "", ":", b.port);
}

class BackendHealthView {
 public:
  virtual ~BackendHealthView() = default;
  // False only once the backend's checks have found it down; true before any result (a
  // restarted speaker or a new router does not start with every backend down).
  virtual bool IsUp(const std::string& backend_key) const = 0;
};

// Whether a balanced forward's backend takes new connections now, and why: the decision the
// router plan programs and `ironlbctl explain PortForward/NAME` prints. `health` null: no
// checker (every backend counts as up).
inline Verdict TakesNewConnections(const std::string& backend_key, const config::ForwardBackend& b,
                                   const BackendHealthView* health) {
  if (b.draining) {
    return Verdict::No("draining: it keeps its connections and takes no new ones");
  }
  if (health != nullptr && !health->IsUp(backend_key)) {
    return Verdict::No("down: its health checks fail, so its slots went to the others");
  }
  return Verdict::Yes("up: it takes new connections in proportion to its weight");
}

}  // namespace ironlb::speaker

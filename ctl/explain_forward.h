// `ironlbctl explain PortForward/NAME`: a balanced forward's backends, each with its health (as
// the router's speaker last saw it), whether it takes new connections and why (the decision the
// router plan programs, speaker::TakesNewConnections), and its share of new connections now
// (the router's own slot table, nft::BackendSlotTable).
#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "config/types.h"
#include "proto/ironlb_status.pb.h"

namespace ironlb::ctl {

struct BackendAnswer {
  std::string address;  // "10.0.0.11:8443"
  uint32_t weight = 1;
  bool draining = false;
  std::string health;  // up, down, unchecked; "unknown" without the router's status
  std::string detail;  // the last check's result
  bool takes_new = false;
  std::string why;
  double share_pct = 0;  // of new connections now
};

struct TargetAnswer {
  std::string protocol;  // TCP / UDP
  uint32_t port = 0;
  std::string affinity;       // None / ClientIP
  std::string when_all_down;  // Drop / Reject
  std::string check;          // "TCP every 200ms, timeout 150ms, rise 2, fall 3"
  std::vector<BackendAnswer> backends;
  std::string all_down;  // when no backend takes new connections: what happens to them
};

struct ForwardExplanation {
  std::string group;
  std::string outside;                // addresses and interfaces
  std::vector<TargetAnswer> targets;  // balanced targets only
  std::vector<std::string> notes;
};

// `state`: the router's speaker (null when unreachable: health unknown, taken as up).
absl::StatusOr<ForwardExplanation> ExplainForward(const config::Config& config,
                                                  const std::string& name,
                                                  const status::v1::SpeakerState* state);
void PrintForwardExplanation(const ForwardExplanation& e, std::ostream& out);
void PrintForwardExplanationJson(const ForwardExplanation& e, std::ostream& out);

}  // namespace ironlb::ctl

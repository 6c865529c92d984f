// Which VIPs get their TCP MSS clamped, as a pure function of the configuration and the
// Services: the Service's `ironlb.io/tcp-mss` annotation, else its pool's `tcpMSS`; and the
// explicit targets of PortForward groups that lie in a pool with `tcpMSS`. Every
// speaker programs the clamps of every VIP it may announce, not only those it owns now, so a
// takeover needs no nftables change.
#pragma once

#include <string>
#include <vector>

#include "config/types.h"
#include "nft/desired_state.h"
#include "speaker/assigned_service.h"

namespace ironlb::speaker {

inline constexpr absl::string_view kTcpMssAnnotation = "ironlb.io/tcp-mss";

struct MssPlan {
  std::vector<nft::ClampedVip> clamps;  // sorted by VIP, one per VIP
  // Bad annotations and disagreements between Services sharing a VIP, for the log.
  std::vector<std::string> problems;
};

// When Services sharing a VIP disagree, the smallest fixed value wins over larger ones and over
// "pmtu" (it is safe for all of them), and the disagreement is reported.
MssPlan MssClamps(const config::Config& config, const AssignedServices& services);

}  // namespace ironlb::speaker

// One failover measurement in the lab, for any VipHolder: wait until the preferred owner serves
// the VIP, probe every 10 ms from the client, fail the owner (SIGKILL of its daemon, or its
// link cut, or a graceful stop), wait for the first answer from another host, then bring the
// owner back.
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "test/lab/lab.h"
#include "test/lab/prober.h"
#include "test/lab/vip_holder.h"

namespace ironlb::lab {

// kKill: SIGKILL of the owner's daemon (a crash on a live node); kLinkDown: the owner's cable
// cut; kStop: graceful stop of the owner's daemon (SIGTERM), where users expect no gap.
enum class Failure { kKill, kLinkDown, kStop };
const char* FailureName(Failure f);  // "kill", "linkdown", "stop"

struct TrialOptions {
  uint16_t port = 8080;
  Protocol protocol = Protocol::kTcp;
  absl::Duration settle_timeout = absl::Seconds(20);    // owner serving before the event
  absl::Duration failover_timeout = absl::Seconds(20);  // event to another host answering
  absl::Duration before_event = absl::Milliseconds(200);
  // Plus a uniformly random extra wait in [0, jitter), so failures land at every phase of the
  // holder's advert cycle rather than always at the same offset after a restart.
  absl::Duration jitter = absl::Seconds(1);
};

struct TrialResult {
  std::string old_owner;
  std::string new_owner;
  absl::Duration failover;  // event to the first answer from new_owner
  int failed_requests = 0;  // requests sent from the event until that answer
  // Each of those: when it was sent after the event, what went wrong, how long it took.
  std::string failures;
};

// Waits until `expected` answers `count` consecutive probes of vip:port from the client.
absl::Status WaitForServingHost(const Lab& lab, const std::string& vip, uint16_t port,
                                Protocol protocol, const Host& expected, absl::Duration timeout,
                                int count = 5);

absl::StatusOr<TrialResult> RunFailoverTrial(Lab& lab, VipHolder& holder, Failure failure,
                                             const TrialOptions& options = {});

}  // namespace ironlb::lab

// One failover measurement in the lab, for any VipHolder: wait until the preferred owner serves
// the VIP, probe every 10 ms from the client, fail the owner (SIGKILL of its daemon, or its
// link cut), wait for the first answer from another host, then bring the owner back.
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "test/lab/lab.h"
#include "test/lab/prober.h"
#include "test/lab/vip_holder.h"

namespace ironlb::lab {

enum class Failure { kKill, kLinkDown };
const char* FailureName(Failure f);  // "kill", "linkdown"

struct TrialOptions {
  uint16_t port = 8080;
  Protocol protocol = Protocol::kTcp;
  absl::Duration settle_timeout = absl::Seconds(20);    // owner serving before the event
  absl::Duration failover_timeout = absl::Seconds(20);  // event to another host answering
  absl::Duration before_event = absl::Milliseconds(200);
};

struct TrialResult {
  std::string old_owner;
  std::string new_owner;
  absl::Duration failover;  // event to the first answer from new_owner
  int failed_requests = 0;  // requests sent from the event until that answer
};

// Waits until `expected` answers `count` consecutive probes of vip:port from the client.
absl::Status WaitForServingHost(const Lab& lab, const std::string& vip, uint16_t port,
                                Protocol protocol, const Host& expected, absl::Duration timeout,
                                int count = 5);

absl::StatusOr<TrialResult> RunFailoverTrial(Lab& lab, VipHolder& holder, Failure failure,
                                             const TrialOptions& options = {});

}  // namespace ironlb::lab

// "The thing holding the VIP" in a lab failover measurement: keepalived for the baseline, the
// ironlb speaker in issue 6. One holder instance manages its daemon on every speaker host.
#pragma once

#include <string>

#include "absl/status/status.h"
#include "test/lab/lab.h"

namespace ironlb::lab {

class VipHolder {
 public:
  virtual ~VipHolder() = default;

  // For reports and JSON keys, e.g. "keepalived_1s".
  virtual std::string name() const = 0;
  // The VIP it holds and the backend port that answers on it.
  virtual std::string vip() const = 0;
  // Starts the holder's daemon on `host` (all hosts start before measuring).
  virtual absl::Status Start(const Host& host) = 0;
  // SIGKILL of the daemon on `host`, as a crash: no goodbye.
  virtual void Kill(const Host& host) = 0;
  // Graceful stop of the daemon on `host` (SIGTERM, waits for it to exit).
  virtual absl::Status Stop(const Host& host) = 0;
  // Brings `host` back after Kill/Stop or a link cut, removing whatever a crash left behind
  // (a VIP still on an interface), so the next trial starts from a clean state.
  virtual absl::Status Restore(const Host& host) = 0;
  // The host expected to own the VIP when every host is up (the trials' victim).
  virtual const Host& PreferredOwner() const = 0;
};

}  // namespace ironlb::lab

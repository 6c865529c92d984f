// The bookkeeping every converging loop of ironlb shares (FRR for BGP, the router's FRR pool
// filter, nftables): after each attempt to apply the desired state, how long to wait before
// the next one (jittered exponential backoff after failures, common/backoff.h), a warning only
// when the error is new (not one per retry), one line when it recovers, and an in-sync gauge.
// The loops keep their own threads or timers; this is what they do after each attempt.
#pragma once

#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "common/backoff.h"
#include "common/metrics.h"

namespace ironlb {

class RetryTracker {
 public:
  struct Options {
    std::string failing;    // log message while failing: "BGP: FRR not in sync; retrying"
    std::string recovered;  // log message on recovery: "BGP: FRR in sync again"
    std::string action;     // what the operator should check, with the failure
    BackoffPolicy backoff;
    metrics::Gauge* in_sync = nullptr;  // optional: 1 after a success, 0 after a failure
  };

  explicit RetryTracker(Options options);

  // After a failed attempt: logs it when its message differs from the last one logged, and
  // returns how long to wait before the next attempt (growing with each failure in a row).
  absl::Duration Failed(const absl::Status& error);
  // After a successful attempt: logs the recovery once, and the next failure starts over
  // from the shortest wait.
  void Succeeded();
  // A new desired state arrived: it is tried at once, and a failure waits the shortest time.
  void Reset() { backoff_.Reset(); }

  bool in_sync() const { return in_sync_; }
  int failures_in_a_row() const { return failures_in_a_row_; }

 private:
  Options options_;
  Backoff backoff_;
  std::string last_logged_;  // the failure last logged; empty after a success
  bool in_sync_ = false;
  int failures_in_a_row_ = 0;
};

}  // namespace ironlb

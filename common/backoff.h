// Exponential backoff with jitter, bounded: after a failure wait initial, 2x, 4x ... up to max,
// each stretched by a random factor in [1, 1 + jitter) and never more than max. Jitter keeps a
// fleet of speakers from reconnecting to a restarted API server (or FRR) in lockstep. Every
// retry in ironlb waits through this one.
#pragma once

#include <random>

#include "absl/time/time.h"

namespace ironlb {

struct BackoffPolicy {
  absl::Duration initial = absl::Milliseconds(200);
  absl::Duration max = absl::Seconds(30);
  double multiplier = 2.0;
  double jitter = 0.5;
};

class Backoff {
 public:
  explicit Backoff(BackoffPolicy policy);
  // The next wait; each call grows it.
  absl::Duration Next();
  void Reset() { current_ = absl::ZeroDuration(); }

 private:
  BackoffPolicy policy_;
  absl::Duration current_;
  std::mt19937_64 rng_;
};

}  // namespace ironlb

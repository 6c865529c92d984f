#include "common/backoff.h"

#include <algorithm>

namespace ironlb {

Backoff::Backoff(BackoffPolicy policy)
    : policy_(policy), current_(absl::ZeroDuration()), rng_(std::random_device{}()) {}

absl::Duration Backoff::Next() {
  current_ = current_ == absl::ZeroDuration() ? policy_.initial : current_ * policy_.multiplier;
  current_ = std::min(current_, policy_.max);
  std::uniform_real_distribution<double> factor(1.0, 1.0 + std::max(0.0, policy_.jitter));
  return std::min(current_ * factor(rng_), policy_.max);
}

}  // namespace ironlb

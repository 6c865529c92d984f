// A backend's health from its check results: rise consecutive successes bring it up, fall
// consecutive failures take it down, and the first result of a new backend decides at once.
// Flapping is damped: each time a backend goes down within kFlapWindow of its previous down,
// the successes it needs to come back double (rise, 2×, 4×, up to 8× rise); a backend that
// stays up for kFlapWindow is forgiven. Pure: the caller gives the time.
#pragma once

#include <chrono>
#include <cstdint>

namespace ironlb::health {

class CheckState {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr Clock::duration kFlapWindow = std::chrono::seconds(30);
  static constexpr uint32_t kMaxPenaltyShift = 3;  // at most 8 × rise

  CheckState(uint32_t rise, uint32_t fall) : rise_(rise), fall_(fall) {}

  // Records one result; true when up() changed.
  bool Record(bool ok, Clock::time_point now);

  bool up() const { return up_; }
  bool known() const { return known_; }
  // Successes needed now to come up (rise, more while damped).
  uint32_t rise_needed() const { return rise_ << penalty_; }
  uint32_t transitions() const { return transitions_; }

 private:
  uint32_t rise_;
  uint32_t fall_;
  bool known_ = false;
  bool up_ = true;
  uint32_t successes_ = 0;  // consecutive
  uint32_t failures_ = 0;   // consecutive
  uint32_t penalty_ = 0;
  uint32_t transitions_ = 0;
  Clock::time_point last_down_{};
  Clock::time_point up_since_{};
};

}  // namespace ironlb::health

#include "health/check_state.h"

namespace ironlb::health {

bool CheckState::Record(bool ok, Clock::time_point now) {
  if (ok) {
    ++successes_;
    failures_ = 0;
  } else {
    ++failures_;
    successes_ = 0;
  }
  if (!known_) {
    known_ = true;
    const bool was = up_;
    up_ = ok;
    if (up_) up_since_ = now;
    if (!up_) last_down_ = now;
    return was != up_;
  }
  if (up_) {
    if (penalty_ > 0 && now - up_since_ >= kFlapWindow) penalty_ = 0;  // stable: forgiven
    if (failures_ < fall_) return false;
    up_ = false;
    if (last_down_ != Clock::time_point{} && now - last_down_ < kFlapWindow &&
        penalty_ < kMaxPenaltyShift) {
      ++penalty_;
    }
    last_down_ = now;
    ++transitions_;
    return true;
  }
  if (successes_ < rise_needed()) return false;
  up_ = true;
  up_since_ = now;
  ++transitions_;
  return true;
}

}  // namespace ironlb::health

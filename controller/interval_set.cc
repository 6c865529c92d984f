#include "controller/interval_set.h"

namespace ironlb::controller {

bool IntervalSet::Contains(uint128 v) const {
  auto it = intervals_.upper_bound(v);
  if (it == intervals_.begin()) return false;
  --it;
  return v <= it->second;
}

bool IntervalSet::Insert(uint128 v) {
  auto next = intervals_.upper_bound(v);
  auto prev = next;
  bool has_prev = false;
  if (prev != intervals_.begin()) {
    --prev;
    has_prev = true;
    if (v <= prev->second) return false;
  }
  const bool joins_prev = has_prev && prev->second + 1 == v;
  const bool joins_next = next != intervals_.end() && v + 1 == next->first;
  if (joins_prev && joins_next) {
    prev->second = next->second;
    intervals_.erase(next);
  } else if (joins_prev) {
    prev->second = v;
  } else if (joins_next) {
    const uint128 last = next->second;
    intervals_.erase(next);
    intervals_.emplace(v, last);
  } else {
    intervals_.emplace_hint(next, v, v);
  }
  return true;
}

bool IntervalSet::Erase(uint128 v) {
  auto it = intervals_.upper_bound(v);
  if (it == intervals_.begin()) return false;
  --it;
  if (v > it->second) return false;
  const uint128 first = it->first;
  const uint128 last = it->second;
  if (first == v && last == v) {
    intervals_.erase(it);
  } else if (first == v) {
    intervals_.erase(it);
    intervals_.emplace(v + 1, last);
  } else if (last == v) {
    it->second = v - 1;
  } else {
    it->second = v - 1;
    intervals_.emplace(v + 1, last);
  }
  return true;
}

std::optional<uint128> IntervalSet::FirstAbsent(uint128 lo, uint128 hi) const {
  if (lo > hi) return std::nullopt;
  auto it = intervals_.upper_bound(lo);
  if (it == intervals_.begin()) return lo;
  --it;
  if (lo > it->second) return lo;
  // lo is inside an interval; intervals never touch, so the number after it is absent.
  if (it->second >= hi) return std::nullopt;
  return it->second + 1;
}

}  // namespace ironlb::controller

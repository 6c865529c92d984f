#include "controller/dirty_queue.h"

#include <chrono>

#include "absl/time/clock.h"

namespace ironlb::controller {

void DirtyQueue::Mark(const std::string& key) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    ready_.insert(key);
  }
  cv_.notify_one();
}

void DirtyQueue::MarkAfter(const std::string& key, absl::Duration delay) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    later_.emplace(absl::Now() + delay, key);
  }
  cv_.notify_one();
}

void DirtyQueue::PromoteDueLocked(absl::Time now) {
  while (!later_.empty() && later_.begin()->first <= now) {
    ready_.insert(later_.begin()->second);
    later_.erase(later_.begin());
  }
}

std::vector<std::string> DirtyQueue::Take(absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    const absl::Time now = absl::Now();
    PromoteDueLocked(now);
    if (!ready_.empty() || woken_ || now >= deadline) break;
    absl::Time until = deadline;
    if (!later_.empty()) until = std::min(until, later_.begin()->first);
    cv_.wait_for(lock, absl::ToChronoNanoseconds(until - now));
  }
  woken_ = false;
  std::vector<std::string> out(ready_.begin(), ready_.end());
  ready_.clear();
  return out;
}

void DirtyQueue::Wake() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    woken_ = true;
  }
  cv_.notify_all();
}

void DirtyQueue::Clear() {
  std::lock_guard<std::mutex> lock(mu_);
  ready_.clear();
  later_.clear();
}

size_t DirtyQueue::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return ready_.size() + later_.size();
}

}  // namespace ironlb::controller

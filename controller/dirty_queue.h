// The keys of objects that changed and need another look, as a set: a key marked twice before
// the worker takes it is handled once. Keys may also be marked for later (a retry after a
// failed write). Thread-safe: informer threads mark, the controller's worker takes.
#pragma once

#include <condition_variable>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "absl/time/time.h"

namespace ironlb::controller {

class DirtyQueue {
 public:
  void Mark(const std::string& key);
  // Marks `key` once `delay` has passed (an earlier Mark of the key is not delayed).
  void MarkAfter(const std::string& key, absl::Duration delay);
  // Waits up to `timeout` for marked keys and takes them all, sorted. Empty on timeout or
  // after Wake().
  std::vector<std::string> Take(absl::Duration timeout);
  // Makes a waiting Take() return now.
  void Wake();
  void Clear();
  size_t size() const;

 private:
  void PromoteDueLocked(absl::Time now);

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::set<std::string> ready_;
  std::multimap<absl::Time, std::string> later_;
  bool woken_ = false;
};

}  // namespace ironlb::controller

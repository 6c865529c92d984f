// The configuration a daemon acts on. A new configuration replaces the current one only when
// it has no errors; otherwise the last good one stays in force and the errors are kept for
// logs, metrics and Events.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "config/loader.h"

namespace ironlb::config {

class ConfigStore {
 public:
  // Returns true when `result` was applied.
  bool Offer(LoadResult result);

  // nullptr until a first good configuration arrives.
  std::shared_ptr<const LoadResult> current() const;
  // How many configurations have been applied so far.
  int64_t generation() const;
  // The errors of the last rejected load, or empty when the last load was applied.
  std::vector<Diagnostic> last_errors() const;

 private:
  mutable std::mutex mu_;
  std::shared_ptr<const LoadResult> current_;
  int64_t generation_ = 0;
  std::vector<Diagnostic> last_errors_;
};

}  // namespace ironlb::config

#include "config/config_store.h"

namespace ironlb::config {

bool ConfigStore::Offer(LoadResult result) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!result.ok()) {
    last_errors_.clear();
    for (const Diagnostic& d : result.diagnostics) {
      if (d.is_error()) last_errors_.push_back(d);
    }
    return false;
  }
  last_errors_.clear();
  current_ = std::make_shared<const LoadResult>(std::move(result));
  ++generation_;
  return true;
}

std::shared_ptr<const LoadResult> ConfigStore::current() const {
  std::lock_guard<std::mutex> lock(mu_);
  return current_;
}

int64_t ConfigStore::generation() const {
  std::lock_guard<std::mutex> lock(mu_);
  return generation_;
}

std::vector<Diagnostic> ConfigStore::last_errors() const {
  std::lock_guard<std::mutex> lock(mu_);
  return last_errors_;
}

}  // namespace ironlb::config

#include "common/retry_tracker.h"

#include <utility>

#include "common/log.h"

namespace ironlb {

RetryTracker::RetryTracker(Options options)
    : options_(std::move(options)), backoff_(options_.backoff) {
  if (options_.in_sync != nullptr) options_.in_sync->Set(0);
}

absl::Duration RetryTracker::Failed(const absl::Status& error) {
  const absl::Duration wait = backoff_.Next();
  ++failures_in_a_row_;
  in_sync_ = false;
  if (options_.in_sync != nullptr) options_.in_sync->Set(0);
  std::string message(error.message());
  if (message.empty()) message = error.ToString();
  if (message != last_logged_) {
    IRONLB_LOG(kWarn, options_.failing)
        .With("error", error)
        .With("retry_in", absl::FormatDuration(wait))
        .With("action", options_.action);
    last_logged_ = std::move(message);
  }
  return wait;
}

void RetryTracker::Succeeded() {
  if (!last_logged_.empty()) {
    IRONLB_LOG(kInfo, options_.recovered);
  }
  last_logged_.clear();
  backoff_.Reset();
  failures_in_a_row_ = 0;
  in_sync_ = true;
  if (options_.in_sync != nullptr) options_.in_sync->Set(1);
}

}  // namespace ironlb

#include "test/lab/failover.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"

namespace ironlb::lab {

absl::StatusOr<absl::Duration> FailoverTime(const std::vector<ProbeResult>& results,
                                            absl::Time event, const std::string& old_host) {
  bool found = false;
  absl::Time first = absl::InfiniteFuture();
  for (const ProbeResult& r : results) {
    if (!r.ok || r.host == old_host || r.done < event) continue;
    first = std::min(first, r.done);
    found = true;
  }
  if (!found) {
    return absl::NotFoundError(
        absl::StrCat("failover: no answer from a host other than \"", old_host, "\" after event"));
  }
  return first - event;
}

int FailedBetween(const std::vector<ProbeResult>& results, absl::Time from, absl::Time to) {
  return static_cast<int>(std::count_if(results.begin(), results.end(), [&](const ProbeResult& r) {
    return !r.ok && r.sent >= from && r.sent < to;
  }));
}

Summary Summarize(std::vector<double> samples) {
  Summary s;
  s.count = static_cast<int>(samples.size());
  if (samples.empty()) return s;
  std::sort(samples.begin(), samples.end());
  const size_t n = samples.size();
  s.median = n % 2 == 1 ? samples[n / 2] : (samples[n / 2 - 1] + samples[n / 2]) / 2;
  const size_t rank = static_cast<size_t>(std::ceil(0.95 * static_cast<double>(n)));
  s.p95 = samples[std::max<size_t>(rank, 1) - 1];
  s.max = samples.back();
  return s;
}

}  // namespace ironlb::lab

// Failover arithmetic over Prober results, as issue 6 defines it: from an event (the owner's
// death, its link cut) to the first successful response served by a different host.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "test/lab/prober.h"

namespace ironlb::lab {

// Time from `event` to the earliest successful answer, completed after `event`, from a host
// other than `old_host`. NotFound when there is none.
absl::StatusOr<absl::Duration> FailoverTime(const std::vector<ProbeResult>& results,
                                            absl::Time event, const std::string& old_host);

// Requests sent in [from, to) that failed.
int FailedBetween(const std::vector<ProbeResult>& results, absl::Time from, absl::Time to);

struct Summary {
  int count = 0;
  double median = 0;
  double p95 = 0;  // nearest rank
  double max = 0;
};

Summary Summarize(std::vector<double> samples);

}  // namespace ironlb::lab

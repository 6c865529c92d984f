#include "test/lab/failover_trial.h"

#include <random>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/status_macros.h"
#include "test/lab/failover.h"

namespace ironlb::lab {

const char* FailureName(Failure f) {
  switch (f) {
    case Failure::kKill:
      return "kill";
    case Failure::kLinkDown:
      return "linkdown";
    case Failure::kStop:
      return "stop";
  }
  return "?";
}

absl::Status WaitForServingHost(const Lab& lab, const std::string& vip, uint16_t port,
                                Protocol protocol, const Host& expected, absl::Duration timeout,
                                int count) {
  const absl::Time deadline = absl::Now() + timeout;
  int in_a_row = 0;
  std::string last;
  while (absl::Now() < deadline) {
    auto who = ProbeOnce(lab.client().netns, vip, port, protocol, absl::Milliseconds(200));
    last = who.ok() ? *who : who.status().ToString();
    in_a_row = (who.ok() && *who == expected.name) ? in_a_row + 1 : 0;
    if (in_a_row >= count) return absl::OkStatus();
    absl::SleepFor(absl::Milliseconds(20));
  }
  return absl::DeadlineExceededError(absl::StrCat("lab: ", vip, ":", port, " not served by ",
                                                  expected.name, " within ",
                                                  absl::FormatDuration(timeout), "; last: ", last));
}

absl::StatusOr<TrialResult> RunFailoverTrial(Lab& lab, VipHolder& holder, Failure failure,
                                             const TrialOptions& options) {
  const Host& owner = holder.PreferredOwner();
  IRONLB_RETURN_IF_ERROR(WaitForServingHost(lab, holder.vip(), options.port, options.protocol,
                                            owner, options.settle_timeout));
  ProbeOptions probe{.vip = holder.vip(), .port = options.port, .protocol = options.protocol};
  probe.max_duration =
      options.before_event + options.jitter + options.failover_timeout + absl::Seconds(1);
  IRONLB_ASSIGN_OR_RETURN(auto prober, Prober::Start(lab.client().netns, probe));
  absl::Duration wait = options.before_event;
  if (options.jitter > absl::ZeroDuration()) {
    static std::mt19937_64 rng(std::random_device{}());
    std::uniform_int_distribution<int64_t> extra(0, absl::ToInt64Microseconds(options.jitter) - 1);
    wait += absl::Microseconds(extra(rng));
  }
  absl::SleepFor(wait);

  // The event's time is taken just before the failure is caused, so the figure includes the
  // few milliseconds the failure itself takes to happen (ip link set for a link cut).
  const absl::Time event = absl::Now();
  absl::Status caused;
  switch (failure) {
    case Failure::kKill:
      holder.Kill(owner);
      break;
    case Failure::kLinkDown:
      caused = lab.CutLink(owner);
      break;
    case Failure::kStop:
      caused = holder.Stop(owner);
      break;
  }
  if (!caused.ok()) {
    (void)holder.Restore(owner);
    return caused;
  }
  auto answer = prober->WaitForAnswerFrom(event, owner.name, options.failover_timeout);
  prober->Stop();
  absl::Status restored = holder.Restore(owner);
  if (!answer.ok()) return answer.status();
  IRONLB_RETURN_IF_ERROR(restored);

  const std::vector<ProbeResult> results = prober->Results();
  TrialResult trial;
  trial.old_owner = owner.name;
  trial.new_owner = answer->host;
  IRONLB_ASSIGN_OR_RETURN(trial.failover, FailoverTime(results, event, owner.name));
  trial.failed_requests = FailedBetween(results, event, event + trial.failover);
  for (const ProbeResult& r : results) {
    if (r.ok || r.sent < event || r.sent >= event + trial.failover) continue;
    absl::StrAppendFormat(&trial.failures, "sent at +%.1f ms: %s after %.1f ms; ",
                          absl::ToDoubleMilliseconds(r.sent - event), r.error,
                          absl::ToDoubleMilliseconds(r.latency()));
  }
  return trial;
}

}  // namespace ironlb::lab

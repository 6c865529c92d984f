#include "test/lab/failover_trial.h"

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "test/lab/failover.h"

namespace ironlb::lab {

const char* FailureName(Failure f) { return f == Failure::kKill ? "kill" : "linkdown"; }

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
  probe.max_duration = options.before_event + options.failover_timeout + absl::Seconds(1);
  IRONLB_ASSIGN_OR_RETURN(auto prober, Prober::Start(lab.client().netns, probe));
  absl::SleepFor(options.before_event);

  // The event's time is taken just before the failure is caused, so the figure includes the
  // few milliseconds the failure itself takes to happen (ip link set for a link cut).
  const absl::Time event = absl::Now();
  if (failure == Failure::kKill) {
    holder.Kill(owner);
  } else {
    IRONLB_RETURN_IF_ERROR(lab.CutLink(owner));
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
  return trial;
}

}  // namespace ironlb::lab

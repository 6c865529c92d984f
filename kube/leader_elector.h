// Leader election on a coordination.k8s.io/v1 Lease, with client-go's rules: the holder renews
// spec.renewTime every retry period; a candidate takes the Lease over only when it has seen the
// same record unchanged for leaseDurationSeconds (measured on its own clock, so clock skew
// between nodes does not matter); every write is a PUT guarded by the Lease's resourceVersion,
// so two candidates can never both win. A leader that cannot renew within the renew deadline
// stops leading before its Lease can expire for the others.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "kube/client.h"
#include "nlohmann/json.hpp"

namespace ironlb::kube {

struct LeaderElectionConfig {
  std::string lease_namespace;
  std::string lease_name;
  std::string identity;  // holderIdentity; unique per candidate (pod name)
  absl::Duration lease_duration = absl::Seconds(15);
  absl::Duration renew_deadline = absl::Seconds(10);
  absl::Duration retry_period = absl::Seconds(2);
  // On Stop(), a leader hands the Lease back (empty holder) so a successor need not wait.
  bool release_on_stop = true;
  std::function<void()> on_started_leading;
  std::function<void()> on_stopped_leading;
  std::function<void(const std::string& identity)> on_new_leader;  // holder seen changing
};

class LeaderElector {
 public:
  // Checks the durations: lease_duration > renew_deadline > retry_period > 0.
  static absl::StatusOr<std::unique_ptr<LeaderElector>> Create(Client* client,
                                                               LeaderElectionConfig config);
  ~LeaderElector();
  LeaderElector(const LeaderElector&) = delete;
  LeaderElector& operator=(const LeaderElector&) = delete;

  void Start();
  // Stops campaigning; a leader stops leading (on_stopped_leading runs) and, with
  // release_on_stop, releases the Lease.
  void Stop();
  bool IsLeader() const { return leading_.load(); }
  std::string ObservedLeader() const;

 private:
  enum class Attempt { kHeld, kHeldByOther, kFailed };
  LeaderElector(Client* client, LeaderElectionConfig config);
  void Run();
  Attempt TryAcquireOrRenew();
  void Release();
  bool SleepUnlessStopped(absl::Duration d);
  nlohmann::json LeaseObject(const nlohmann::json& spec) const;

  Client* client_;
  LeaderElectionConfig config_;
  std::atomic<bool> leading_{false};
  std::atomic<bool> stopping_{false};
  std::thread thread_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  // The last Lease record seen and when (local clock) it last changed.
  std::string observed_holder_;
  std::string observed_record_;
  absl::Time observed_time_ = absl::InfinitePast();
  nlohmann::json last_lease_;  // as last read or written (for Release)
};

}  // namespace ironlb::kube

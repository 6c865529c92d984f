#include "kube/leader_elector.h"

#include <random>

#include "absl/strings/str_cat.h"
#include "common/log.h"
#include "kube/api_error.h"
#include "kube/kube_time.h"
#include "kube/resource.h"
#include "kube/watch_event.h"

namespace ironlb::kube {

using nlohmann::json;

absl::StatusOr<std::unique_ptr<LeaderElector>> LeaderElector::Create(Client* client,
                                                                     LeaderElectionConfig config) {
  if (config.lease_name.empty() || config.lease_namespace.empty()) {
    return absl::InvalidArgumentError("leader election: lease namespace and name must be set");
  }
  if (config.identity.empty()) {
    return absl::InvalidArgumentError("leader election: identity must be set");
  }
  if (config.retry_period <= absl::ZeroDuration() || config.renew_deadline <= config.retry_period ||
      config.lease_duration <= config.renew_deadline) {
    return absl::InvalidArgumentError(
        "leader election: need lease duration > renew deadline > retry period > 0");
  }
  if (config.lease_duration < absl::Seconds(1)) {
    return absl::InvalidArgumentError(
        "leader election: lease duration must be at least 1s (leaseDurationSeconds)");
  }
  return std::unique_ptr<LeaderElector>(new LeaderElector(client, std::move(config)));
}

LeaderElector::LeaderElector(Client* client, LeaderElectionConfig config)
    : client_(client), config_(std::move(config)) {}

LeaderElector::~LeaderElector() { Stop(); }

void LeaderElector::Start() {
  if (thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::thread([this] { Run(); });
}

void LeaderElector::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

std::string LeaderElector::ObservedLeader() const {
  std::lock_guard<std::mutex> lock(mu_);
  return observed_holder_;
}

bool LeaderElector::SleepUnlessStopped(absl::Duration d) {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait_for(lock, absl::ToChronoNanoseconds(d), [this] { return stopping_.load(); });
  return !stopping_;
}

json LeaderElector::LeaseObject(const json& spec) const {
  return json{{"apiVersion", "coordination.k8s.io/v1"},
              {"kind", "Lease"},
              {"metadata", {{"name", config_.lease_name}, {"namespace", config_.lease_namespace}}},
              {"spec", spec}};
}

void LeaderElector::Run() {
  std::mt19937_64 rng{std::random_device{}()};
  absl::Time last_renew = absl::InfinitePast();
  while (!stopping_) {
    const Attempt attempt = TryAcquireOrRenew();
    const absl::Time now = absl::Now();
    if (attempt == Attempt::kHeld) {
      last_renew = now;
      if (!leading_) {
        leading_ = true;
        IRONLB_LOG(kInfo, "leader election: started leading")
            .With("lease", absl::StrCat(config_.lease_namespace, "/", config_.lease_name))
            .With("identity", config_.identity);
        if (config_.on_started_leading) config_.on_started_leading();
      }
    } else if (leading_ &&
               (attempt == Attempt::kHeldByOther || now - last_renew > config_.renew_deadline)) {
      leading_ = false;
      IRONLB_LOG(kWarn, "leader election: stopped leading")
          .With("lease", absl::StrCat(config_.lease_namespace, "/", config_.lease_name))
          .With("identity", config_.identity);
      if (config_.on_stopped_leading) config_.on_stopped_leading();
    }
    // Candidates spread their attempts (client-go's jitter factor 1.2); the leader renews on
    // time.
    absl::Duration wait = config_.retry_period;
    if (!leading_) wait += wait * std::uniform_real_distribution<double>(0, 0.2)(rng);
    if (!SleepUnlessStopped(wait)) break;
  }
  if (leading_) {
    if (config_.release_on_stop) Release();
    leading_ = false;
    if (config_.on_stopped_leading) config_.on_stopped_leading();
  }
}

LeaderElector::Attempt LeaderElector::TryAcquireOrRenew() {
  const Resource leases = Resource::Leases();
  const absl::Time now = absl::Now();
  const int64_t duration_s = absl::ToInt64Seconds(config_.lease_duration);
  json spec = {{"holderIdentity", config_.identity},
               {"leaseDurationSeconds", duration_s},
               {"acquireTime", FormatApiMicroTime(now)},
               {"renewTime", FormatApiMicroTime(now)},
               {"leaseTransitions", 0}};

  absl::StatusOr<json> lease = client_->Get(leases, config_.lease_namespace, config_.lease_name);
  if (!lease.ok() && lease.status().code() == absl::StatusCode::kNotFound) {
    absl::StatusOr<json> created = client_->Create(leases, LeaseObject(spec));
    if (!created.ok()) return Attempt::kFailed;  // someone else created it first, or an error
    std::lock_guard<std::mutex> lock(mu_);
    observed_holder_ = config_.identity;
    observed_record_ = (*created)["spec"].dump();
    observed_time_ = now;
    last_lease_ = *created;
    return Attempt::kHeld;
  }
  if (!lease.ok()) {
    IRONLB_LOG(kWarn, "leader election: cannot read lease").With("error", lease.status());
    return Attempt::kFailed;
  }
  const json old_spec =
      lease->contains("spec") && (*lease)["spec"].is_object() ? (*lease)["spec"] : json::object();
  const std::string holder = old_spec.value("holderIdentity", "");
  int64_t holder_duration_s = duration_s;
  if (const auto it = old_spec.find("leaseDurationSeconds");
      it != old_spec.end() && it->is_number_integer() && it->get<int64_t>() > 0) {
    holder_duration_s = it->get<int64_t>();
  }
  bool held_by_other = false;
  bool new_leader = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    // Our own writes are not news; another's record changing restarts its expiry clock.
    const std::string record = old_spec.dump();
    if (record != observed_record_) {
      new_leader = holder != observed_holder_;
      observed_record_ = record;
      observed_holder_ = holder;
      observed_time_ = now;
    }
    held_by_other = !holder.empty() && holder != config_.identity &&
                    observed_time_ + absl::Seconds(holder_duration_s) > now;
  }
  if (new_leader && config_.on_new_leader) config_.on_new_leader(holder);
  if (held_by_other) return Attempt::kHeldByOther;
  int64_t transitions = 0;
  if (const auto it = old_spec.find("leaseTransitions");
      it != old_spec.end() && it->is_number_integer()) {
    transitions = it->get<int64_t>();
  }
  if (holder == config_.identity) {
    if (old_spec.contains("acquireTime")) spec["acquireTime"] = old_spec["acquireTime"];
    spec["leaseTransitions"] = transitions;
  } else {
    spec["leaseTransitions"] = transitions + 1;
  }
  json update = *lease;
  update["spec"] = spec;
  absl::StatusOr<json> written = client_->Replace(leases, update);
  if (!written.ok()) {
    // A 409 means another candidate wrote first; it will show in the next read.
    if (!IsConflict(written.status())) {
      IRONLB_LOG(kWarn, "leader election: cannot write lease").With("error", written.status());
    }
    return Attempt::kFailed;
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    observed_holder_ = config_.identity;
    observed_record_ = (*written)["spec"].dump();
    observed_time_ = now;
    last_lease_ = *written;
  }
  if (holder != config_.identity && config_.on_new_leader) config_.on_new_leader(config_.identity);
  return Attempt::kHeld;
}

void LeaderElector::Release() {
  json lease;
  {
    std::lock_guard<std::mutex> lock(mu_);
    lease = last_lease_;
  }
  if (!lease.is_object()) return;
  const absl::Time now = absl::Now();
  lease["spec"]["holderIdentity"] = "";
  lease["spec"]["leaseDurationSeconds"] = 1;
  lease["spec"]["renewTime"] = FormatApiMicroTime(now);
  lease["spec"]["acquireTime"] = FormatApiMicroTime(now);
  if (absl::StatusOr<json> written = client_->Replace(Resource::Leases(), lease); !written.ok()) {
    IRONLB_LOG(kWarn, "leader election: cannot release lease").With("error", written.status());
  }
}

}  // namespace ironlb::kube

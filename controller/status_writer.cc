#include "controller/status_writer.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/log.h"
#include "controller/service.h"
#include "controller/service_status.h"
#include "kube/api_error.h"

namespace ironlb::controller {

using nlohmann::json;

StatusWriter::StatusWriter(kube::Client* client, kube::EventRecorder* recorder, Hooks hooks,
                           int threads)
    : client_(client), recorder_(recorder), hooks_(std::move(hooks)) {
  for (int i = 0; i < std::max(1, threads); ++i) threads_.emplace_back([this] { Run(); });
}

StatusWriter::~StatusWriter() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  for (std::thread& t : threads_) t.join();
}

void StatusWriter::Merge(StatusTask& into, StatusTask task) {
  std::vector<ServiceEvent> events = std::move(into.events);
  events.insert(events.end(), std::make_move_iterator(task.events.begin()),
                std::make_move_iterator(task.events.end()));
  into = std::move(task);
  into.events = std::move(events);
}

void StatusWriter::Submit(StatusTask task) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    const std::string key = task.key;
    if (running_.count(key) > 0) {
      auto [it, added] = after_.try_emplace(key);
      if (added) {
        it->second = std::move(task);
      } else {
        Merge(it->second, std::move(task));
      }
      return;
    }
    auto [it, added] = queued_.try_emplace(key);
    if (added) {
      it->second = std::move(task);
      order_.push_back(key);
    } else {
      Merge(it->second, std::move(task));
    }
  }
  cv_.notify_one();
}

void StatusWriter::Drop() {
  std::lock_guard<std::mutex> lock(mu_);
  order_.clear();
  queued_.clear();
  after_.clear();
}

bool StatusWriter::Idle() const {
  std::lock_guard<std::mutex> lock(mu_);
  return queued_.empty() && running_.empty() && after_.empty();
}

void StatusWriter::Run() {
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    cv_.wait(lock, [this] { return stopping_ || !order_.empty(); });
    if (stopping_) return;
    const std::string key = order_.front();
    order_.pop_front();
    auto it = queued_.find(key);
    if (it == queued_.end()) continue;
    StatusTask task = std::move(it->second);
    queued_.erase(it);
    running_.insert(key);
    lock.unlock();
    const absl::Status done = Execute(task);
    if (!done.ok()) {
      IRONLB_LOG(kWarn, done.code() == absl::StatusCode::kPermissionDenied
                            ? "cannot write the Service's load-balancer status: the controller's "
                              "RBAC does not allow it (see the error); will retry"
                            : "cannot write the Service's load-balancer status; will retry")
          .With("service", key)
          .With("error", done);
      if (hooks_.on_failure) hooks_.on_failure(key, done);
    }
    lock.lock();
    running_.erase(key);
    if (auto next = after_.find(key); next != after_.end()) {
      queued_[key] = std::move(next->second);
      after_.erase(next);
      order_.push_back(key);
      cv_.notify_one();
    }
  }
}

absl::Status StatusWriter::WriteStatus(const std::string& ns, const std::string& name,
                                       const json& cached, const Allocation& allocation) {
  const ServiceChange change = ChangeFor(cached, allocation);
  if (change.ingress) {
    // The cached object is usually current: one PUT. When it is not (409), read and retry.
    json updated = cached;
    SetIngress(updated, *change.ingress);
    absl::StatusOr<json> written = client_->ReplaceStatus(kube::Resource::Services(), updated);
    if (!written.ok() && kube::IsConflict(written.status())) {
      written = client_->UpdateStatus(kube::Resource::Services(), ns, name,
                                      [&allocation](json& service) -> absl::StatusOr<bool> {
                                        const ServiceChange now = ChangeFor(service, allocation);
                                        if (!now.ingress) return false;
                                        SetIngress(service, *now.ingress);
                                        return true;
                                      });
    }
    if (!written.ok()) {
      if (written.status().code() == absl::StatusCode::kNotFound) return absl::OkStatus();
      if (hooks_.on_api_error) hooks_.on_api_error("status");
      return written.status();
    }
  }
  if (change.pool_annotation) {
    absl::StatusOr<json> patched =
        client_->PatchAnnotations(kube::Resource::Services(), ns, name,
                                  {{kAllocatedFromPoolAnnotation, *change.pool_annotation}});
    if (!patched.ok()) {
      if (patched.status().code() == absl::StatusCode::kNotFound) return absl::OkStatus();
      if (hooks_.on_api_error) hooks_.on_api_error("annotation");
      return patched.status();
    }
  }
  return absl::OkStatus();
}

absl::Status StatusWriter::Execute(const StatusTask& task) {
  const std::pair<std::string, std::string> ns_name = absl::StrSplit(task.key, '/');
  kube::ObjectPtr cached = hooks_.lookup ? hooks_.lookup(task.key) : nullptr;
  absl::Status written;
  if (task.write && cached != nullptr) {
    written = WriteStatus(ns_name.first, ns_name.second, *cached, task.allocation);
  }
  // The Events tell what was decided, so they go out even when the write is to be retried.
  const kube::ObjectPtr involved = cached != nullptr ? cached : task.last_known;
  if (involved == nullptr) return written;
  std::vector<ServiceEvent> events = task.events;
  if (written.code() == absl::StatusCode::kPermissionDenied) {
    // RBAC is missing a verb: say which, on the Service the user is looking at (repeats are
    // aggregated by the recorder).
    events.push_back(
        {kube::EventRecorder::Type::kWarning, "StatusWriteForbidden",
         absl::StrCat("the controller may not write this Service: ", written.message(),
                      "; grant it in the controller's RBAC (ClusterRole "
                      "ironlb-controller, packaging/kubernetes/rbac-controller.yaml)")});
  }
  for (const ServiceEvent& e : events) {
    absl::StatusOr<json> recorded = recorder_->Record(*involved, e.type, e.reason, e.message);
    if (!recorded.ok()) {
      // An Event lost is not worth redoing the writes for: log it and go on.
      if (hooks_.on_api_error) hooks_.on_api_error("event");
      IRONLB_LOG(kWarn, "cannot record an Event")
          .With("service", task.key)
          .With("reason", e.reason)
          .With("error", recorded.status());
    }
  }
  return written;
}

}  // namespace ironlb::controller

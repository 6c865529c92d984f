#include "speaker/kube/announcement_publisher.h"

#include <chrono>
#include <set>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/log.h"
#include "common/status_macros.h"
#include "kube/api_error.h"
#include "speaker/kube/announcement_plan.h"

namespace ironlb::speaker {
namespace {

using nlohmann::json;

// The parts of an object this node decides; what the API adds (uid, resourceVersion, ...) is
// not a difference.
json Owned(const json& object) {
  json out = json::object();
  for (const char* k : {"spec"}) {
    if (object.contains(k)) out[k] = object[k];
  }
  const json& meta = object.contains("metadata") ? object["metadata"] : json::object();
  for (const char* k : {"labels", "ownerReferences"}) {
    if (meta.contains(k)) out["metadata"][k] = meta[k];
  }
  return out;
}

std::string KeyOf(const json& object) {
  return absl::StrCat(kube::NamespaceOf(object), "/", kube::NameOf(object));
}

}  // namespace

AnnouncementPublisher::AnnouncementPublisher(kube::Client* client, std::string node,
                                             kube::BackoffPolicy backoff)
    : client_(client), node_(std::move(node)), backoff_(backoff) {
  thread_ = std::thread([this] { Run(); });
}

AnnouncementPublisher::~AnnouncementPublisher() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void AnnouncementPublisher::SetDesired(std::map<std::string, json> desired) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (desired == desired_) return;
    desired_ = std::move(desired);
    ++generation_;
  }
  cv_.notify_all();
}

AnnouncementPublisher::Stats AnnouncementPublisher::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stats_;
}

bool AnnouncementPublisher::converged() const {
  std::lock_guard<std::mutex> lock(mu_);
  return applied_generation_ == generation_;
}

void AnnouncementPublisher::WithdrawAll(absl::Duration timeout) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  // The worker has stopped: its state is ours now.
  const absl::Time deadline = absl::Now() + timeout;
  if (!loaded_) (void)LoadExisting();
  std::vector<std::string> keys;
  for (const auto& [key, object] : written_) keys.push_back(key);
  for (const std::string& key : keys) {
    if (absl::Now() >= deadline) break;
    if (absl::Status st = Forget(key); !st.ok()) {
      IRONLB_LOG(kWarn, "cannot delete a ServiceAnnouncement at stop").With("error", st);
    }
  }
}

absl::Status AnnouncementPublisher::LoadExisting() {
  // This node's label value, and the one an older speaker wrote for a node name too long for a
  // label (LegacyFitName): objects found under it are replaced (same name) or deleted (a name
  // that was shortened with the old hash) by the first reconcile.
  std::set<std::string> labels = {FitName(node_, 63), LegacyFitName(node_, 63)};
  std::map<std::string, json> found;
  for (const std::string& label : labels) {
    kube::ListOptions options{.label_selector = absl::StrCat(kAnnouncementNodeLabel, "=", label)};
    do {
      IRONLB_ASSIGN_OR_RETURN(kube::ListPage page,
                              client_->List(ServiceAnnouncements(), "", options));
      for (json& item : page.items) {
        const std::string key = KeyOf(item);
        found[key] = Owned(item);
      }
      options.continue_token = page.continue_token;
    } while (!options.continue_token.empty());
  }
  written_ = std::move(found);
  loaded_ = true;
  return absl::OkStatus();
}

absl::Status AnnouncementPublisher::RetireOtherOwners(const json& mine) {
  const json& spec = mine["spec"];
  if (spec.value("mode", "") != "layer2") return absl::OkStatus();
  std::set<std::string> addresses;
  for (const json& a : spec.value("addresses", json::array())) {
    if (a.is_string()) addresses.insert(a.get<std::string>());
  }
  kube::ListOptions options{
      .label_selector = absl::StrCat(kAnnouncementServiceLabel, "=", spec.value("service", ""))};
  IRONLB_ASSIGN_OR_RETURN(kube::ListPage page,
                          client_->List(ServiceAnnouncements(), kube::NamespaceOf(mine), options));
  for (const json& other : page.items) {
    const json& o = other.value("spec", json::object());
    if (o.value("node", "") == node_ || o.value("mode", "") != "layer2") continue;
    bool all_mine = true;
    for (const json& a : o.value("addresses", json::array())) {
      all_mine = all_mine && a.is_string() && addresses.count(a.get<std::string>()) > 0;
    }
    if (!all_mine) continue;
    // One node answers for a VIP: another node's claim of it is stale (that node died without
    // withdrawing, or lost it while the API was unreachable).
    absl::Status st =
        client_->Delete(ServiceAnnouncements(), kube::NamespaceOf(other), kube::NameOf(other));
    if (!st.ok() && st.code() != absl::StatusCode::kNotFound) return st;
    IRONLB_LOG(kInfo, "removed another node's stale ServiceAnnouncement")
        .With("object", KeyOf(other))
        .With("node", o.value("node", ""));
  }
  return absl::OkStatus();
}

absl::Status AnnouncementPublisher::Upsert(const json& object) {
  auto created = client_->Create(ServiceAnnouncements(), object);
  if (created.ok() || created.status().code() != absl::StatusCode::kAlreadyExists) {
    return created.status();
  }
  IRONLB_ASSIGN_OR_RETURN(
      json current,
      client_->Get(ServiceAnnouncements(), kube::NamespaceOf(object), kube::NameOf(object)));
  json replacement = object;
  replacement["metadata"]["resourceVersion"] = current["metadata"]["resourceVersion"];
  return client_->Replace(ServiceAnnouncements(), replacement).status();
}

absl::Status AnnouncementPublisher::Forget(const std::string& key) {
  const size_t slash = key.find('/');
  absl::Status st =
      client_->Delete(ServiceAnnouncements(), key.substr(0, slash), key.substr(slash + 1));
  if (!st.ok() && st.code() != absl::StatusCode::kNotFound) return st;
  written_.erase(key);
  std::lock_guard<std::mutex> lock(mu_);
  ++stats_.writes;
  return absl::OkStatus();
}

bool AnnouncementPublisher::ReconcileOnce(const std::map<std::string, json>& desired) {
  bool ok = true;
  auto note = [&](const absl::Status& st, const std::string& key) {
    std::lock_guard<std::mutex> lock(mu_);
    if (st.ok()) {
      ++stats_.writes;
      return;
    }
    ++stats_.failures;
    ok = false;
    IRONLB_LOG(kWarn, "cannot write a ServiceAnnouncement; will retry")
        .With("object", key)
        .With("error", st);
  };
  if (!loaded_) {
    if (absl::Status st = LoadExisting(); !st.ok()) {
      note(st, "(list)");
      return false;
    }
  }
  for (const auto& [key, object] : desired) {
    const json owned = Owned(object);
    auto it = written_.find(key);
    if (it != written_.end() && it->second == owned) continue;
    absl::Status st = Upsert(object);
    if (st.ok()) {
      written_[key] = owned;
      st = RetireOtherOwners(object);
    }
    note(st, key);
  }
  std::vector<std::string> stale;
  for (const auto& [key, object] : written_) {
    if (desired.count(key) == 0) stale.push_back(key);
  }
  for (const std::string& key : stale) {
    absl::Status st = Forget(key);
    if (!st.ok()) note(st, key);
  }
  return ok;
}

void AnnouncementPublisher::Run() {
  int64_t seen = -1;
  absl::Duration retry_in = absl::ZeroDuration();
  while (true) {
    std::map<std::string, json> desired;
    int64_t generation;
    {
      std::unique_lock<std::mutex> lock(mu_);
      auto ready = [&] { return stopping_ || generation_ != seen; };
      if (retry_in > absl::ZeroDuration()) {
        cv_.wait_for(lock, absl::ToChronoMilliseconds(retry_in), [&] { return stopping_; });
      } else {
        cv_.wait(lock, ready);
      }
      if (stopping_) return;
      desired = desired_;
      generation = generation_;
    }
    const bool ok = ReconcileOnce(desired);
    seen = generation;
    if (ok) {
      backoff_.Reset();
      retry_in = absl::ZeroDuration();
      std::lock_guard<std::mutex> lock(mu_);
      applied_generation_ = generation;
    } else {
      retry_in = backoff_.Next();
    }
  }
}

}  // namespace ironlb::speaker

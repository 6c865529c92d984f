#include "controller/cluster_cache.h"

#include "absl/strings/str_cat.h"
#include "controller/config_resources.h"
#include "controller/service_fields.h"
#include "kube/watch_event.h"

namespace ironlb::controller {

kube::InformerHandlers ClusterCache::MarkingHandlers(const std::string& prefix, bool services) {
  auto key_of = [prefix](const kube::ObjectPtr& o) {
    return prefix == kConfigKey ? std::string(kConfigKey)
                                : absl::StrCat(prefix, kube::ObjectKey(*o));
  };
  kube::InformerHandlers h;
  h.on_add = [this, key_of, services](const kube::ObjectPtr& o) {
    if (services) {
      std::lock_guard<std::mutex> lock(mu_);
      deleted_.erase(kube::ObjectKey(*o));
    }
    queue_->Mark(key_of(o));
  };
  h.on_update = [this, key_of](const kube::ObjectPtr&, const kube::ObjectPtr& o) {
    queue_->Mark(key_of(o));
  };
  h.on_delete = [this, key_of, services](const kube::ObjectPtr& o) {
    if (services) {
      std::lock_guard<std::mutex> lock(mu_);
      deleted_[kube::ObjectKey(*o)] = o;
    }
    queue_->Mark(key_of(o));
  };
  return h;
}

ClusterCache::ClusterCache(kube::Client* client, DirtyQueue* queue, Options options)
    : queue_(queue) {
  services_ =
      std::make_unique<kube::Informer>(client,
                                       kube::InformerOptions{.resource = kube::Resource::Services(),
                                                             .watch_timeout = options.watch_timeout,
                                                             .transform = KeepServiceFields},
                                       MarkingHandlers(kServicePrefix, true));
  namespaces_ = std::make_unique<kube::Informer>(
      client,
      kube::InformerOptions{.resource = kube::Resource::Namespaces(),
                            .watch_timeout = options.watch_timeout},
      MarkingHandlers(kNamespacePrefix, false));
  for (const kube::Resource& r : ConfigResources()) {
    config_.push_back(std::make_unique<kube::Informer>(
        client,
        kube::InformerOptions{
            .resource = r, .ns = options.config_namespace, .watch_timeout = options.watch_timeout},
        MarkingHandlers(kConfigKey, false)));
  }
  if (!options.metallb_namespace.empty()) {
    for (const kube::Resource& r : MetalLBConfigResources()) {
      config_.push_back(std::make_unique<kube::Informer>(
          client,
          kube::InformerOptions{.resource = r,
                                .ns = options.metallb_namespace,
                                .watch_timeout = options.watch_timeout,
                                .absent_is_empty = true},
          MarkingHandlers(kConfigKey, false)));
    }
    if (!options.metallb_config_map.empty()) {
      config_.push_back(std::make_unique<kube::Informer>(
          client,
          kube::InformerOptions{
              .resource = ConfigMapResource(),
              .ns = options.metallb_namespace,
              .field_selector = absl::StrCat("metadata.name=", options.metallb_config_map),
              .watch_timeout = options.watch_timeout,
              .absent_is_empty = true},
          MarkingHandlers(kConfigKey, false)));
    }
  }
}

ClusterCache::~ClusterCache() { Stop(); }

void ClusterCache::Start() {
  services_->Start();
  namespaces_->Start();
  for (auto& i : config_) i->Start();
}

void ClusterCache::Stop() {
  services_->Stop();
  namespaces_->Stop();
  for (auto& i : config_) i->Stop();
}

bool ClusterCache::Synced() const {
  if (!services_->HasSynced() || !namespaces_->HasSynced()) return false;
  for (const auto& i : config_) {
    if (!i->HasSynced()) return false;
  }
  return true;
}

bool ClusterCache::WaitForSync(absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  if (!services_->WaitForSync(deadline - absl::Now())) return false;
  if (!namespaces_->WaitForSync(deadline - absl::Now())) return false;
  for (auto& i : config_) {
    if (!i->WaitForSync(deadline - absl::Now())) return false;
  }
  return true;
}

std::vector<kube::ObjectPtr> ClusterCache::ConfigObjects() const {
  std::vector<kube::ObjectPtr> out;
  for (const auto& i : config_) {
    std::vector<kube::ObjectPtr> some = i->store().List();
    out.insert(out.end(), some.begin(), some.end());
  }
  return out;
}

kube::ObjectPtr ClusterCache::TakeDeleted(const std::string& key) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = deleted_.find(key);
  if (it == deleted_.end()) return nullptr;
  kube::ObjectPtr out = it->second;
  deleted_.erase(it);
  return out;
}

void ClusterCache::ForgetDeleted() {
  std::lock_guard<std::mutex> lock(mu_);
  deleted_.clear();
}

int64_t ClusterCache::WatchFailures() const {
  int64_t n = services_->stats().failures + namespaces_->stats().failures;
  for (const auto& i : config_) n += i->stats().failures;
  return n;
}

}  // namespace ironlb::controller

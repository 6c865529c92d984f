#include "controller/allocator.h"

#include <algorithm>
#include <utility>

#include "controller/placement.h"

namespace ironlb::controller {
namespace {

const Labels kNoLabels;

std::vector<IpAddress> Minus(const std::vector<IpAddress>& a, const std::vector<IpAddress>& b) {
  std::vector<IpAddress> out;
  for (const IpAddress& ip : a) {
    if (std::find(b.begin(), b.end(), ip) == b.end()) out.push_back(ip);
  }
  return out;
}

}  // namespace

Allocator::Allocator(std::optional<std::string> lb_class, AddressChoice choice)
    : lb_class_(std::move(lb_class)), choice_(choice) {}

const Labels& Allocator::NamespaceLabels(const std::string& ns) const {
  auto it = namespaces_.find(ns);
  return it == namespaces_.end() ? kNoLabels : it->second;
}

Allocator::Entry& Allocator::Store(const Service& service) {
  auto it = entries_.try_emplace(service.Key()).first;
  Entry& e = it->second;
  e.service = WithNormalizedPorts(service);
  e.intent = IntentOf(e.service, lb_class_);
  e.holder = Holder{&e.service, &it->first, &e.intent.sharing_key};
  return e;
}

void Allocator::Release(Entry& e) {
  if (!e.decided) return;
  for (const IpAddress& ip : e.allocation.addresses) usage_.Remove(ip, &e.holder);
}

void Allocator::Commit(Entry& e, const std::vector<IpAddress>& addresses, PoolIndex pool) {
  for (const IpAddress& ip : addresses) usage_.Add(ip, pool, &e.holder);
  e.allocation.status = AllocationStatus::kAssigned;
  e.allocation.addresses = addresses;
  e.allocation.pool = catalog_.name(pool);
  e.allocation.reason.clear();
}

bool Allocator::TryKeep(Entry& e, const std::vector<IpAddress>& held, std::string* why) {
  e.allocation.released.clear();
  e.allocation.release_reason.clear();
  if (!e.intent.served) {
    e.allocation.status = AllocationStatus::kIgnored;
    e.allocation.addresses.clear();
    e.allocation.pool.clear();
    e.allocation.reason = e.intent.not_served_reason;
    if (!held.empty()) {
      e.allocation.released = held;
      e.allocation.release_reason = e.intent.not_served_reason;
    }
    return true;
  }
  const Placement placement(catalog_, usage_, NamespaceLabels(e.service.namespace_), e.intent,
                            e.holder, choice_);
  Choice kept = placement.Keep(held);
  if (kept.placed) {
    Commit(e, kept.placed->addresses, kept.placed->pool);
    return true;
  }
  *why = std::move(kept.reason);
  return false;
}

void Allocator::Place(Entry& e, const std::vector<IpAddress>& held, const std::string& why) {
  const Placement placement(catalog_, usage_, NamespaceLabels(e.service.namespace_), e.intent,
                            e.holder, choice_);
  Choice chosen = placement.Choose();
  if (chosen.placed) {
    Commit(e, chosen.placed->addresses, chosen.placed->pool);
  } else {
    e.allocation.status = AllocationStatus::kPending;
    e.allocation.addresses.clear();
    e.allocation.pool.clear();
    e.allocation.reason = std::move(chosen.reason);
  }
  e.allocation.released = Minus(held, e.allocation.addresses);
  e.allocation.release_reason = e.allocation.released.empty() ? "" : why;
}

void Allocator::Finish(Entry& e, const Allocation& before) {
  e.decided = true;
  const std::string& key = *e.holder.key;
  if (!before.SameOutcome(e.allocation)) changed_.insert(key);
  if (e.allocation.status == AllocationStatus::kPending) {
    pending_.insert(key);
  } else {
    pending_.erase(key);
  }
}

std::vector<IpAddress> Allocator::Held(const Entry& e) {
  if (e.decided && e.allocation.status == AllocationStatus::kAssigned) {
    return e.allocation.addresses;
  }
  return e.service.current;
}

const Allocation& Allocator::Upsert(const Service& service) {
  const std::string key = service.Key();
  auto it = entries_.find(key);
  std::vector<IpAddress> held = service.current;
  Allocation before;
  std::optional<Service> old_spec;
  if (it != entries_.end()) {
    old_spec = it->second.service;
    before = it->second.allocation;
    if (it->second.decided && before.status == AllocationStatus::kAssigned) {
      held = before.addresses;
    }
    Release(it->second);
  }
  Entry& e = Store(service);
  std::string why;
  if (!TryKeep(e, held, &why)) Place(e, held, why);
  Finish(e, before);
  // Released addresses, or a changed Service (fewer ports, another sharing key or policy),
  // may make room for a pending Service.
  if (!pending_.empty() &&
      (!e.allocation.released.empty() || (old_spec && !(*old_spec == e.service)))) {
    RetryPending();
  }
  return e.allocation;
}

void Allocator::UpsertAll(const std::vector<Service>& services) {
  for (const Service& s : services) Store(s);
  ReconcileAll();
}

void Allocator::Delete(const std::string& key) {
  auto it = entries_.find(key);
  if (it == entries_.end()) return;
  Release(it->second);
  const bool freed = !it->second.allocation.addresses.empty();
  entries_.erase(it);
  pending_.erase(key);
  changed_.insert(key);
  if (freed) RetryPending();
}

void Allocator::SetConfig(const config::Config& config) {
  catalog_ = PoolCatalog(config.pools);
  ReconcileAll();
}

void Allocator::SetNamespaceLabels(const std::string& ns, Labels labels) {
  auto it = namespaces_.find(ns);
  if (it != namespaces_.end() && it->second == labels) return;
  namespaces_[ns] = std::move(labels);
  ReconcileAll();
}

void Allocator::ReconcileAll() {
  usage_ = IpUsage(catalog_.size());
  pending_.clear();
  struct Unplaced {
    Entry* entry;
    std::vector<IpAddress> held;
    std::string why;
    Allocation before;
  };
  std::vector<Unplaced> unplaced;
  // First every valid holding, in name order, so that no new placement can take an address
  // a Service already holds; then Services asking for exact addresses, so that an automatic
  // choice never takes an address somebody asked for; then everyone else; each in name order.
  for (auto it = entries_.begin(); it != entries_.end(); ++it) {
    Entry& e = it->second;
    std::vector<IpAddress> held = Held(e);
    Allocation before = e.allocation;
    std::string why;
    if (TryKeep(e, held, &why)) {
      Finish(e, before);
    } else {
      unplaced.push_back({&e, std::move(held), std::move(why), std::move(before)});
    }
  }
  std::stable_partition(unplaced.begin(), unplaced.end(),
                        [](const Unplaced& u) { return !u.entry->intent.requested.empty(); });
  for (Unplaced& u : unplaced) {
    Place(*u.entry, u.held, u.why);
    Finish(*u.entry, u.before);
  }
}

void Allocator::RetryPending() {
  const std::vector<std::string> keys(pending_.begin(), pending_.end());
  for (const std::string& key : keys) {
    Entry& e = entries_.at(key);
    const Allocation before = e.allocation;
    const std::vector<IpAddress> held = Held(e);
    std::string why;
    if (!TryKeep(e, held, &why)) Place(e, held, why);
    Finish(e, before);
  }
}

const Allocation* Allocator::Find(const std::string& key) const {
  auto it = entries_.find(key);
  return it == entries_.end() ? nullptr : &it->second.allocation;
}

const Service* Allocator::FindService(const std::string& key) const {
  auto it = entries_.find(key);
  return it == entries_.end() ? nullptr : &it->second.service;
}

std::vector<std::string> Allocator::SharedWith(const std::string& key) const {
  std::vector<std::string> out;
  auto it = entries_.find(key);
  if (it == entries_.end()) return out;
  for (const IpAddress& ip : it->second.allocation.addresses) {
    for (const Holder* h : usage_.HoldersOf(ip)) {
      if (*h->key != key) out.push_back(*h->key);
    }
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

std::vector<PoolStats> Allocator::Stats() const {
  std::vector<PoolStats> out;
  for (PoolIndex i = 0; i < catalog_.size(); ++i) {
    out.push_back({catalog_.name(i), catalog_.Capacity(i, IpFamily::kV4),
                   usage_.InUse(i, IpFamily::kV4), catalog_.Capacity(i, IpFamily::kV6),
                   usage_.InUse(i, IpFamily::kV6)});
  }
  return out;
}

std::vector<std::string> Allocator::TakeChanged() {
  std::vector<std::string> out(changed_.begin(), changed_.end());
  changed_.clear();
  return out;
}

}  // namespace ironlb::controller

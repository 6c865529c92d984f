// The allocation engine: holds the pools, namespace labels and Services, and keeps every
// Service's LoadBalancer IPs decided. Pure: no I/O, no clocks, no randomness.
//
// Rules of stability: an address a Service holds (from the engine's decision, or else from its
// status.loadBalancer.ingress) is kept as long as it is valid
// for that Service; otherwise it is released and the Service placed again, with the reason
// recorded. Batch operations (SetConfig, SetNamespaceLabels, UpsertAll) first keep every valid
// holding in Service name order, then place the rest in name order, so their result does not
// depend on the order Services arrived in.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "config/types.h"
#include "controller/allocation.h"
#include "controller/ip_usage.h"
#include "controller/placement.h"
#include "controller/pool_catalog.h"
#include "controller/service.h"
#include "controller/service_intent.h"

namespace ironlb::controller {

class Allocator {
 public:
  // `lb_class`: the spec.loadBalancerClass ironlb serves; nullopt serves Services without one.
  explicit Allocator(std::optional<std::string> lb_class = std::nullopt,
                     AddressChoice choice = AddressChoice::kLowestFree);

  // Replaces the pools and re-decides every Service (valid holdings stay).
  void SetConfig(const config::Config& config);
  // Replaces one namespace's labels (they drive serviceAllocation.namespaceSelectors).
  void SetNamespaceLabels(const std::string& ns, Labels labels);

  // Adds or updates a Service and decides it; freed addresses go to pending Services.
  const Allocation& Upsert(const Service& service);
  // Adds or updates many Services as one batch. A controller feeds its initial listing
  // through here, so that every Service's status is known before anything new is placed.
  void UpsertAll(const std::vector<Service>& services);
  void Delete(const std::string& key);

  const Allocation* Find(const std::string& key) const;
  // The Service as last given to Upsert/UpsertAll (nullptr when unknown).
  const Service* FindService(const std::string& key) const;
  // Other Services holding any of this Service's addresses, sorted.
  std::vector<std::string> SharedWith(const std::string& key) const;
  std::vector<PoolStats> Stats() const;
  size_t service_count() const { return entries_.size(); }

  // Keys of Services whose outcome changed since the last call, sorted; deleted Services are
  // included (Find returns nullptr for them).
  std::vector<std::string> TakeChanged();

 private:
  struct Entry {
    Service service;
    ServiceIntent intent;
    Holder holder;
    Allocation allocation;
    bool decided = false;  // false until the engine first decided it
  };

  // The addresses a Service holds: the engine's while it has assigned some, else those of
  // its status (the engine's own earlier writes, or what a restart found).
  static std::vector<IpAddress> Held(const Entry& e);
  Entry& Store(const Service& service);
  void Release(Entry& e);
  void Commit(Entry& e, const std::vector<IpAddress>& addresses, PoolIndex pool);
  // Keeps `held` when valid; returns false (and the reason) when not.
  bool TryKeep(Entry& e, const std::vector<IpAddress>& held, std::string* why);
  void Place(Entry& e, const std::vector<IpAddress>& held, const std::string& why);
  void Finish(Entry& e, const Allocation& before);
  void ReconcileAll();
  void RetryPending();
  const Labels& NamespaceLabels(const std::string& ns) const;

  std::optional<std::string> lb_class_;
  AddressChoice choice_;
  PoolCatalog catalog_;
  std::map<std::string, Labels> namespaces_;
  std::map<std::string, Entry> entries_;  // by "namespace/name": the batch order
  IpUsage usage_;
  std::set<std::string> pending_;
  std::set<std::string> changed_;
};

}  // namespace ironlb::controller

#include "controller/ip_usage.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace ironlb::controller {
namespace {

absl::string_view PolicyName(TrafficPolicy p) {
  return p == TrafficPolicy::kLocal ? "Local" : "Cluster";
}

// Why `a` may not share with `b` on `ip`, or nullopt.
std::optional<std::string> PairConflict(const Holder& a, const Holder& b, const std::string& ip,
                                        const std::string& pool_name, bool across_namespaces) {
  if ((*a.sharing_key).empty()) {
    return absl::StrCat(ip, " is used by ", (*b.key), " and this service has no sharing key");
  }
  if ((*b.sharing_key).empty()) {
    return absl::StrCat(ip, " is used by ", (*b.key), ", which has no sharing key");
  }
  if ((*a.sharing_key) != (*b.sharing_key)) {
    return absl::StrCat(ip, " is used by ", (*b.key), " with sharing key \"", (*b.sharing_key),
                        "\", not \"", (*a.sharing_key), "\"");
  }
  const Service& sa = *a.service;
  const Service& sb = *b.service;
  if (sa.namespace_ != sb.namespace_ && !across_namespaces) {
    return absl::StrCat(ip, " is used by ", (*b.key), " in another namespace, and pool \"",
                        pool_name, "\" sets restrictSharingToNamespace");
  }
  if (sa.traffic_policy != sb.traffic_policy) {
    return absl::StrCat(ip, " is used by ", (*b.key), " with externalTrafficPolicy ",
                        PolicyName(sb.traffic_policy), ", this service has ",
                        PolicyName(sa.traffic_policy));
  }
  if (sa.traffic_policy == TrafficPolicy::kLocal && sa.selector != sb.selector) {
    return absl::StrCat(ip, " is used by ", (*b.key),
                        " with externalTrafficPolicy Local and a different selector");
  }
  // Both port lists are sorted: walk them together.
  auto i = sa.ports.begin();
  auto j = sb.ports.begin();
  while (i != sa.ports.end() && j != sb.ports.end()) {
    if (*i < *j) {
      ++i;
    } else if (*j < *i) {
      ++j;
    } else {
      return absl::StrCat("port ", PortProtocolName(i->protocol), "/", i->port, " already used on ",
                          ip, " by ", (*b.key));
    }
  }
  return std::nullopt;
}

const std::vector<const Holder*> kNoHolders;

}  // namespace

std::optional<std::string> IpUsage::ConflictFor(const Holder& h, const IpAddress& ip,
                                                const std::string& pool_name,
                                                bool across_namespaces) const {
  auto it = slots_.find(ip);
  if (it == slots_.end()) return std::nullopt;
  const std::string text = ip.ToString();
  for (const Holder* other : it->second.holders) {
    if (other == &h) continue;
    if (auto c = PairConflict(h, *other, text, pool_name, across_namespaces)) return c;
  }
  return std::nullopt;
}

void IpUsage::Add(const IpAddress& ip, PoolIndex pool, const Holder* h) {
  Slot& slot = slots_[ip];
  if (slot.holders.empty()) {
    slot.pool = pool;
    (ip.is_v4() ? used_v4_ : used_v6_).Insert(ip.value());
    if (pool < in_use_.size()) ++in_use_[pool][ip.is_v4() ? 0 : 1];
  }
  slot.holders.push_back(h);
  if (!(*h->sharing_key).empty()) shared_[{slot.pool, (*h->sharing_key)}].insert(ip);
}

void IpUsage::Remove(const IpAddress& ip, const Holder* h) {
  auto it = slots_.find(ip);
  if (it == slots_.end()) return;
  Slot& slot = it->second;
  auto pos = std::find(slot.holders.begin(), slot.holders.end(), h);
  if (pos == slot.holders.end()) return;
  slot.holders.erase(pos);
  if (!(*h->sharing_key).empty()) {
    const bool key_still_used =
        std::any_of(slot.holders.begin(), slot.holders.end(),
                    [&](const Holder* o) { return (*o->sharing_key) == (*h->sharing_key); });
    if (!key_still_used) {
      auto sit = shared_.find({slot.pool, (*h->sharing_key)});
      if (sit != shared_.end()) {
        sit->second.erase(ip);
        if (sit->second.empty()) shared_.erase(sit);
      }
    }
  }
  if (slot.holders.empty()) {
    (ip.is_v4() ? used_v4_ : used_v6_).Erase(ip.value());
    if (slot.pool < in_use_.size()) --in_use_[slot.pool][ip.is_v4() ? 0 : 1];
    slots_.erase(it);
  }
}

const std::vector<const Holder*>& IpUsage::HoldersOf(const IpAddress& ip) const {
  auto it = slots_.find(ip);
  return it == slots_.end() ? kNoHolders : it->second.holders;
}

const std::set<IpAddress>* IpUsage::SharedIps(PoolIndex pool, const std::string& key) const {
  auto it = shared_.find({pool, key});
  return it == shared_.end() ? nullptr : &it->second;
}

}  // namespace ironlb::controller

#include "controller/pool_catalog.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "config/selector_text.h"

namespace ironlb::controller {
namespace {

bool Buggy(uint128 v) {
  const unsigned last = static_cast<unsigned>(v & 0xff);
  return last == 0 || last == 255;
}

// Numbers in [0, n] whose last byte is 0 or 255.
uint128 BuggyUpTo(uint128 n) { return (n / 256) * 2 + 1 + ((n & 0xff) == 255 ? 1 : 0); }

}  // namespace

PoolCatalog::PoolCatalog(const std::vector<config::AddressPool>& pools) : pools_(pools) {
  std::sort(pools_.begin(), pools_.end(),
            [](const auto& a, const auto& b) { return a.meta.name < b.meta.name; });
  for (PoolIndex i = 0; i < pools_.size(); ++i) {
    auto& ranges = pools_[i].ranges;
    std::sort(ranges.begin(), ranges.end(),
              [](const IpRange& a, const IpRange& b) { return a.first() < b.first(); });
    for (const IpRange& r : ranges) {
      (r.family() == IpFamily::kV4 ? owned_v4_ : owned_v6_)
          .push_back({r.first().value(), r.last().value(), i});
    }
  }
  for (auto* owned : {&owned_v4_, &owned_v6_}) {
    std::stable_sort(owned->begin(), owned->end(),
                     [](const Owned& a, const Owned& b) { return a.first < b.first; });
  }
}

std::optional<PoolIndex> PoolCatalog::Find(absl::string_view name) const {
  auto it = std::lower_bound(pools_.begin(), pools_.end(), name,
                             [](const auto& p, absl::string_view n) { return p.meta.name < n; });
  if (it == pools_.end() || it->meta.name != name) return std::nullopt;
  return static_cast<PoolIndex>(it - pools_.begin());
}

std::optional<PoolIndex> PoolCatalog::PoolOf(const IpAddress& ip) const {
  const auto& owned = ip.is_v4() ? owned_v4_ : owned_v6_;
  const uint128 v = ip.value();
  // Ranges of a valid configuration do not overlap, so the last range starting at or before
  // `v` is the only candidate.
  auto it = std::upper_bound(owned.begin(), owned.end(), v,
                             [](uint128 x, const Owned& o) { return x < o.first; });
  if (it == owned.begin()) return std::nullopt;
  --it;
  if (v <= it->last) return it->pool;
  return std::nullopt;
}

bool PoolCatalog::HasFamily(PoolIndex i, IpFamily f) const {
  for (const IpRange& r : pools_[i].ranges) {
    if (r.family() == f) return true;
  }
  return false;
}

bool PoolCatalog::IsAvoided(PoolIndex i, const IpAddress& ip) const {
  return pools_[i].avoid_buggy_ips && ip.is_v4() && Buggy(ip.value());
}

Verdict PoolCatalog::Admission(PoolIndex i, const Service& s,
                               const Labels& namespace_labels) const {
  const auto& sa = pools_[i].service_allocation;
  if (!sa) {
    return Verdict::Yes(
        "no serviceAllocation: serves every Service, tried after the pools whose "
        "serviceAllocation matches");
  }
  if (!sa->namespaces.empty() || !sa->namespace_selectors.empty()) {
    const bool by_name = std::find(sa->namespaces.begin(), sa->namespaces.end(), s.namespace_) !=
                         sa->namespaces.end();
    const bool by_labels = std::any_of(
        sa->namespace_selectors.begin(), sa->namespace_selectors.end(),
        [&](const config::LabelSelector& sel) { return sel.Matches(namespace_labels); });
    if (!by_name && !by_labels) {
      std::vector<std::string> ways;
      if (!sa->namespaces.empty()) {
        ways.push_back(absl::StrCat(
            "namespaces ", absl::StrJoin(sa->namespaces, ", ", [](std::string* o, const auto& n) {
              absl::StrAppend(o, "\"", n, "\"");
            })));
      }
      for (const auto& sel : sa->namespace_selectors) {
        ways.push_back(absl::StrCat("namespaces labelled ", config::DescribeSelector(sel)));
      }
      return Verdict::No(absl::StrCat("does not serve namespace \"", s.namespace_,
                                      "\" (serviceAllocation serves only ",
                                      absl::StrJoin(ways, " or "), ")"));
    }
  }
  if (!config::AnyMatches(sa->service_selectors, s.labels)) {
    return Verdict::No(
        absl::StrCat("serves only services matching its serviceAllocation.serviceSelectors (",
                     config::DescribeSelectors(sa->service_selectors),
                     "), not the Service's labels (", config::DescribeLabels(s.labels), ")"));
  }
  return Verdict::Yes(sa->priority
                          ? absl::StrCat("serviceAllocation matches, priority ", *sa->priority)
                          : "serviceAllocation matches (no priority: after the prioritised pools)");
}

std::vector<PoolIndex> PoolCatalog::AutoAssignOrder(const Service& s,
                                                    const Labels& namespace_labels) const {
  std::vector<PoolIndex> with_sa;
  std::vector<PoolIndex> without_sa;
  for (PoolIndex i = 0; i < pools_.size(); ++i) {
    if (!pools_[i].auto_assign) continue;
    if (!pools_[i].service_allocation) {
      without_sa.push_back(i);
    } else if (Admits(i, s, namespace_labels)) {
      with_sa.push_back(i);
    }
  }
  // Pools are already in name order, so a stable sort by priority breaks ties by name.
  std::stable_sort(with_sa.begin(), with_sa.end(), [&](PoolIndex a, PoolIndex b) {
    const auto& pa = pools_[a].service_allocation->priority;
    const auto& pb = pools_[b].service_allocation->priority;
    if (pa.has_value() != pb.has_value()) return pa.has_value();
    return pa.has_value() && *pa < *pb;
  });
  with_sa.insert(with_sa.end(), without_sa.begin(), without_sa.end());
  return with_sa;
}

namespace {

// The lowest free (and, with `avoid`, not buggy) address in [lo, hi].
std::optional<IpAddress> FreeIn(IpFamily f, uint128 lo, uint128 hi, const IntervalSet& used,
                                bool avoid) {
  while (true) {
    std::optional<uint128> v = used.FirstAbsent(lo, hi);
    if (!v) return std::nullopt;
    if (!avoid || !Buggy(*v)) return IpAddress::FromValue(f, *v);
    if (*v == hi) return std::nullopt;
    lo = *v + 1;  // at most two steps: .255 then .0
  }
}

}  // namespace

std::optional<IpAddress> PoolCatalog::FirstFree(PoolIndex i, IpFamily f,
                                                const IntervalSet& used) const {
  const bool avoid = pools_[i].avoid_buggy_ips && f == IpFamily::kV4;
  for (const IpRange& r : pools_[i].ranges) {
    if (r.family() != f) continue;
    if (auto a = FreeIn(f, r.first().value(), r.last().value(), used, avoid)) return a;
  }
  return std::nullopt;
}

std::optional<IpAddress> PoolCatalog::FreeFrom(PoolIndex i, IpFamily f, const IntervalSet& used,
                                               uint64_t seed) const {
  const bool avoid = pools_[i].avoid_buggy_ips && f == IpFamily::kV4;
  std::vector<const IpRange*> ranges;
  uint128 total = 0;
  bool overflow = false;
  for (const IpRange& r : pools_[i].ranges) {
    if (r.family() != f) continue;
    ranges.push_back(&r);
    const uint128 n = r.Size();
    overflow = overflow || n == 0 || total + n < total;  // ::/0 has 2^128 addresses
    total += n;
  }
  if (ranges.empty()) return std::nullopt;
  uint128 offset = overflow ? uint128{seed} : uint128{seed} % total;
  size_t k = 0;
  while (k + 1 < ranges.size() && ranges[k]->Size() != 0 && offset >= ranges[k]->Size()) {
    offset -= ranges[k]->Size();
    ++k;
  }
  const uint128 start = ranges[k]->first().value() + offset;
  if (auto a = FreeIn(f, start, ranges[k]->last().value(), used, avoid)) return a;
  for (size_t j = 1; j < ranges.size(); ++j) {
    const IpRange* r = ranges[(k + j) % ranges.size()];
    if (auto a = FreeIn(f, r->first().value(), r->last().value(), used, avoid)) return a;
  }
  if (start > ranges[k]->first().value()) {
    return FreeIn(f, ranges[k]->first().value(), start - 1, used, avoid);
  }
  return std::nullopt;
}

uint128 PoolCatalog::Capacity(PoolIndex i, IpFamily f) const {
  const bool avoid = pools_[i].avoid_buggy_ips && f == IpFamily::kV4;
  uint128 total = 0;
  for (const IpRange& r : pools_[i].ranges) {
    if (r.family() != f) continue;
    uint128 n = r.Size();
    if (avoid) {
      const uint128 lo = r.first().value();
      const uint128 hi = r.last().value();
      n -= BuggyUpTo(hi) - (lo == 0 ? 0 : BuggyUpTo(lo - 1));
    }
    total += n;
  }
  return total;
}

}  // namespace ironlb::controller

#include "controller/placement.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/ip_list.h"
#include "common/stable_hash.h"

namespace ironlb::controller {
namespace {

IpFamily Other(IpFamily f) { return f == IpFamily::kV4 ? IpFamily::kV6 : IpFamily::kV4; }

Choice Fail(std::string reason) { return Choice{std::nullopt, std::move(reason)}; }

}  // namespace

std::string Placement::NotAdmitted(PoolIndex pool) const {
  return absl::StrCat("pool \"", catalog_.name(pool), "\" ",
                      catalog_.Admission(pool, service_, namespace_labels_).reason);
}

std::optional<std::string> Placement::WhyNotIn(PoolIndex pool, const IpAddress& ip) const {
  if (!catalog_.Admits(pool, service_, namespace_labels_)) return NotAdmitted(pool);
  if (catalog_.IsAvoided(pool, ip)) {
    return absl::StrCat(ip.ToString(), " ends in .0 or .255, which pool \"", catalog_.name(pool),
                        "\" avoids (avoidBuggyIPs)");
  }
  const auto& p = catalog_.pool(pool);
  return usage_.ConflictFor(holder_, ip, p.meta.name, p.allow_sharing_across_namespaces);
}

std::optional<std::string> Placement::WrongFamilies(const std::vector<IpAddress>& addrs) const {
  if (addrs.size() > 2 || (addrs.size() == 2 && addrs[0].family() == addrs[1].family())) {
    return absl::StrCat(JoinIps(addrs), " holds more than one address of a family");
  }
  for (const IpAddress& ip : addrs) {
    if (!intent_.families.empty() && std::find(intent_.families.begin(), intent_.families.end(),
                                               ip.family()) == intent_.families.end()) {
      return absl::StrCat(ip.ToString(), " is ", IpFamilyName(ip.family()),
                          " but spec.ipFamilies does not include it");
    }
  }
  switch (intent_.policy) {
    case FamilyPolicy::kSingleStack:
      if (addrs.size() != 1) return "ipFamilyPolicy SingleStack takes a single address";
      if (!intent_.families.empty() && addrs[0].family() != intent_.families[0]) {
        return absl::StrCat("ipFamilyPolicy SingleStack takes an ",
                            IpFamilyName(intent_.families[0]), " address");
      }
      break;
    case FamilyPolicy::kPreferDualStack:
      if (addrs.size() == 1 && !intent_.families.empty() &&
          addrs[0].family() != intent_.families[0]) {
        return absl::StrCat("ipFamilyPolicy PreferDualStack takes an ",
                            IpFamilyName(intent_.families[0]), " address first");
      }
      break;
    case FamilyPolicy::kRequireDualStack:
      if (addrs.size() != 2) return "ipFamilyPolicy RequireDualStack needs IPv4 and IPv6";
      break;
  }
  return std::nullopt;
}

Choice Placement::Keep(const std::vector<IpAddress>& addrs) const {
  if (addrs.empty()) return Fail("");
  if (!intent_.error.empty()) return Fail(intent_.error);
  if (!intent_.requested.empty() && SortedIps(addrs) != SortedIps(intent_.requested)) {
    return Fail(
        absl::StrCat(intent_.requested_field, " now requests ", JoinIps(intent_.requested)));
  }
  if (auto wrong = WrongFamilies(addrs)) return Fail(*wrong);
  std::optional<PoolIndex> pool;
  for (const IpAddress& ip : addrs) {
    std::optional<PoolIndex> p = catalog_.PoolOf(ip);
    if (!p) return Fail(absl::StrCat(ip.ToString(), " is in no pool"));
    if (pool && *pool != *p) {
      return Fail(
          absl::StrCat(addrs[0].ToString(), " and ", ip.ToString(), " are in different pools"));
    }
    pool = p;
    if (!intent_.pool.empty() && catalog_.name(*p) != intent_.pool) {
      return Fail(absl::StrCat(ip.ToString(), " is in pool \"", catalog_.name(*p),
                               "\", not the requested pool \"", intent_.pool, "\""));
    }
    if (auto why = WhyNotIn(*p, ip)) return Fail(*why);
  }
  return Choice{Placed{addrs, *pool}, ""};
}

Choice Placement::ChooseRequested() const {
  std::optional<PoolIndex> pool;
  for (const IpAddress& ip : intent_.requested) {
    std::optional<PoolIndex> p = catalog_.PoolOf(ip);
    if (!p) return Fail(absl::StrCat("requested ", ip.ToString(), " is in no pool"));
    if (!intent_.pool.empty() && catalog_.name(*p) != intent_.pool) {
      return Fail(absl::StrCat("requested ", ip.ToString(), " is in pool \"", catalog_.name(*p),
                               "\", not in the requested pool \"", intent_.pool, "\""));
    }
    if (pool && *pool != *p) {
      return Fail(absl::StrCat("requested ", JoinIps(intent_.requested),
                               " are in different pools (\"", catalog_.name(*pool), "\" and \"",
                               catalog_.name(*p), "\")"));
    }
    pool = p;
    if (!catalog_.Admits(*p, service_, namespace_labels_)) {
      return Fail(absl::StrCat("requested ", ip.ToString(), ": ", NotAdmitted(*p)));
    }
    if (auto why = WhyNotIn(*p, ip)) return Fail(*why);
  }
  return Choice{Placed{intent_.requested, *pool}, ""};
}

Choice Placement::FromPool(PoolIndex pool, const std::vector<IpFamily>& families) const {
  const std::string& name = catalog_.name(pool);
  const auto& p = catalog_.pool(pool);
  Placed placed{{}, pool};
  for (IpFamily f : families) {
    if (!catalog_.HasFamily(pool, f)) {
      return Fail(absl::StrCat("pool \"", name, "\" has no ", IpFamilyName(f), " addresses"));
    }
    std::optional<IpAddress> chosen;
    std::string share_conflict;
    // A compatible IP already shared under this key is reused before a free one is taken.
    if (!holder_.sharing_key->empty()) {
      if (const auto* shared = usage_.SharedIps(pool, *holder_.sharing_key)) {
        for (const IpAddress& ip : *shared) {
          if (ip.family() != f) continue;
          auto c = usage_.ConflictFor(holder_, ip, name, p.allow_sharing_across_namespaces);
          if (!c) {
            chosen = ip;
            break;
          }
          if (share_conflict.empty()) share_conflict = *c;
        }
      }
    }
    if (!chosen) {
      chosen = choice_ == AddressChoice::kStableHash
                   ? catalog_.FreeFrom(pool, f, usage_.used(f), StableAddressSeed(*holder_.key))
                   : catalog_.FirstFree(pool, f, usage_.used(f));
    }
    if (!chosen) {
      std::string reason = absl::StrCat("pool \"", name, "\" exhausted");
      if (catalog_.HasFamily(pool, Other(f))) {
        absl::StrAppend(&reason, " (no free ", IpFamilyName(f), " address)");
      }
      if (!share_conflict.empty()) absl::StrAppend(&reason, ", and ", share_conflict);
      return Fail(std::move(reason));
    }
    placed.addresses.push_back(*chosen);
  }
  return Choice{std::move(placed), ""};
}

uint64_t StableAddressSeed(absl::string_view key) { return MixedHash64(key); }

Choice Placement::Choose() const {
  if (!intent_.error.empty()) return Fail(intent_.error);
  if (!intent_.requested.empty()) return ChooseRequested();

  std::vector<PoolIndex> pools;
  if (!intent_.pool.empty()) {
    std::optional<PoolIndex> p = catalog_.Find(intent_.pool);
    if (!p) return Fail(absl::StrCat("pool \"", intent_.pool, "\" does not exist"));
    if (!catalog_.Admits(*p, service_, namespace_labels_)) return Fail(NotAdmitted(*p));
    pools.push_back(*p);
  } else {
    pools = catalog_.AutoAssignOrder(service_, namespace_labels_);
    if (pools.empty()) {
      if (catalog_.size() == 0) return Fail("no address pools are configured");
      return Fail(
          "no autoAssign pool serves this service (pools with autoAssign: false need the "
          "ironlb.io/pool annotation or a requested address)");
    }
  }

  // Without spec.ipFamilies, the first family any candidate pool offers (IPv4 first).
  IpFamily primary = IpFamily::kV6;
  if (!intent_.families.empty()) {
    primary = intent_.families[0];
  } else {
    for (PoolIndex p : pools) {
      if (catalog_.HasFamily(p, IpFamily::kV4)) primary = IpFamily::kV4;
    }
  }
  const bool second_allowed = intent_.families.size() != 1;
  std::vector<std::vector<IpFamily>> alternatives;
  switch (intent_.policy) {
    case FamilyPolicy::kSingleStack:
      alternatives = {{primary}};
      break;
    case FamilyPolicy::kPreferDualStack:
      if (second_allowed) alternatives.push_back({primary, Other(primary)});
      alternatives.push_back({primary});
      break;
    case FamilyPolicy::kRequireDualStack:
      alternatives = {{primary, Other(primary)}};
      break;
  }

  std::vector<std::string> reasons;
  for (const auto& families : alternatives) {
    reasons.clear();
    for (PoolIndex p : pools) {
      Choice c = FromPool(p, families);
      if (c.placed) return c;
      reasons.push_back(std::move(c.reason));
    }
  }
  std::string reason = absl::StrJoin(reasons, "; ");
  if (intent_.policy == FamilyPolicy::kRequireDualStack) {
    reason = absl::StrCat("RequireDualStack needs IPv4 and IPv6 from one pool: ", reason);
  }
  return Fail(std::move(reason));
}

}  // namespace ironlb::controller

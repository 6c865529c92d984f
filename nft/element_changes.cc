#include "nft/element_changes.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"

namespace ironlb::nft {
namespace {

// The changed middle of two vectors after trimming their common prefix and suffix.
template <typename T>
struct Changed {
  std::vector<std::pair<const T*, size_t>> removed;  // entries of `before`
  std::vector<std::pair<const T*, size_t>> added;    // entries of `after`, with their index
};

template <typename T>
Changed<T> Trim(const std::vector<T>& before, const std::vector<T>& after) {
  size_t p = 0;
  const size_t n = std::min(before.size(), after.size());
  while (p < n && before[p] == after[p]) ++p;
  size_t q = 0;
  while (q < n - p && before[before.size() - 1 - q] == after[after.size() - 1 - q]) ++q;
  Changed<T> c;
  for (size_t i = p; i < before.size() - q; ++i) c.removed.emplace_back(&before[i], i);
  for (size_t i = p; i < after.size() - q; ++i) c.added.emplace_back(&after[i], i);
  return c;
}

bool SameForwardKey(const PortForwardEntry& x, const PortForwardEntry& y) {
  return x.port == y.port && x.protocol == y.protocol && x.outside_address == y.outside_address &&
         x.outside_interface == y.outside_interface &&
         (x.outside_address || x.target_address.family() == y.target_address.family());
}

bool SameSnatKey(const PortForwardEntry& x, const PortForwardEntry& y) {
  return x.target_port == y.target_port && x.protocol == y.protocol &&
         x.target_address == y.target_address;
}

class Planner {
 public:
  explicit Planner(const std::vector<SetSpec>& applied) : applied_(applied) {}

  // Makes the kernel's `set` hold `key` -> `data` (or not hold `key`, when `want` is empty).
  void Converge(const std::string& set, const std::string& key,
                const std::optional<std::string>& want) {
    const SetSpec* s = Find(set);
    const std::string* have = nullptr;
    if (s != nullptr) {
      auto it = s->elements.find(key);
      if (it != s->elements.end()) have = &it->second;
    }
    if (have != nullptr && (!want || *want != *have)) changes_.remove[set].push_back(key);
    if (want && (have == nullptr || *want != *have)) changes_.add[set].emplace_back(key, *want);
  }

  ElementChanges Take() { return std::move(changes_); }

 private:
  const SetSpec* Find(const std::string& name) const {
    for (const SetSpec& s : applied_) {
      if (s.name == name) return &s;
    }
    return nullptr;
  }

  const std::vector<SetSpec>& applied_;
  ElementChanges changes_;
};

absl::Status PlanForwards(const DesiredState& before, const DesiredState& after, Planner& planner,
                          size_t* budget) {
  Changed<PortForwardEntry> c = Trim(before.forwards, after.forwards);
  if (c.removed.size() + c.added.size() > *budget) return absl::CancelledError("too large");
  *budget -= c.removed.size() + c.added.size();
  // Balanced forwards own many elements (slots, backend counters, source NAT per backend):
  // their changes take the full path, which diffs every element.
  for (const auto& [f, index] : c.removed) {
    if (f->balanced()) return absl::CancelledError("balanced forward changed");
  }
  for (const auto& [f, index] : c.added) {
    if (f->balanced()) return absl::CancelledError("balanced forward changed");
  }
  // Source NAT to an address: its map entry is shared by every forward to the same target.
  for (const auto* list : {&c.removed, &c.added}) {
    for (const auto& [f, index] : *list) {
      if (f->source_nat_address) return absl::CancelledError("source NAT address changed");
    }
  }
  for (const auto& [f, index] : c.added) IRONLB_RETURN_IF_ERROR(ValidateForward(*f, index));
  std::vector<const PortForwardEntry*> done, snat_done;
  std::vector<const PortForwardEntry*> touched;
  for (const auto& [f, i] : c.removed) touched.push_back(f);
  for (const auto& [f, i] : c.added) touched.push_back(f);
  for (const PortForwardEntry* t : touched) {
    if (std::none_of(done.begin(), done.end(),
                     [t](const PortForwardEntry* d) { return SameForwardKey(*d, *t); })) {
      done.push_back(t);
      // What `after` wants under this key: one target, or a conflict.
      const PortForwardEntry* first = nullptr;
      size_t first_index = 0;
      for (size_t i = 0; i < after.forwards.size(); ++i) {
        const PortForwardEntry& f = after.forwards[i];
        if (!SameForwardKey(f, *t)) continue;
        if (first == nullptr) {
          first = &f;
          first_index = i;
        } else if (!SameDestination(f, *first)) {
          return absl::InvalidArgumentError(
              absl::StrCat(ForwardLabel(f, i), ": outside port already forwarded to ",
                           first->target_address.ToString(), ":", first->target_port, " by ",
                           ForwardLabel(*first, first_index)));
        }
      }
      planner.Converge(ForwardSetName(*t), ForwardKey(*t),
                       first ? std::optional<std::string>(ForwardData(*first)) : std::nullopt);
      planner.Converge(ForwardStatsSetName(*t), ForwardKey(*t),
                       first ? std::optional<std::string>("") : std::nullopt);
    }
    if (t->source_nat &&
        std::none_of(snat_done.begin(), snat_done.end(),
                     [t](const PortForwardEntry* d) { return SameSnatKey(*d, *t); })) {
      snat_done.push_back(t);
      const bool wanted =
          std::any_of(after.forwards.begin(), after.forwards.end(), [t](const PortForwardEntry& f) {
            return f.source_nat &&
                   (SameSnatKey(f, *t) ||
                    std::any_of(f.backends.begin(), f.backends.end(), [&](const Backend& b) {
                      return b.address == t->target_address && b.port == t->target_port &&
                             f.protocol == t->protocol;
                    }));
          });
      planner.Converge(t->target_address.is_v6() ? kSnat6 : kSnat4, SnatKey(*t),
                       wanted ? std::optional<std::string>("") : std::nullopt);
    }
  }
  return absl::OkStatus();
}

absl::Status PlanVips(const DesiredState& before, const DesiredState& after, Planner& planner,
                      size_t* budget) {
  Changed<ClampedVip> c = Trim(before.clamped_vips, after.clamped_vips);
  if (c.removed.size() + c.added.size() > *budget) return absl::CancelledError("too large");
  for (const auto& [v, index] : c.added) IRONLB_RETURN_IF_ERROR(ValidateClampedVip(*v));
  std::vector<IpAddress> done;
  std::vector<const ClampedVip*> touched;
  for (const auto& [v, i] : c.removed) touched.push_back(v);
  for (const auto& [v, i] : c.added) touched.push_back(v);
  for (const ClampedVip* t : touched) {
    if (std::find(done.begin(), done.end(), t->vip) != done.end()) continue;
    done.push_back(t->vip);
    const ClampedVip* first = nullptr;
    for (const ClampedVip& v : after.clamped_vips) {
      if (v.vip != t->vip) continue;
      if (first == nullptr) {
        first = &v;
      } else if (v.pmtu != first->pmtu || (!v.pmtu && v.mss != first->mss)) {
        return absl::InvalidArgumentError(absl::StrCat(
            "clamped VIP ", v.vip.ToString(), ": listed twice with different MSS settings"));
      }
    }
    const bool v6 = t->vip.is_v6();
    const std::string key = VipKey(t->vip);
    planner.Converge(
        v6 ? kMss6 : kMss4, key,
        first && !first->pmtu ? std::optional<std::string>(MssData(first->mss)) : std::nullopt);
    planner.Converge(v6 ? kPmtu6 : kPmtu4, key,
                     first && first->pmtu ? std::optional<std::string>("") : std::nullopt);
  }
  return absl::OkStatus();
}

}  // namespace

std::optional<absl::StatusOr<ElementChanges>> SmallElementChanges(
    const DesiredState& before, const DesiredState& after, const std::vector<SetSpec>& applied) {
  if (before.guarded_tcp_ports != after.guarded_tcp_ports) return std::nullopt;
  Planner planner(applied);
  size_t budget = kMaxFastPathEntries;
  absl::Status s = PlanForwards(before, after, planner, &budget);
  if (s.ok()) s = PlanVips(before, after, planner, &budget);
  if (s.code() == absl::StatusCode::kCancelled) return std::nullopt;
  if (!s.ok()) return absl::StatusOr<ElementChanges>(s);
  return absl::StatusOr<ElementChanges>(planner.Take());
}

}  // namespace ironlb::nft

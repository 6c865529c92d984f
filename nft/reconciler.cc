#include "nft/reconciler.h"

#include <time.h>

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/errno_status.h"
#include "common/status_macros.h"
#include "nft/batch.h"
#include "nft/element_changes.h"
#include "nft/nftnl_objects.h"

namespace ironlb::nft {
namespace {

std::map<std::string, std::vector<std::vector<std::string>>> CanonicalRules(
    const RulesetSpec& spec) {
  std::map<std::string, std::vector<std::vector<std::string>>> out;
  for (const RuleSpec& r : spec.rules) out[r.chain].push_back(CanonicalExpressions(r));
  return out;
}

}  // namespace

Reconciler::Reconciler(NetlinkTransport* transport)
    : transport_(transport), seq_(static_cast<uint32_t>(time(nullptr))) {}

bool Reconciler::StructureMatches(const RulesetSpec& want, const KernelState& have) const {
  if (!have.table_exists) return false;
  if (have.chains.size() != want.chains.size() || have.sets.size() != want.sets.size()) {
    return false;
  }
  for (const ChainSpec& c : want.chains) {
    if (std::find(have.chains.begin(), have.chains.end(), c) == have.chains.end()) return false;
  }
  for (const SetSpec& s : want.sets) {
    const SetSpec* k = have.FindSet(s.name);
    if (k == nullptr || !k->SameDefinition(s)) return false;
  }
  return have.rules == canonical_rules_;
}

absl::StatusOr<const KernelState*> Reconciler::CurrentKernelState(uint32_t generation) {
  if (cache_ && generation == cache_generation_) return &*cache_;
  last_desired_.reset();
  IRONLB_ASSIGN_OR_RETURN(KernelState state, ReadKernelState(*transport_, &seq_));
  // Re-check: a commit by someone else while we were reading makes the snapshot unreliable.
  IRONLB_ASSIGN_OR_RETURN(uint32_t after, ReadGeneration(*transport_, &seq_));
  cache_ = std::move(state);
  cache_generation_ = after == generation ? generation : 0;
  return &*cache_;
}

absl::StatusOr<ReconcileResult> Reconciler::Reconcile(const DesiredState& desired) {
  // Bad input never reaches the kernel: with a remembered state, the entries that changed
  // (and whatever they could collide with) are checked; otherwise everything is.
  std::optional<absl::StatusOr<ElementChanges>> small;
  if (cache_ && last_desired_) {
    small = desired == *last_desired_ ? absl::StatusOr<ElementChanges>(ElementChanges{})
                                      : SmallElementChanges(*last_desired_, desired, cache_->sets);
    if (small.has_value() && !small->ok()) return small->status();
  }
  if (!small.has_value()) IRONLB_RETURN_IF_ERROR(ValidateDesiredState(desired));
  IRONLB_ASSIGN_OR_RETURN(uint32_t generation, ReadGeneration(*transport_, &seq_));
  if (small.has_value() && cache_ && generation == cache_generation_) {
    return ApplySmallChanges(**small, desired);
  }
  return ReconcileAll(desired, generation);
}

absl::StatusOr<ReconcileResult> Reconciler::ApplySmallChanges(const ElementChanges& changes,
                                                              const DesiredState& desired) {
  ReconcileResult result;
  Batch batch(seq_);
  for (const auto& [set, keys] : changes.remove) {
    batch.DeleteElements(set, keys);
    result.elements_removed += keys.size();
  }
  for (const auto& [set, elements] : changes.add) {
    batch.AddElements(set, elements);
    result.elements_added += elements.size();
  }
  result.operations = batch.operation_count();
  KernelState applied = std::move(*cache_);
  for (SetSpec& s : applied.sets) {
    auto removed = changes.remove.find(s.name);
    if (removed != changes.remove.end()) {
      for (const std::string& key : removed->second) s.elements.erase(key);
    }
    auto added = changes.add.find(s.name);
    if (added != changes.add.end()) {
      for (const auto& [key, data] : added->second) s.elements[key] = data;
    }
  }
  if (result.operations == 0) {
    cache_ = std::move(applied);
    last_desired_ = desired;
    return result;
  }
  IRONLB_RETURN_IF_ERROR(CommitAndRemember(batch, result, std::move(applied), desired));
  return result;
}

absl::StatusOr<ReconcileResult> Reconciler::ReconcileAll(const DesiredState& desired,
                                                         uint32_t generation) {
  RulesetSpec want = BuildRuleset(desired);
  if (canonical_rules_.empty()) canonical_rules_ = CanonicalRules(want);
  IRONLB_ASSIGN_OR_RETURN(const KernelState* have, CurrentKernelState(generation));
  ReconcileResult result;
  Batch batch(seq_);
  if (!StructureMatches(want, *have)) {
    // Missing, damaged or foreign-edited table: replace it whole, atomically.
    result.rebuilt = true;
    if (have->table_exists) batch.DeleteTable();
    batch.AddTable();
    for (const ChainSpec& c : want.chains) batch.AddChain(c);
    for (const SetSpec& s : want.sets) {
      batch.AddSet(s);
      std::vector<const std::string*> keys;
      keys.reserve(s.elements.size());
      for (const auto& [key, unused] : s.elements) keys.push_back(&key);
      batch.AddElements(s, keys);
      result.elements_added += keys.size();
    }
    for (const RuleSpec& r : want.rules) batch.AddRule(r);
  } else {
    for (const SetSpec& s : want.sets) {
      const SetSpec& k = *have->FindSet(s.name);
      std::vector<std::string> remove;
      std::vector<const std::string*> add;
      // Both maps are sorted by key: one merge pass.
      auto wi = s.elements.begin();
      auto ki = k.elements.begin();
      while (wi != s.elements.end() || ki != k.elements.end()) {
        if (ki == k.elements.end() || (wi != s.elements.end() && wi->first < ki->first)) {
          add.push_back(&wi->first);
          ++wi;
        } else if (wi == s.elements.end() || ki->first < wi->first) {
          remove.push_back(ki->first);
          ++ki;
        } else {
          if (wi->second != ki->second) {  // same key, new value: replace
            remove.push_back(ki->first);
            add.push_back(&wi->first);
          }
          ++wi;
          ++ki;
        }
      }
      batch.DeleteElements(s.name, remove);
      batch.AddElements(s, add);
      result.elements_added += add.size();
      result.elements_removed += remove.size();
    }
  }
  result.operations = batch.operation_count();
  KernelState applied;
  applied.table_exists = true;
  applied.chains = want.chains;
  applied.rules = canonical_rules_;
  applied.sets = std::move(want.sets);
  if (result.operations == 0) {
    if (cache_generation_ != 0) {
      cache_ = std::move(applied);
      last_desired_ = desired;
    }
    return result;
  }
  IRONLB_RETURN_IF_ERROR(CommitAndRemember(batch, result, std::move(applied), desired));
  return result;
}

absl::Status Reconciler::CommitAndRemember(Batch& batch, ReconcileResult& result,
                                           KernelState applied, const DesiredState& desired) {
  seq_ = batch.end_seq() + 1;
  const uint32_t generation_before = cache_generation_;
  cache_.reset();
  last_desired_.reset();
  const absl::Time commit_start = absl::Now();
  absl::Status committed = CommitBatch(*transport_, batch);
  result.commit_time = absl::Now() - commit_start;
  if (!committed.ok()) return committed;
  // Our commit bumps the generation by exactly one; anything else means someone else
  // committed too, so the next reconcile reads the kernel again.
  IRONLB_ASSIGN_OR_RETURN(uint32_t generation, ReadGeneration(*transport_, &seq_));
  if (generation_before != 0 && generation == generation_before + 1) {
    cache_ = std::move(applied);
    cache_generation_ = generation;
    last_desired_ = desired;
  }
  return absl::OkStatus();
}

absl::Status Reconciler::Cleanup() {
  cache_.reset();
  last_desired_.reset();
  IRONLB_ASSIGN_OR_RETURN(KernelState state, ReadKernelState(*transport_, &seq_));
  if (!state.table_exists) return absl::OkStatus();
  Batch batch(seq_);
  batch.DeleteTable();
  seq_ = batch.end_seq() + 1;
  return CommitBatch(*transport_, batch);
}

absl::StatusOr<std::vector<ForwardCounter>> Reconciler::ReadForwardCounters(
    const DesiredState& desired) {
  std::map<std::string, std::map<std::string, ElementCounter>> by_set;
  for (const char* name : {kFwd4, kFwd6, kFwdIf4, kFwdIf6, kFwdStats4, kFwdStats6, kFwdIfStats4,
                           kFwdIfStats6, kLbStats4, kLbStats6, kLbNew4, kLbNew6}) {
    SetSpec set;
    set.name = name;
    IRONLB_RETURN_IF_ERROR(ReadSetElements(*transport_, &seq_, &set, &by_set[name]));
  }
  std::vector<ForwardCounter> out;
  for (const PortForwardEntry& f : desired.forwards) {
    ForwardCounter c;
    c.name = f.name;
    const auto& dnat = by_set[ForwardSetName(f)];
    if (auto it = dnat.find(ForwardKey(f)); it != dnat.end()) c.connections = it->second.packets;
    const auto& stats = by_set[ForwardStatsSetName(f)];
    if (auto it = stats.find(ForwardKey(f)); it != stats.end()) {
      c.packets = it->second.packets;
      c.bytes = it->second.bytes;
    }
    const bool v6 = f.target_address.is_v6();
    const auto& stats_b = by_set[v6 ? kLbStats6 : kLbStats4];
    const auto& new_b = by_set[v6 ? kLbNew6 : kLbNew4];
    for (const Backend& b : f.backends) {
      BackendCounter bc;
      bc.address = b.address;
      bc.port = b.port;
      const std::string key = BackendCounterKey(f, b);
      if (auto it = stats_b.find(key); it != stats_b.end()) {
        bc.packets = it->second.packets;
        bc.bytes = it->second.bytes;
      }
      if (auto it = new_b.find(key); it != new_b.end()) bc.connections = it->second.packets;
      c.connections += bc.connections;
      c.backends.push_back(bc);
    }
    out.push_back(std::move(c));
  }
  return out;
}

}  // namespace ironlb::nft

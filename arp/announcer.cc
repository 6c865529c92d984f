#include "arp/announcer.h"

#include <algorithm>

namespace ironlb::arp {

Announcer::~Announcer() {
  for (const auto& entry : batches_) loop_->Cancel(entry.second.timer);
}

void Announcer::Announce(std::vector<Claim> claims) {
  if (claims.empty() || count_ <= 0) return;
  for (const Claim& c : claims) send_(c);
  if (count_ == 1) return;
  uint64_t id = next_batch_id_++;
  batches_[id] = Batch{std::move(claims), count_ - 1, 0};
  Schedule(id);
}

void Announcer::Schedule(uint64_t batch_id) {
  batches_[batch_id].timer = loop_->RunAfter(interval_, [this, batch_id] { Repeat(batch_id); });
}

void Announcer::Repeat(uint64_t batch_id) {
  auto it = batches_.find(batch_id);
  if (it == batches_.end()) return;
  Batch& batch = it->second;
  // Drop released claims first so a long-lived batch does not keep stale entries.
  batch.claims.erase(std::remove_if(batch.claims.begin(), batch.claims.end(),
                                    [this](const Claim& c) { return !is_current_(c); }),
                     batch.claims.end());
  for (const Claim& c : batch.claims) send_(c);
  if (--batch.rounds_left <= 0 || batch.claims.empty()) {
    batches_.erase(it);
    return;
  }
  Schedule(batch_id);
}

}  // namespace ironlb::arp

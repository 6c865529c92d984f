#include "speaker/membership.h"

namespace ironlb::speaker {

Membership::Verdict Membership::OnAdvert(const Advert& advert, absl::Time now) {
  if (advert.node == self_) return Verdict::kSelf;
  const auto version = std::make_pair(advert.incarnation, advert.sequence);
  auto seen = newest_.find(advert.node);
  if (seen != newest_.end() && version <= seen->second) return Verdict::kStale;
  newest_[advert.node] = version;
  if (advert.leaving) {
    alive_.erase(advert.node);
    return Verdict::kLeft;
  }
  auto [it, inserted] = alive_.insert_or_assign(advert.node, Member{advert, now});
  (void)it;
  return inserted ? Verdict::kJoined : Verdict::kRefreshed;
}

bool Membership::OnConnectionLost(const std::string& node) { return alive_.erase(node) > 0; }

std::vector<std::string> Membership::Expire(absl::Time now) {
  std::vector<std::string> dead;
  for (auto it = alive_.begin(); it != alive_.end();) {
    if (now - it->second.last_heard > dead_after_) {
      dead.push_back(it->first);
      it = alive_.erase(it);
    } else {
      ++it;
    }
  }
  return dead;
}

std::vector<std::string> Membership::Alive() const {
  std::vector<std::string> out;
  out.reserve(alive_.size() + 1);
  bool self_added = false;
  for (const auto& [name, m] : alive_) {
    if (!self_added && self_ < name) {
      out.push_back(self_);
      self_added = true;
    }
    out.push_back(name);
  }
  if (!self_added) out.push_back(self_);
  return out;
}

const Membership::Member* Membership::Find(const std::string& node) const {
  auto it = alive_.find(node);
  return it == alive_.end() ? nullptr : &it->second;
}

}  // namespace ironlb::speaker

#include "speaker/layer2/membership.h"

namespace ironlb::speaker {

Membership::Verdict Membership::OnAdvert(const Advert& advert, absl::Time now) {
  if (advert.node == self_) return Verdict::kSelf;
  const auto version = std::make_pair(advert.incarnation, advert.sequence);
  auto seen = newest_.find(advert.node);
  if (seen != newest_.end() && version <= seen->second) return Verdict::kStale;
  newest_[advert.node] = version;
  if (advert.leaving) {
    auto it = alive_.find(advert.node);
    if (it != alive_.end()) {
      it->second.last_heard = now;  // the leaving advert is the last word
      Depart(it, Cause::kLeft, now);
    }
    return Verdict::kLeft;
  }
  auto [it, inserted] = alive_.insert_or_assign(advert.node, Member{advert, now});
  (void)it;
  if (inserted) departed_.erase(advert.node);
  return inserted ? Verdict::kJoined : Verdict::kRefreshed;
}

void Membership::Depart(std::map<std::string, Member>::iterator it, Cause cause, absl::Time now) {
  departed_[it->first] = Departure{cause, it->second.last_heard, now};
  alive_.erase(it);
}

bool Membership::OnConnectionLost(const std::string& node, absl::Time now) {
  auto it = alive_.find(node);
  if (it == alive_.end()) return false;
  Depart(it, Cause::kConnectionLost, now);
  return true;
}

std::vector<std::string> Membership::Expire(absl::Time now) {
  std::vector<std::string> dead;
  for (auto it = alive_.begin(); it != alive_.end();) {
    if (now - it->second.last_heard > dead_after_) {
      dead.push_back(it->first);
      departed_[it->first] = Departure{Cause::kSilent, it->second.last_heard, now};
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

const Membership::Departure* Membership::FindDeparture(const std::string& node) const {
  auto it = departed_.find(node);
  return it == departed_.end() ? nullptr : &it->second;
}

}  // namespace ironlb::speaker

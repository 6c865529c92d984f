#include "speaker/layer2/membership/membership.h"

#include <algorithm>
#include <optional>

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
  Member m{advert, now};
  auto previous = alive_.find(advert.node);
  if (advert.restarting) {
    const absl::Duration grace =
        std::min(absl::Milliseconds(advert.restart_grace_ms), kMaxRestartGrace);
    m.restarting_until = now + grace;
    m.kernel_heard = now;
  } else if (!advert.ready && previous != alive_.end() && previous->second.restarting()) {
    // The successor of a restarting speaker, still starting: the restart's hold goes on (its
    // host probed, the same grace) until it says it is ready.
    m.restarting_until = previous->second.restarting_until;
    m.kernel_heard = now;
    m.successor = true;
  }
  auto [it, inserted] = alive_.insert_or_assign(advert.node, std::move(m));
  (void)it;
  if (inserted) departed_.erase(advert.node);
  if (advert.restarting) return Verdict::kRestarting;
  return inserted ? Verdict::kJoined : Verdict::kRefreshed;
}

void Membership::OnHostAlive(const std::string& node, absl::Time now) {
  auto it = alive_.find(node);
  if (it != alive_.end()) it->second.kernel_heard = std::max(it->second.kernel_heard, now);
}

bool Membership::HostAnswers(const Member& m, absl::Time now) const {
  return frozen_hold_ > absl::ZeroDuration() && m.kernel_heard > m.last_heard &&
         now - m.kernel_heard <= dead_after_;
}

std::vector<std::string> Membership::Suspects(absl::Time now) const {
  std::vector<std::string> out;
  if (frozen_hold_ <= absl::ZeroDuration()) return out;
  for (const auto& [name, m] : alive_) {
    if (!m.restarting() && now - m.last_heard > dead_after_ / 2) out.push_back(name);
  }
  return out;
}

absl::Time Membership::NextExpiry() const {
  absl::Time next = absl::InfiniteFuture();
  for (const auto& [name, m] : alive_) {
    if (m.restarting()) {
      next = std::min({next, m.restarting_until, m.kernel_heard + dead_after_});
    } else if (m.kernel_heard > m.last_heard && frozen_hold_ > absl::ZeroDuration()) {
      next = std::min(
          next, std::max(m.last_heard + dead_after_,
                         std::min(m.kernel_heard + dead_after_, m.last_heard + frozen_hold_)));
    } else {
      next = std::min(next, m.last_heard + dead_after_);
    }
  }
  return next;
}

std::vector<std::string> Membership::Restarting() const {
  std::vector<std::string> out;
  for (const auto& [name, m] : alive_) {
    if (m.restarting()) out.push_back(name);
  }
  return out;
}

void Membership::Depart(std::map<std::string, Member>::iterator it, Cause cause, absl::Time now) {
  departed_[it->first] = Departure{cause, it->second.last_heard, now};
  alive_.erase(it);
}

bool Membership::OnConnectionLost(const std::string& node, absl::Time now) {
  auto it = alive_.find(node);
  // A restarting speaker's connection closes as it exits: expected, not a death. Its
  // successor's closing is one.
  if (it == alive_.end() || (it->second.restarting() && !it->second.successor)) return false;
  Depart(it, Cause::kConnectionLost, now);
  return true;
}

std::vector<std::string> Membership::Expire(absl::Time now) {
  std::vector<std::string> dead;
  for (auto it = alive_.begin(); it != alive_.end();) {
    const Member& m = it->second;
    std::optional<Departure> gone;
    if (m.restarting()) {
      if (now - m.kernel_heard > dead_after_) {
        gone = Departure{Cause::kSilent, m.kernel_heard, now};
      } else if (now >= m.restarting_until) {
        gone = Departure{Cause::kRestartTimedOut, m.restarting_until, now};
      }
    } else if (now - m.last_heard > dead_after_) {
      const bool answers = HostAnswers(m, now);
      if (!answers || now - m.last_heard > frozen_hold_) {
        gone = Departure{answers ? Cause::kFrozenTooLong : Cause::kSilent, m.last_heard, now};
      }
    }
    if (gone) {
      dead.push_back(it->first);
      departed_[it->first] = *gone;
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

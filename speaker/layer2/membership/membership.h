// Who is alive on one layer-2 segment, from authenticated adverts alone (no API server).
// A member is alive from its first advert until either `dead_after` passes without one (link
// cut, machine frozen), it says it is leaving (graceful stop), or its liveness connection
// closes (the kernel closes a killed process's sockets at once, so this is the fast path).
// A member that said it is restarting stays alive, VIPs and all, until its successor process
// adverts, its grace period ends, or its host's kernel stops answering probes for `dead_after`
// (the host went down): the last two take over as fast as a death.
// With `frozen_hold`, a member whose adverts stop while its host's kernel still answers probes
// (its speaker starved of CPU or stopped, the machine itself up and forwarding) is held, VIPs
// and all, until it adverts again or `frozen_hold` passes: a busy node is not a dead one. A cut
// link or a host gone answers no probe and expires after `dead_after` as before.
// Pure state: the caller feeds it adverts, connection events and the time.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "speaker/layer2/membership/advert.h"

namespace ironlb::speaker {

class Membership {
 public:
  struct Member {
    Advert last;            // the newest accepted advert
    absl::Time last_heard;  // when it arrived
    // Restarting: kept until this time, and while its host answers probes (kernel_heard).
    absl::Time restarting_until = absl::InfinitePast();
    absl::Time kernel_heard = absl::InfinitePast();
    // The restarted speaker's successor process, not ready yet: held like the restart until it
    // is ready (a start on a busy host may pause its adverts longer than dead_after), but its
    // liveness link closing is a death.
    bool successor = false;
    bool restarting() const { return restarting_until != absl::InfinitePast(); }
  };
  // Longest restart grace honoured, whatever a peer asks for.
  static constexpr absl::Duration kMaxRestartGrace = absl::Seconds(30);

  enum class Verdict {
    kJoined,      // a new member, or one back from the dead
    kRefreshed,   // a known member, still alive
    kLeft,        // the member said it is leaving: its VIPs move now
    kRestarting,  // the member's speaker is restarting: its VIPs stay for the grace period
    kStale,       // replayed or older than what we know: ignored
    kSelf,        // our own advert looped back: ignored
  };

  Membership(std::string self, absl::Duration dead_after,
             absl::Duration frozen_hold = absl::ZeroDuration())
      : self_(std::move(self)), dead_after_(dead_after), frozen_hold_(frozen_hold) {}

  Verdict OnAdvert(const Advert& advert, absl::Time now);
  // How a member stopped being alive, kept until it rejoins: the takeover that follows is
  // reported with this cause, and timed from `last_heard`.
  enum class Cause { kLeft, kConnectionLost, kSilent, kRestartTimedOut, kFrozenTooLong };
  struct Departure {
    Cause cause = Cause::kSilent;
    absl::Time last_heard;  // its last accepted advert
    absl::Time noticed;     // when we counted it gone
  };

  // The member's liveness connection closed without a leaving advert: it died. Returns true
  // when it was alive. A newer incarnation (restart) has to advert again to rejoin.
  bool OnConnectionLost(const std::string& node, absl::Time now);
  // Drops members not heard from for dead_after, and restarting members whose grace ended or
  // whose host fell silent; returns their names.
  std::vector<std::string> Expire(absl::Time now);
  // The kernel of `node`'s host answered a probe: the host is up.
  void OnHostAlive(const std::string& node, absl::Time now);
  // When the next member would expire if nothing more is heard (InfiniteFuture: nobody).
  absl::Time NextExpiry() const;
  // Restarting members, for probing their hosts.
  std::vector<std::string> Restarting() const;
  // With frozen_hold: members silent for more than half of dead_after, for probing their
  // hosts (answered before dead_after, the member is held as frozen, not dead).
  std::vector<std::string> Suspects(absl::Time now) const;

  // Alive members, ourselves included, sorted.
  std::vector<std::string> Alive() const;
  const Member* Find(const std::string& node) const;
  // Why and when `node` stopped being alive; null when it is alive or was never seen.
  const Departure* FindDeparture(const std::string& node) const;
  const std::string& self() const { return self_; }
  absl::Duration dead_after() const { return dead_after_; }

 private:
  std::string self_;
  absl::Duration dead_after_;
  absl::Duration frozen_hold_;
  // With a frozen hold: its host answered a probe since its last advert, within dead_after.
  bool HostAnswers(const Member& m, absl::Time now) const;
  void Depart(std::map<std::string, Member>::iterator it, Cause cause, absl::Time now);

  std::map<std::string, Member> alive_;
  std::map<std::string, Departure> departed_;
  // Newest (incarnation, sequence) seen per node, kept after death so that replays of its
  // old adverts cannot bring it back.
  std::map<std::string, std::pair<uint64_t, uint64_t>> newest_;
};

}  // namespace ironlb::speaker

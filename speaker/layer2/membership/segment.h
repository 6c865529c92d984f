// One layer-2 segment (interface) a speaker announces on: it sends this node's advert every
// interval, feeds the adverts it hears into Membership, expires members that fell silent, and
// tells its owner whenever who-is-alive changed, so ownership can be recomputed at once.
// Runs on the speaker's event loop; nothing here decides ownership.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "common/event_loop.h"
#include "common/ip.h"
#include "speaker/layer2/host_probe.h"
#include "speaker/layer2/membership/advert_socket.h"
#include "speaker/layer2/membership/liveness_mesh.h"
#include "speaker/layer2/membership/membership.h"

namespace ironlb::speaker {

struct SegmentOptions {
  std::string node;
  std::string key;  // shared by every speaker of the cluster
  std::map<std::string, std::string> labels;
  uint64_t incarnation = 0;  // distinct per start of the speaker (e.g. boot time in ns)
  // 20 ms adverts (50 frames/s per node and segment), dead after 80 ms (four missed): a cut
  // link is noticed 60..80 ms after it (the expiry timer fires at the deadline, not at the next
  // tick). A starved speaker is not taken for dead: its host's kernel still answers the probes
  // (frozen_hold), and adverts queued while our own loop was busy are read before anyone is
  // expired. --layer2-advert-interval / --layer2-dead-after trade speed against traffic.
  std::chrono::milliseconds interval{20};
  std::chrono::milliseconds dead_after{80};
  // A peer whose adverts stop while its host's kernel answers probes (its speaker starved of
  // CPU, the host up and forwarding) keeps its VIPs this long before they move; 0: it is
  // taken for dead after dead_after like a cut link (--layer2-frozen-hold).
  std::chrono::milliseconds frozen_hold{2000};
  // After joining, listen this long (hearing every live peer) before becoming eligible.
  std::chrono::milliseconds hold_off{160};
  // What we answer for from the start: a restarted speaker's adopted VIPs, in its first advert.
  std::vector<IpAddress> initial_claims;
};

struct SegmentCounters {
  uint64_t adverts_sent = 0;
  uint64_t adverts_received = 0;
  uint64_t adverts_rejected = 0;  // bad signature, malformed or replayed
  // Turns of our own loop that came more than two intervals after the last: this speaker was
  // starved (CPU, a paused VM) and put off judging its peers' silence by one interval.
  uint64_t self_stalls = 0;
};

class Segment {
 public:
  using ChangedFn = std::function<void()>;

  // `mac` is the interface's; `address`/`liveness_port` tell peers where to reach our
  // liveness listener (`mesh`, shared by all segments; may be null).
  static absl::StatusOr<std::unique_ptr<Segment>> Create(EventLoop* loop, int ifindex,
                                                         std::string ifname,
                                                         std::array<uint8_t, 6> mac,
                                                         std::optional<IpAddress> address,
                                                         LivenessMesh* mesh, uint16_t liveness_port,
                                                         SegmentOptions options, ChangedFn changed);
  ~Segment();
  Segment(const Segment&) = delete;
  Segment& operator=(const Segment&) = delete;

  // Graceful stop: tells the segment we are leaving (sent three times, to survive a loss).
  void Leave();
  // Restart: tells the segment our speaker is restarting and will be back within `grace`
  // (sent three times); the others keep our VIPs ours meanwhile. Stops the adverts.
  void Restart(std::chrono::milliseconds grace);
  // The VIPs we answer for on this segment now; peers see them in our adverts (sticky
  // ownership). A change is advertised at once.
  void SetClaims(std::vector<IpAddress> claims);
  // The labels our adverts carry (node labels and passing local checks); a change is
  // advertised at once.
  void SetLabels(std::map<std::string, std::string> labels);
  // The liveness connection to `node` closed: it died (called by the speaker's mesh hook).
  void PeerLost(const std::string& node);

  std::vector<std::string> Alive() const { return membership_.Alive(); }
  // True once the hold-off after joining has passed: we may own VIPs here.
  bool ready() const { return ready_; }
  const Membership& membership() const { return membership_; }
  const SegmentCounters& counters() const { return counters_; }
  const std::string& ifname() const { return ifname_; }
  uint64_t incarnation() const { return options_.incarnation; }

 private:
  Segment(EventLoop* loop, std::string ifname, std::array<uint8_t, 6> mac,
          std::unique_ptr<AdvertSocket> socket, std::optional<IpAddress> address,
          LivenessMesh* mesh, uint16_t liveness_port, SegmentOptions options, ChangedFn changed);
  void SendAdvert(bool leaving);
  void Tick();
  void OnReadable();
  // Drains waiting adverts (a busy loop must not mistake queued adverts for silence), expires
  // members, and re-arms the expiry timer for the next member that could expire.
  void CheckExpiry();
  void ArmExpiry();
  // Probes the hosts of restarting and silent peers.
  void ProbeHosts();

  EventLoop* loop_;
  std::string ifname_;
  std::array<uint8_t, 6> mac_;
  std::unique_ptr<AdvertSocket> socket_;
  std::optional<IpAddress> address_;
  LivenessMesh* mesh_;
  uint16_t liveness_port_;
  SegmentOptions options_;
  ChangedFn changed_;
  Membership membership_;
  SegmentCounters counters_;
  uint64_t sequence_ = 0;
  EventLoop::TimerId tick_ = 0;
  bool leaving_ = false;
  bool restarting_ = false;
  std::chrono::milliseconds restart_grace_{0};
  std::vector<IpAddress> claims_;
  EventLoop::TimerId expiry_timer_ = 0;
  // When our own loop last turned (a tick or an expiry check): a turn much later than that
  // means this speaker was starved itself, and its peers' silence is not theirs.
  absl::Time last_turn_ = absl::InfinitePast();
  // After such a stall nobody expires before this: queued adverts and probes answer first.
  absl::Time no_expiry_before_ = absl::InfinitePast();
  HostProbe probe_;
  bool ready_ = false;
  EventLoop::TimerId ready_timer_ = 0;
};

}  // namespace ironlb::speaker

// The layer-2 half of the speaker, on one event loop: a Segment (adverts + membership) and a
// liveness mesh on every interface an L2Advertisement may use, ownership recomputed whenever
// membership or the VIPs change, and arp/ told the result. Ownership is sticky by default: a VIP
// stays where it is answered while that node is alive and eligible.
// Two ways to stop: Restart() (the default for SIGTERM) tells the segment our speaker will be
// back within the grace period, writes what we answer for to the restart-state file and exits
// without letting go: the kernel keeps forwarding, the peers keep our VIPs ours, and the next
// process takes the file and answers for the same VIPs at once. Shutdown() (leaving for good)
// tells the segment we are leaving and stops answering each VIP the moment its heir claims it,
// so a client never sees two answerers.
#pragma once

#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "arp/layer2_service.h"
#include "arp/link_monitor.h"
#include "common/event_loop.h"
#include "common/metrics.h"
#include "config/loader.h"
#include "speaker/layer2/layer2_plan.h"
#include "speaker/layer2/local_checks.h"
#include "speaker/layer2/membership/liveness_mesh.h"
#include "speaker/layer2/membership/segment.h"

namespace ironlb::speaker {

struct Layer2SpeakerOptions {
  std::string node;
  config::Labels labels;
  std::string key;                         // shared by the cluster's speakers; signs adverts
  uint16_t liveness_port = 7946;           // TCP, on each segment's own address
  std::chrono::milliseconds interval{20};  // see SegmentOptions
  std::chrono::milliseconds dead_after{80};
  std::chrono::milliseconds frozen_hold{2000};  // see SegmentOptions
  // After announcing we leave, we answer for each VIP until a peer claims it, at most this
  // long (a peer too old to advertise its claims takes over without telling).
  std::chrono::milliseconds leave_grace{300};
  // Sticky ownership (default); false: the hash winner takes VIPs back when it returns.
  bool sticky = true;
  // How long the peers keep our VIPs ours while our speaker restarts (at most 30 s).
  std::chrono::milliseconds restart_grace{30000};
  // Where Restart() leaves our VIPs for the next process; empty: no adoption (a restarted
  // speaker then starts as a new one, after its hold-off, and owns what the others leave it).
  std::string restart_state_file;
  arp::Layer2Options arp;
  // Runs the L2Advertisements' localChecks; null: real sockets.
  std::shared_ptr<health::Prober> local_check_prober;
  // Called on the loop's thread just before the set of addresses answered for (every
  // interface, PortForward source NAT addresses included) changes, with the new set: the router
  // role's conntrack sync commits a new primary's connections before they are announced.
  std::function<void(const std::set<IpAddress>& owned)> on_ownership_changing;
  // The interface this host reaches an address by ("" = no route); null: the kernel's routes.
  std::function<std::string(const IpAddress&)> egress_interface;
};

// One VIP this node took over: from whom, why, and how long after the old owner went quiet.
struct Takeover {
  IpAddress vip;
  std::string interface;
  std::string previous_owner;  // empty when nobody held it
  // "start", "assigned" (new or newly eligible VIP), "peer-left", "peer-died", "peer-silent",
  // "peer-ineligible" (the live owner stopped being eligible: its localCheck failed, its
  // labels changed), "rebalance" (this node now wins the hash over a live owner)
  std::string cause;
  std::string reason;  // the same, as a sentence for people
  absl::Time at;
  // From the old owner's last advert to our claim, when it departed.
  std::optional<absl::Duration> failover;
};

// What this node knows about one segment, for status.
struct SegmentStatus {
  std::string interface;
  bool ready = false;  // past the hold-off: we may own VIPs here
  struct Peer {
    std::string node;
    std::string interface;  // its own name for its port
    bool ready = false;
    absl::Time last_heard;
    config::Labels labels;                 // from its adverts
    std::set<std::string> passing_checks;  // L2Advertisements whose localCheck passes there
  };
  std::vector<Peer> peers;  // alive, ourselves excluded
};

class Layer2Speaker {
 public:
  // Must be called on the loop's thread, in the namespace whose interfaces it serves.
  // `registry` (optional) gets the layer-2 metrics, updated from the loop's thread.
  static absl::StatusOr<std::unique_ptr<Layer2Speaker>> Create(
      EventLoop* loop, arp::PacketSocketFactory* sockets, Layer2SpeakerOptions options,
      metrics::Registry* registry = nullptr);
  ~Layer2Speaker();

  // The configuration and the Services' allocation now in force (config kept alive here).
  // `facts` (Kubernetes mode) restrict who may own which VIP.
  void SetDesired(std::shared_ptr<const config::LoadResult> config,
                  const AssignedServices& services,
                  std::shared_ptr<const ClusterFacts> facts = nullptr);
  // Leaving for good: leaves every segment, stops answering each VIP once a peer claims it (or
  // after leave_grace), then calls `done`.
  void Shutdown(std::function<void()> done);
  // Restarting: tells every segment, writes the restart-state file, keeps answering until the
  // process exits; calls `done` at once.
  void Restart(std::function<void()> done);

  // VIPs owned now, per interface (for status, metrics and tests).
  std::map<std::string, std::vector<IpAddress>> Owned() const { return layer2_->Announced(); }
  // Alive members per interface.
  std::map<std::string, std::vector<std::string>> Members() const;
  const arp::Layer2Counters& counters() const { return layer2_->counters(); }
  // Takeovers, oldest first (the last 32).
  const std::deque<Takeover>& takeovers() const { return takeovers_; }
  // Since when and why we own each (interface, VIP).
  const std::map<std::pair<std::string, IpAddress>, Takeover>& owned_since() const {
    return owned_since_;
  }
  std::vector<SegmentStatus> Segments() const;
  // The VIPs of the configuration with the Services on them.
  const std::vector<Layer2Vip>& vips() const { return vips_; }
  // This node's local checks (health-gated ownership) and their last results.
  std::vector<LocalCheckResult> LocalCheckResults() const { return checks_->Results(); }

 private:
  struct SegmentState {
    std::unique_ptr<LivenessMesh> mesh;
    std::unique_ptr<Segment> segment;
  };
  Layer2Speaker(EventLoop* loop, Layer2SpeakerOptions options)
      : loop_(loop), options_(std::move(options)) {}
  void OnLinkChanged(const arp::Link& link);
  void OnLinkRemoved(int ifindex);
  bool WantsSegment(const arp::Link& link) const;
  void SyncSegments();
  void Recompute();
  // While leaving: drops the VIPs a peer now claims; true when nothing is left.
  bool ReleaseClaimedByOthers();
  // The adopted VIPs (from the previous process) still valid on `ifname`.
  std::set<IpAddress> Adopted(const std::string& ifname) const;
  // Records the VIPs we just started owning on each segment, and why.
  void NoteTakeovers(const std::vector<SegmentView>& views);
  // `was_ready`: we were eligible on this segment at the previous recompute.
  Takeover Explain(const SegmentView& view, const IpAddress& vip, const std::string& previous,
                   bool was_ready) const;
  std::function<std::string(const IpAddress&)> EgressFn() const;
  // Publishes state and counters as metrics (atomics: the HTTP thread reads them).
  void UpdateMetrics();
  // A local check started or stopped passing (or had its first result).
  void OnLocalChecksChanged();
  // Takes the passing checks into our adverts and metrics; true when the set changed.
  bool RefreshLocalChecks();
  // Segments are joined once every local check has had its first result (or its timeout
  // passed), so our first advert already says which checks pass: a restarted speaker must not
  // look ineligible to its peers for the few milliseconds before its checks answer.
  bool LocalChecksSettled() const;

  EventLoop* loop_;
  Layer2SpeakerOptions options_;
  std::unique_ptr<arp::Layer2Service> layer2_;
  std::unique_ptr<arp::LinkMonitor> links_;
  std::unique_ptr<LocalChecks> checks_;
  std::set<std::string> passing_;  // local checks passing, as in our adverts
  absl::Time checks_settle_by_ = absl::InfinitePast();
  EventLoop::TimerId settle_timer_ = 0;
  std::shared_ptr<const config::LoadResult> config_;
  std::vector<Layer2Vip> vips_;
  std::map<int, SegmentState> segments_;  // by ifindex
  bool stopping_ = false;
  bool leaving_ = false;
  std::function<void()> leave_done_;
  EventLoop::TimerId leave_timer_ = 0;
  // From the restart-state file: what the previous process answered for, until when.
  std::map<std::string, std::set<IpAddress>> adopted_;
  absl::Time adopt_until_ = absl::InfinitePast();
  // Owner of each VIP per interface at the last recompute.
  std::map<std::string, std::map<IpAddress, std::string>> owners_;
  std::set<std::string> ready_on_;   // interfaces where we were ready at the last recompute
  bool ownership_reported_ = false;  // on_ownership_changing called at least once
  std::deque<Takeover> takeovers_;
  std::map<std::pair<std::string, IpAddress>, Takeover> owned_since_;

  struct Metrics {
    metrics::Family<metrics::Gauge>* owned = nullptr;
    metrics::Family<metrics::Gauge>* elected = nullptr;  // VIPs with an owner on the segment
    metrics::Family<metrics::Gauge>* members = nullptr;
    metrics::Family<metrics::Counter>* adverts = nullptr;      // {interface, direction}
    metrics::Family<metrics::Counter>* self_stalls = nullptr;  // {interface}
    metrics::Family<metrics::Counter>* gained = nullptr;
    metrics::Family<metrics::Counter>* takeovers = nullptr;   // {interface, cause}
    metrics::Family<metrics::Histogram>* failover = nullptr;  // {interface, cause}
    metrics::Family<metrics::Gauge>* local_check = nullptr;   // {advertisement}
    std::map<std::string, SegmentCounters> reported;  // what was already added, per interface
  };
  std::unique_ptr<Metrics> metrics_;
  EventLoop::TimerId metrics_timer_ = 0;
};

}  // namespace ironlb::speaker

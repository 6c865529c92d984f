#include "speaker/layer2/layer2_speaker.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "arp/route_lookup.h"
#include "common/log.h"
#include "speaker/layer2/restart_state.h"

namespace ironlb::speaker {

absl::StatusOr<std::unique_ptr<Layer2Speaker>> Layer2Speaker::Create(
    EventLoop* loop, arp::PacketSocketFactory* sockets, Layer2SpeakerOptions options,
    metrics::Registry* registry) {
  if (options.key.empty()) {
    return absl::InvalidArgumentError(
        "layer 2 needs the speakers' shared key (--layer2-key-file): adverts are signed with it");
  }
  options.restart_grace = std::min<std::chrono::milliseconds>(
      options.restart_grace, absl::ToChronoMilliseconds(Membership::kMaxRestartGrace));
  std::unique_ptr<Layer2Speaker> s(new Layer2Speaker(loop, std::move(options)));
  if (!s->options_.restart_state_file.empty()) {
    auto taken = TakeRestartState(s->options_.restart_state_file, s->options_.node, ThisHostId(),
                                  absl::Now());
    if (!taken.ok()) {
      IRONLB_LOG(kWarn, "layer 2: restart state unusable; starting afresh")
          .With("error", taken.status());
    } else if (*taken) {
      for (const auto& [ifname, vips] : (*taken)->claims) {
        s->adopted_[ifname].insert(vips.begin(), vips.end());
      }
      s->adopt_until_ = (*taken)->deadline;
      IRONLB_LOG(kInfo, "layer 2: adopting the VIPs of this node's previous speaker process")
          .With("interfaces", s->adopted_.size())
          .With("until", absl::FormatTime((*taken)->deadline));
    }
  }
  auto l2 = arp::Layer2Service::Create(loop, sockets, s->options_.arp);
  if (!l2.ok()) return l2.status();
  s->layer2_ = std::move(*l2);
  Layer2Speaker* raw = s.get();
  auto links = arp::LinkMonitor::Create(
      loop, {.changed = [raw](const arp::Link& l) { raw->OnLinkChanged(l); },
             .removed = [raw](int ifindex) { raw->OnLinkRemoved(ifindex); }});
  if (!links.ok()) return links.status();
  s->links_ = std::move(*links);
  s->checks_ = std::make_unique<LocalChecks>(loop, s->options_.local_check_prober,
                                             [raw] { raw->OnLocalChecksChanged(); });
  if (registry != nullptr) {
    auto m = std::make_unique<Metrics>();
    m->owned = &registry->AddGauge("ironlb_l2_vips_owned",
                                   "VIPs this node answers for, per interface.", {"interface"});
    m->elected = &registry->AddGauge(
        "ironlb_l2_vips_elected",
        "VIPs the election places on the segment, whichever node owns them (alerts compare its "
        "maximum with the sum of ironlb_l2_vips_owned over the speakers).",
        {"interface"});
    m->members =
        &registry->AddGauge("ironlb_l2_members_alive",
                            "Speakers alive on the segment (this one included).", {"interface"});
    m->adverts = &registry->AddCounter(
        "ironlb_l2_adverts_total",
        "Speaker adverts per interface: sent, received, or rejected (bad signature, malformed "
        "or replayed).",
        {"interface", "direction"});
    m->self_stalls = &registry->AddCounter(
        "ironlb_l2_self_stalls_total",
        "Times this speaker's own loop ran more than two advert intervals late (starved of CPU) "
        "and put off judging its peers' silence by one interval.",
        {"interface"});
    m->gained = &registry->AddCounter(
        "ironlb_l2_vips_gained_total",
        "VIPs this node took ownership of (start, takeover after a peer died or left, "
        "rebalancing after a join).",
        {"interface"});
    m->takeovers = &registry->AddCounter(
        "ironlb_l2_takeovers_total",
        "VIPs this node started answering for, by cause: start, assigned, peer-left, peer-died, "
        "peer-silent, rebalance.",
        {"interface", "cause"});
    m->failover = &registry->AddHistogram(
        "ironlb_l2_failover_seconds",
        "From the old owner's last advert to this node claiming its VIP (cause: peer-left, "
        "peer-died, peer-silent).",
        {"interface", "cause"}, {0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.3, 0.5, 1, 2, 5});
    m->local_check = &registry->AddGauge(
        "ironlb_l2_local_check_passing",
        "1 while the L2Advertisement's localCheck passes on this node (it may then own the "
        "advertisement's VIPs), 0 while it fails or has no result yet.",
        {"advertisement"});
    s->metrics_ = std::move(m);
    raw->UpdateMetrics();
  }
  return s;
}

Layer2Speaker::~Layer2Speaker() {
  checks_.reset();  // joins the checker threads first
  if (settle_timer_ != 0) loop_->Cancel(settle_timer_);
  if (metrics_timer_ != 0) loop_->Cancel(metrics_timer_);
  if (leave_timer_ != 0) loop_->Cancel(leave_timer_);
  segments_.clear();
  links_.reset();
}

bool Layer2Speaker::WantsSegment(const arp::Link& link) const {
  if (!config_ || !link.CanAnnounce()) return false;
  for (const auto& adv : config_->config.l2_advertisements) {
    if (arp::InterfaceSelected(link.name, adv.interfaces, options_.arp.excluded_interfaces)) {
      return true;
    }
  }
  return false;
}

void Layer2Speaker::OnLinkChanged(const arp::Link& link) {
  layer2_->LinkChanged(link);
  SyncSegments();
}

void Layer2Speaker::OnLinkRemoved(int ifindex) {
  layer2_->LinkRemoved(ifindex);
  SyncSegments();
}

bool Layer2Speaker::LocalChecksSettled() const {
  return checks_->AllKnown() || absl::Now() >= checks_settle_by_;
}

bool Layer2Speaker::RefreshLocalChecks() {
  std::set<std::string> passing = checks_->Passing();
  if (metrics_) {
    metrics_->local_check->Clear();
    for (const LocalCheckResult& r : checks_->Results()) {
      metrics_->local_check->WithLabels({r.advertisement}).Set(r.passing ? 1 : 0);
    }
  }
  if (passing == passing_) return false;
  passing_ = std::move(passing);
  IRONLB_LOG(kInfo, "layer 2: local checks passing")
      .With("advertisements", passing_.empty() ? "none" : absl::StrJoin(passing_, ","));
  for (auto& [ifindex, st] : segments_) {
    if (st.segment) st.segment->SetLabels(WithPassingChecks(options_.labels, passing_));
  }
  return true;
}

void Layer2Speaker::OnLocalChecksChanged() {
  if (stopping_) return;
  const bool changed = RefreshLocalChecks();
  SyncSegments();  // joins the segments once the first results are in
  if (changed) Recompute();
}

void Layer2Speaker::SyncSegments() {
  if (stopping_ || !links_ || !LocalChecksSettled()) return;
  bool changed = false;
  // Drop segments whose interface went away, went down or is no longer wanted.
  for (auto it = segments_.begin(); it != segments_.end();) {
    auto link = links_->links().find(it->first);
    if (link == links_->links().end() || !WantsSegment(link->second)) {
      IRONLB_LOG(kInfo, "layer 2: leaving segment").With("interface", it->second.segment->ifname());
      it = segments_.erase(it);
      changed = true;
    } else {
      ++it;
    }
  }
  for (const auto& [ifindex, link] : links_->links()) {
    if (segments_.count(ifindex) > 0 || !WantsSegment(link)) continue;
    SegmentState st;
    std::optional<IpAddress> address;
    for (const IpAddress& a : link.addresses) {
      if (a.is_v4()) {
        address = a;
        break;
      }
      if (!address) address = a;
    }
    SegmentState* slot = &segments_[ifindex];
    if (address) {
      auto mesh = LivenessMesh::Create(loop_, options_.node, options_.key, *address,
                                       options_.liveness_port, [slot](const std::string& peer) {
                                         if (slot->segment) slot->segment->PeerLost(peer);
                                       });
      if (mesh.ok()) {
        st.mesh = std::move(*mesh);
      } else {
        IRONLB_LOG(kWarn, "layer 2: no liveness listener; a killed peer is noticed by silence")
            .With("interface", link.name)
            .With("error", mesh.status());
      }
    }
    SegmentOptions opts{.node = options_.node,
                        .key = options_.key,
                        .labels = WithPassingChecks(options_.labels, passing_),
                        .incarnation = static_cast<uint64_t>(absl::ToUnixNanos(absl::Now())),
                        .interval = options_.interval,
                        .dead_after = options_.dead_after,
                        .frozen_hold = options_.frozen_hold,
                        .hold_off = options_.dead_after};
    for (const IpAddress& v : Adopted(link.name)) opts.initial_claims.push_back(v);
    auto seg = Segment::Create(loop_, ifindex, link.name, link.mac.bytes(), address, st.mesh.get(),
                               st.mesh ? st.mesh->port() : 0, opts, [this] { Recompute(); });
    if (!seg.ok()) {
      IRONLB_LOG(kError, "layer 2: cannot join segment")
          .With("interface", link.name)
          .With("error", seg.status());
      segments_.erase(ifindex);
      continue;
    }
    st.segment = std::move(*seg);
    *slot = std::move(st);
    IRONLB_LOG(kInfo, "layer 2: joined segment").With("interface", link.name);
    changed = true;
  }
  if (changed) Recompute();
}

void Layer2Speaker::SetDesired(std::shared_ptr<const config::LoadResult> config,
                               const AssignedServices& services,
                               std::shared_ptr<const ClusterFacts> facts) {
  vips_ = Layer2Vips(config->config, services, std::move(facts));
  checks_->Set(config->config);
  if (!checks_->AllKnown()) {
    // Wait for the first results before joining (LocalChecksSettled), at most a timeout more.
    checks_settle_by_ =
        absl::Now() + absl::FromChrono(checks_->LongestTimeout()) + absl::Milliseconds(100);
    if (settle_timer_ != 0) loop_->Cancel(settle_timer_);
    settle_timer_ = loop_->RunAfter(
        absl::ToChronoMilliseconds(checks_settle_by_ - absl::Now()) + std::chrono::milliseconds(1),
        [this] {
          settle_timer_ = 0;
          SyncSegments();
        });
  }
  config_ = std::move(config);
  RefreshLocalChecks();  // a check removed with the configuration no longer passes
  SyncSegments();
  Recompute();
}

std::set<IpAddress> Layer2Speaker::Adopted(const std::string& ifname) const {
  auto it = adopted_.find(ifname);
  if (it == adopted_.end() || absl::Now() >= adopt_until_) return {};
  std::set<IpAddress> out;
  for (const Layer2Vip& v : vips_) {
    if (it->second.count(v.vip) > 0) out.insert(v.vip);
  }
  return out;
}

void Layer2Speaker::Recompute() {
  if (leaving_ && ReleaseClaimedByOthers()) return;
  if (stopping_) return;
  const auto before = layer2_->Announced();
  std::vector<SegmentView> views;
  for (const auto& [ifindex, st] : segments_) {
    if (!st.segment) continue;
    SegmentView v;
    v.ifname = st.segment->ifname();
    v.sticky = options_.sticky;
    // Members count once ready, ourselves included: a node that just joined owns nothing by
    // the hash until it has heard everybody, and nobody hands it VIPs before then. Before
    // that a member counts only for what it answers for (a restarted speaker adopting).
    std::set<IpAddress> mine;
    if (auto it = before.find(v.ifname); it != before.end()) {
      mine.insert(it->second.begin(), it->second.end());
    }
    if (st.segment->ready()) {
      adopted_.erase(v.ifname);  // past the hold-off: what we answer for is ours anyway
    } else {
      for (const IpAddress& a : Adopted(v.ifname)) mine.insert(a);
    }
    if (st.segment->ready() || !mine.empty()) {
      v.alive[options_.node] = {st.segment->ifname(), options_.labels, st.segment->ready(),
                                std::move(mine), st.segment->incarnation()};
      v.alive[options_.node].passing_checks = passing_;
    }
    for (const std::string& node : st.segment->Alive()) {
      if (node == options_.node) continue;
      const Membership::Member* m = st.segment->membership().Find(node);
      if (m == nullptr) continue;
      std::set<IpAddress> claims(m->last.claims.begin(), m->last.claims.end());
      if (m->last.ready || !claims.empty()) {
        std::set<std::string> passing;
        config::Labels labels = PassingChecksOf(m->last.labels, &passing);
        SegmentView::Member& member = v.alive[node];
        member = {m->last.interface, std::move(labels), m->last.ready, std::move(claims),
                  m->last.incarnation};
        member.passing_checks = std::move(passing);
      }
    }
    views.push_back(std::move(v));
  }
  std::vector<arp::VipClaim> claims =
      ClaimsFor(options_.node, vips_, views, options_.arp.excluded_interfaces);
  if (config_) {
    for (arp::VipClaim& c : SourceNatClaims(config_->config, claims, EgressFn())) {
      claims.push_back(std::move(c));
    }
  }
  if (options_.on_ownership_changing) {
    std::set<IpAddress> was, will;
    for (const auto& [ifname, vips] : before) was.insert(vips.begin(), vips.end());
    for (const arp::VipClaim& c : claims) will.insert(c.vip);
    if (was != will || !ownership_reported_) {
      ownership_reported_ = true;
      options_.on_ownership_changing(will);
    }
  }
  layer2_->SetOwnedVips(std::move(claims));
  const auto announced = layer2_->Announced();
  for (auto& [ifindex, st] : segments_) {
    if (!st.segment) continue;
    auto it = announced.find(st.segment->ifname());
    st.segment->SetClaims(it == announced.end() ? std::vector<IpAddress>() : it->second);
  }
  NoteTakeovers(views);
  if (metrics_) {
    for (const auto& [ifname, vips] : layer2_->Announced()) {
      auto it = before.find(ifname);
      size_t gained = 0;
      for (const IpAddress& v : vips) {
        if (it == before.end() || !std::binary_search(it->second.begin(), it->second.end(), v)) {
          ++gained;
        }
      }
      if (gained > 0) metrics_->gained->WithLabels({ifname}).Increment(static_cast<double>(gained));
    }
    UpdateMetrics();
  }
}

std::function<std::string(const IpAddress&)> Layer2Speaker::EgressFn() const {
  if (options_.egress_interface) return options_.egress_interface;
  return [](const IpAddress& a) {
    auto name = arp::EgressInterface(a);
    return name.ok() ? *name : std::string();
  };
}

Takeover Layer2Speaker::Explain(const SegmentView& view, const IpAddress& vip,
                                const std::string& previous, bool was_ready) const {
  Takeover t{.vip = vip, .interface = view.ifname, .previous_owner = previous, .at = absl::Now()};
  if (previous.empty() && !was_ready && adopted_.count(view.ifname) > 0 &&
      adopted_.at(view.ifname).count(vip) > 0) {
    t.cause = "restart";
    t.reason = "adopted from this node's previous speaker process (hitless restart)";
    return t;
  }
  if (previous.empty()) {
    t.cause = was_ready ? "assigned" : "start";
    t.reason = was_ready ? "a new or newly eligible VIP; this node wins the hash"
                         : "this node became ready on the segment and wins the hash";
    return t;
  }
  if (auto alive = view.alive.find(previous); alive != view.alive.end()) {
    for (const Layer2Vip& v : vips_) {
      if (v.vip != vip) continue;
      Verdict e = Eligibility(v, previous, alive->second, options_.arp.excluded_interfaces);
      if (e) break;
      t.cause = "peer-ineligible";
      t.reason = absl::StrCat(previous, " is no longer eligible: ", e.reason);
      return t;
    }
    t.cause = "rebalance";
    t.reason = absl::StrCat("this node now wins the hash over ", previous, " (still alive)");
    return t;
  }
  const Membership::Departure* d = nullptr;
  for (const auto& [ifindex, st] : segments_) {
    if (st.segment && st.segment->ifname() == view.ifname) {
      d = st.segment->membership().FindDeparture(previous);
    }
  }
  if (d == nullptr) {  // it was alive but not ready, or excluded: it stopped being eligible
    t.cause = "rebalance";
    t.reason = absl::StrCat(previous, " is no longer eligible");
    return t;
  }
  t.failover = t.at - d->last_heard;
  const int64_t ms = absl::ToInt64Milliseconds(*t.failover);
  switch (d->cause) {
    case Membership::Cause::kLeft:
      t.cause = "peer-left";
      t.reason = absl::StrCat(previous, " left (graceful stop)");
      break;
    case Membership::Cause::kConnectionLost:
      t.cause = "peer-died";
      t.reason = absl::StrCat(previous, "'s liveness link closed (its speaker died); last advert ",
                              ms, " ms before the takeover");
      break;
    case Membership::Cause::kRestartTimedOut:
      t.cause = "peer-restart-timeout";
      t.reason = absl::StrCat(previous, "'s speaker did not come back within its restart grace");
      break;
    case Membership::Cause::kFrozenTooLong:
      t.cause = "peer-frozen";
      t.reason = absl::StrCat(previous, "'s host answers but its speaker sent nothing for ", ms,
                              " ms (--layer2-frozen-hold)");
      break;
    case Membership::Cause::kSilent:
      t.cause = "peer-silent";
      t.reason =
          absl::StrCat(previous, " went silent (link cut, host down or frozen); last advert ", ms,
                       " ms before the takeover");
      break;
  }
  return t;
}

void Layer2Speaker::NoteTakeovers(const std::vector<SegmentView>& views) {
  std::map<std::string, std::map<IpAddress, std::string>> now_owners;
  for (const SegmentView& view : views) {
    auto owners = OwnersOn(vips_, view, options_.arp.excluded_interfaces);
    auto known = owners_.find(view.ifname);
    for (const auto& [vip, owner] : owners) {
      if (owner != options_.node) continue;
      std::string previous;
      if (known != owners_.end()) {
        auto it = known->second.find(vip);
        if (it != known->second.end()) previous = it->second;
      }
      if (previous == options_.node) continue;
      Takeover t = Explain(view, vip, previous, ready_on_.count(view.ifname) > 0);
      IRONLB_LOG(kInfo, "layer 2: took over VIP")
          .With("vip", vip.ToString())
          .With("interface", view.ifname)
          .With("cause", t.cause)
          .With("reason", t.reason);
      if (metrics_) {
        metrics_->takeovers->WithLabels({view.ifname, t.cause}).Increment();
        if (t.failover) {
          metrics_->failover->WithLabels({view.ifname, t.cause})
              .Observe(absl::ToDoubleSeconds(*t.failover));
        }
      }
      owned_since_[{view.ifname, vip}] = t;
      takeovers_.push_back(std::move(t));
      if (takeovers_.size() > 32) takeovers_.pop_front();
    }
    now_owners[view.ifname] = std::move(owners);
  }
  for (auto it = owned_since_.begin(); it != owned_since_.end();) {
    auto seg = now_owners.find(it->first.first);
    bool still = false;
    if (seg != now_owners.end()) {
      auto o = seg->second.find(it->first.second);
      still = o != seg->second.end() && o->second == options_.node;
    }
    it = still ? std::next(it) : owned_since_.erase(it);
  }
  owners_ = std::move(now_owners);
  ready_on_.clear();
  for (const SegmentView& view : views) {
    if (view.alive.count(options_.node) > 0) ready_on_.insert(view.ifname);
  }
}

std::vector<SegmentStatus> Layer2Speaker::Segments() const {
  std::vector<SegmentStatus> out;
  for (const auto& [ifindex, st] : segments_) {
    if (!st.segment) continue;
    SegmentStatus s{.interface = st.segment->ifname(), .ready = st.segment->ready()};
    for (const std::string& node : st.segment->Alive()) {
      const Membership::Member* m = st.segment->membership().Find(node);
      if (node == options_.node || m == nullptr) continue;
      SegmentStatus::Peer p{node, m->last.interface, m->last.ready, m->last_heard, {}, {}};
      p.labels = PassingChecksOf(m->last.labels, &p.passing_checks);
      s.peers.push_back(std::move(p));
    }
    out.push_back(std::move(s));
  }
  return out;
}

void Layer2Speaker::UpdateMetrics() {
  if (!metrics_) return;
  metrics_->owned->Clear();
  for (const auto& [ifindex, st] : segments_) {  // 0 on every layer-2 interface, not absent
    if (st.segment) metrics_->owned->WithLabels({st.segment->ifname()}).Set(0);
  }
  for (const auto& [ifname, vips] : layer2_->Announced()) {
    metrics_->owned->WithLabels({ifname}).Set(static_cast<double>(vips.size()));
  }
  metrics_->elected->Clear();
  for (const auto& [ifindex, st] : segments_) {
    if (st.segment) metrics_->elected->WithLabels({st.segment->ifname()}).Set(0);
  }
  for (const auto& [ifname, owners] : owners_) {
    metrics_->elected->WithLabels({ifname}).Set(static_cast<double>(owners.size()));
  }
  metrics_->members->Clear();
  for (const auto& [ifindex, st] : segments_) {
    if (!st.segment) continue;
    const std::string& ifname = st.segment->ifname();
    metrics_->members->WithLabels({ifname}).Set(static_cast<double>(st.segment->Alive().size()));
    const SegmentCounters now = st.segment->counters();
    SegmentCounters& was = metrics_->reported[ifname];
    // Counters only grow; a segment that was recreated starts again from zero.
    auto add = [](metrics::Counter& counter, uint64_t n, uint64_t& prev) {
      if (n < prev) prev = 0;
      if (n > prev) counter.Increment(static_cast<double>(n - prev));
      prev = n;
    };
    add(metrics_->adverts->WithLabels({ifname, "sent"}), now.adverts_sent, was.adverts_sent);
    add(metrics_->adverts->WithLabels({ifname, "received"}), now.adverts_received,
        was.adverts_received);
    add(metrics_->adverts->WithLabels({ifname, "rejected"}), now.adverts_rejected,
        was.adverts_rejected);
    add(metrics_->self_stalls->WithLabels({ifname}), now.self_stalls, was.self_stalls);
  }
  if (metrics_timer_ == 0) {
    metrics_timer_ = loop_->RunAfter(std::chrono::seconds(1), [this] {
      metrics_timer_ = 0;
      UpdateMetrics();
    });
  }
}

std::map<std::string, std::vector<std::string>> Layer2Speaker::Members() const {
  std::map<std::string, std::vector<std::string>> out;
  for (const auto& [ifindex, st] : segments_) {
    if (st.segment) out[st.segment->ifname()] = st.segment->Alive();
  }
  return out;
}

void Layer2Speaker::Shutdown(std::function<void()> done) {
  for (auto& [ifindex, st] : segments_) {
    if (st.segment) st.segment->Leave();
  }
  stopping_ = true;
  leaving_ = true;
  leave_done_ = std::move(done);
  // Each VIP is answered until its heir claims it (Recompute -> ReleaseClaimedByOthers), so a
  // client sees exactly one answerer at any instant; leave_grace bounds the wait.
  leave_timer_ = loop_->RunAfter(options_.leave_grace, [this] {
    leave_timer_ = 0;
    layer2_->SetOwnedVips({});
    ReleaseClaimedByOthers();
  });
  ReleaseClaimedByOthers();
}

bool Layer2Speaker::ReleaseClaimedByOthers() {
  if (!leaving_) return false;
  std::vector<arp::VipClaim> keep;
  for (const auto& [ifname, vips] : layer2_->Announced()) {
    const Segment* seg = nullptr;
    for (const auto& [ifindex, st] : segments_) {
      if (st.segment && st.segment->ifname() == ifname) seg = st.segment.get();
    }
    for (const IpAddress& vip : vips) {
      bool claimed = false;
      for (const std::string& node : seg != nullptr ? seg->Alive() : std::vector<std::string>()) {
        const Membership::Member* m = seg->membership().Find(node);
        if (m != nullptr &&
            std::find(m->last.claims.begin(), m->last.claims.end(), vip) != m->last.claims.end()) {
          claimed = true;
        }
      }
      if (!claimed) keep.push_back({vip, {ifname}});
    }
  }
  layer2_->SetOwnedVips(keep);
  if (!keep.empty()) return false;
  leaving_ = false;
  if (leave_timer_ != 0) loop_->Cancel(leave_timer_);
  leave_timer_ = 0;
  // Let go of the segments on the next turn: this may run inside one of their callbacks.
  loop_->RunAfter(std::chrono::milliseconds(0), [this, done = std::move(leave_done_)] {
    segments_.clear();
    if (done) done();
  });
  return true;
}

void Layer2Speaker::Restart(std::function<void()> done) {
  stopping_ = true;
  if (!options_.restart_state_file.empty()) {
    RestartState state{.node = options_.node,
                       .host_id = ThisHostId(),
                       .deadline = absl::Now() + absl::FromChrono(options_.restart_grace),
                       .claims = layer2_->Announced()};
    if (absl::Status st = WriteRestartState(options_.restart_state_file, state); !st.ok()) {
      IRONLB_LOG(kWarn, "layer 2: cannot leave the restart state; the next process starts afresh")
          .With("error", st);
    }
  }
  for (auto& [ifindex, st] : segments_) {
    if (st.segment) st.segment->Restart(options_.restart_grace);
  }
  IRONLB_LOG(kInfo, "layer 2: restarting; the other speakers keep this node's VIPs with it")
      .With("grace_ms", options_.restart_grace.count());
  if (done) done();
}

}  // namespace ironlb::speaker

#include "speaker/layer2/membership/segment.h"

#include <algorithm>

#include "absl/time/clock.h"
#include "common/log.h"
#include "speaker/layer2/membership/advert.h"

namespace ironlb::speaker {

Segment::Segment(EventLoop* loop, std::string ifname, std::array<uint8_t, 6> mac,
                 std::unique_ptr<AdvertSocket> socket, std::optional<IpAddress> address,
                 LivenessMesh* mesh, uint16_t liveness_port, SegmentOptions options,
                 ChangedFn changed)
    : loop_(loop),
      ifname_(std::move(ifname)),
      mac_(mac),
      socket_(std::move(socket)),
      address_(address),
      mesh_(mesh),
      liveness_port_(liveness_port),
      options_(std::move(options)),
      changed_(std::move(changed)),
      membership_(options_.node, absl::FromChrono(options_.dead_after),
                  absl::FromChrono(options_.frozen_hold)),
      claims_(options_.initial_claims),
      probe_(loop, [this](const std::string& node) {
        membership_.OnHostAlive(node, absl::Now());
        ArmExpiry();
      }) {
  std::sort(claims_.begin(), claims_.end());
}

absl::StatusOr<std::unique_ptr<Segment>> Segment::Create(
    EventLoop* loop, int ifindex, std::string ifname, std::array<uint8_t, 6> mac,
    std::optional<IpAddress> address, LivenessMesh* mesh, uint16_t liveness_port,
    SegmentOptions options, ChangedFn changed) {
  if (options.key.empty()) {
    return absl::InvalidArgumentError(
        "layer 2: set the speakers' shared key; adverts are signed with it");
  }
  auto socket = AdvertSocket::Open(ifindex, ifname);
  if (!socket.ok()) return socket.status();
  std::unique_ptr<Segment> s(new Segment(loop, std::move(ifname), mac, std::move(*socket), address,
                                         mesh, liveness_port, std::move(options),
                                         std::move(changed)));
  Segment* raw = s.get();
  if (absl::Status st = loop->Watch(raw->socket_->fd(), [raw] { raw->OnReadable(); }); !st.ok()) {
    return st;
  }
  raw->Tick();  // first advert at once (not ready), then every interval
  raw->ready_timer_ = loop->RunAfter(raw->options_.hold_off, [raw] {
    raw->ready_timer_ = 0;
    // Adverts that queued while this loop was busy first: ready means "has heard everybody".
    raw->OnReadable();
    raw->ready_ = true;
    raw->SendAdvert(false);  // tell the others at once, not at the next tick
    if (raw->changed_) raw->changed_();
  });
  return s;
}

Segment::~Segment() {
  loop_->Unwatch(socket_->fd());
  if (tick_ != 0) loop_->Cancel(tick_);
  if (ready_timer_ != 0) loop_->Cancel(ready_timer_);
  if (expiry_timer_ != 0) loop_->Cancel(expiry_timer_);
}

void Segment::SendAdvert(bool leaving) {
  Advert a;
  a.node = options_.node;
  a.interface = ifname_;
  a.leaving = leaving;
  a.ready = ready_;
  a.interval_ms = static_cast<uint16_t>(options_.interval.count());
  a.incarnation = options_.incarnation;
  a.sequence = ++sequence_;
  a.tcp_port = mesh_ != nullptr ? liveness_port_ : 0;
  a.address = address_;
  a.labels = options_.labels;
  a.restarting = restarting_;
  a.restart_grace_ms = static_cast<uint16_t>(std::min<int64_t>(restart_grace_.count(), 65535));
  a.claims = claims_;
  auto bytes = BuildAdvert(a, options_.key);
  if (!bytes.ok()) {
    IRONLB_LOG(kError, "cannot build advert")
        .With("interface", ifname_)
        .With("error", bytes.status());
    return;
  }
  if (absl::Status st = socket_->Send(*bytes, mac_); !st.ok()) {
    IRONLB_LOG(kWarn, "advert not sent").With("interface", ifname_).With("error", st);
    return;
  }
  ++counters_.adverts_sent;
}

void Segment::Tick() {
  tick_ = 0;
  if (leaving_ || restarting_) return;
  SendAdvert(false);
  ProbeHosts();
  CheckExpiry();
  tick_ = loop_->RunAfter(options_.interval, [this] { Tick(); });
}

void Segment::ProbeHosts() {
  // Restarting peers, and with a frozen hold silent ones: is their host's kernel still up?
  std::vector<std::string> nodes = membership_.Restarting();
  for (std::string& s : membership_.Suspects(absl::Now())) nodes.push_back(std::move(s));
  probe_.Retain(nodes);
  for (const std::string& node : nodes) {
    const Membership::Member* m = membership_.Find(node);
    if (m != nullptr && m->last.address && m->last.tcp_port != 0) {
      probe_.Probe(node, *m->last.address, m->last.tcp_port);
    }
  }
}

void Segment::CheckExpiry() {
  OnReadable();
  probe_.Collect();
  const absl::Time now = absl::Now();
  const absl::Duration interval = absl::FromChrono(options_.interval);
  const bool stalled = last_turn_ != absl::InfinitePast() && now - last_turn_ > 2 * interval;
  last_turn_ = now;
  if (stalled && options_.frozen_hold.count() > 0) {
    // We were starved ourselves: give the peers one interval to be heard (their adverts, or
    // their hosts' answers to the probes sent now) before judging anyone's silence.
    no_expiry_before_ = now + interval;
    ++counters_.self_stalls;
    ProbeHosts();
  }
  if (now < no_expiry_before_) {
    ArmExpiry();
    return;
  }
  const std::vector<std::string> dead = membership_.Expire(now);
  for (const std::string& node : dead) {
    const Membership::Departure* d = membership_.FindDeparture(node);
    IRONLB_LOG(kInfo, d == nullptr ? "peer fell silent"
                      : d->cause == Membership::Cause::kRestartTimedOut
                          ? "peer did not come back from its restart in time"
                      : d->cause == Membership::Cause::kFrozenTooLong
                          ? "peer's host answers but its speaker stayed silent too long"
                          : "peer fell silent")
        .With("interface", ifname_)
        .With("peer", node);
    if (mesh_ != nullptr) mesh_->Drop(node);
  }
  if (!dead.empty() && changed_) changed_();
  ArmExpiry();
}

void Segment::ArmExpiry() {
  if (expiry_timer_ != 0) loop_->Cancel(expiry_timer_);
  expiry_timer_ = 0;
  const absl::Time next = std::max(membership_.NextExpiry(), no_expiry_before_);
  if (next == absl::InfiniteFuture() || leaving_ || restarting_) return;
  // Just past the deadline (Expire needs "more than dead_after"); at least 1 ms from now.
  const absl::Duration wait =
      std::max(next - absl::Now(), absl::ZeroDuration()) + absl::Milliseconds(1);
  expiry_timer_ = loop_->RunAfter(absl::ToChronoNanoseconds(wait), [this] {
    expiry_timer_ = 0;
    CheckExpiry();
  });
}

void Segment::SetClaims(std::vector<IpAddress> claims) {
  std::sort(claims.begin(), claims.end());
  if (claims == claims_) return;
  claims_ = std::move(claims);
  if (!leaving_ && !restarting_) SendAdvert(false);  // peers learn of it now, not next tick
}

void Segment::SetLabels(std::map<std::string, std::string> labels) {
  if (labels == options_.labels) return;
  options_.labels = std::move(labels);
  if (!leaving_ && !restarting_) SendAdvert(false);
}

void Segment::OnReadable() {
  bool changed = false;
  for (int i = 0; i < 256; ++i) {  // bounded: the loop has other work
    auto payload = socket_->Receive();
    if (!payload.ok() || payload->empty()) break;
    auto advert = ParseAdvert(payload->data(), payload->size(), options_.key);
    if (!advert.ok()) {
      ++counters_.adverts_rejected;
      IRONLB_LOG(kDebug, "advert rejected")
          .With("interface", ifname_)
          .With("error", advert.status());
      continue;
    }
    ++counters_.adverts_received;
    const Membership::Member* before = membership_.Find(advert->node);
    const bool was_ready = before != nullptr && before->last.ready;
    const bool was_restarting = before != nullptr && before->restarting();
    const bool claims_changed = before == nullptr || before->last.claims != advert->claims ||
                                before->last.claims_known != advert->claims_known;
    switch (membership_.OnAdvert(*advert, absl::Now())) {
      case Membership::Verdict::kJoined:
        IRONLB_LOG(kInfo, "peer joined").With("interface", ifname_).With("peer", advert->node);
        changed = true;
        break;
      case Membership::Verdict::kLeft:
        IRONLB_LOG(kInfo, "peer leaving").With("interface", ifname_).With("peer", advert->node);
        if (mesh_ != nullptr) mesh_->Drop(advert->node);
        changed = true;
        break;
      case Membership::Verdict::kStale:
        ++counters_.adverts_rejected;
        break;
      case Membership::Verdict::kRefreshed:
        // Finished (or restarted) its hold-off, or took or released a VIP.
        if (advert->ready != was_ready || claims_changed) changed = true;
        break;
      case Membership::Verdict::kRestarting:
        if (!was_restarting) {
          IRONLB_LOG(kInfo, "peer restarting; its VIPs stay with it")
              .With("interface", ifname_)
              .With("peer", advert->node)
              .With("grace_ms", advert->restart_grace_ms);
          if (mesh_ != nullptr) mesh_->Drop(advert->node);
        }
        if (before == nullptr || claims_changed) changed = true;
        break;
      case Membership::Verdict::kSelf:
        break;
    }
    if (mesh_ != nullptr && !advert->leaving && !advert->restarting && advert->address &&
        advert->tcp_port != 0) {
      mesh_->Ensure(advert->node, *advert->address, advert->tcp_port);
    }
  }
  if (changed && changed_) changed_();
  ArmExpiry();
}

void Segment::PeerLost(const std::string& node) {
  if (membership_.OnConnectionLost(node, absl::Now())) {
    IRONLB_LOG(kInfo, "peer died").With("interface", ifname_).With("peer", node);
    if (changed_) changed_();
  }
}

void Segment::Leave() {
  leaving_ = true;
  if (tick_ != 0) loop_->Cancel(tick_);
  tick_ = 0;
  ArmExpiry();  // cancels it
  for (int i = 0; i < 3; ++i) SendAdvert(true);
}

void Segment::Restart(std::chrono::milliseconds grace) {
  restarting_ = true;
  restart_grace_ = grace;
  if (tick_ != 0) loop_->Cancel(tick_);
  tick_ = 0;
  ArmExpiry();  // cancels it
  for (int i = 0; i < 3; ++i) SendAdvert(false);
}

}  // namespace ironlb::speaker

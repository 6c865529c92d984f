#include "speaker/layer2/segment.h"

#include "absl/time/clock.h"
#include "common/log.h"
#include "speaker/layer2/advert.h"

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
      membership_(options_.node, absl::FromChrono(options_.dead_after)) {}

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
  if (!leaving_) SendAdvert(false);
  const std::vector<std::string> dead = membership_.Expire(absl::Now());
  for (const std::string& node : dead) {
    IRONLB_LOG(kInfo, "peer fell silent").With("interface", ifname_).With("peer", node);
    if (mesh_ != nullptr) mesh_->Drop(node);
  }
  if (!dead.empty() && changed_) changed_();
  if (!leaving_) tick_ = loop_->RunAfter(options_.interval, [this] { Tick(); });
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
        if (advert->ready != was_ready) changed = true;  // finished (or restarted) its hold-off
        break;
      case Membership::Verdict::kSelf:
        break;
    }
    if (mesh_ != nullptr && !advert->leaving && advert->address && advert->tcp_port != 0) {
      mesh_->Ensure(advert->node, *advert->address, advert->tcp_port);
    }
  }
  if (changed && changed_) changed_();
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
  for (int i = 0; i < 3; ++i) SendAdvert(true);
}

}  // namespace ironlb::speaker

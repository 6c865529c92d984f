#include "arp/layer2_service.h"

#include <algorithm>
#include <fstream>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "arp/arp_packet.h"
#include "arp/ndp_packet.h"
#include "arp/responder.h"
#include "common/log.h"

namespace ironlb::arp {
namespace {

bool ReadIpv6Forwarding(const std::string& ifname) {
  std::ifstream in(absl::StrCat("/proc/sys/net/ipv6/conf/", ifname, "/forwarding"));
  int value = 0;
  return (in >> value) && value != 0;
}

}  // namespace

absl::StatusOr<std::unique_ptr<Layer2Service>> Layer2Service::Create(EventLoop* loop,
                                                                     PacketSocketFactory* sockets,
                                                                     Layer2Options options) {
  if (options.gratuitous_count < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("layer2: gratuitous_count ", options.gratuitous_count, " is negative"));
  }
  if (options.gratuitous_count > 1 && options.gratuitous_interval.count() <= 0) {
    return absl::InvalidArgumentError("layer2: gratuitous_interval must be positive");
  }
  if (options.refresh_interval.count() < 0) {
    return absl::InvalidArgumentError("layer2: refresh_interval is negative");
  }
  if (!options.ipv6_forwarding) options.ipv6_forwarding = ReadIpv6Forwarding;
  return std::unique_ptr<Layer2Service>(new Layer2Service(loop, sockets, std::move(options)));
}

Layer2Service::Layer2Service(EventLoop* loop, PacketSocketFactory* sockets, Layer2Options options)
    : loop_(loop), sockets_(sockets), options_(std::move(options)) {
  announcer_ = std::make_unique<Announcer>(
      loop_, options_.gratuitous_count, options_.gratuitous_interval,
      [this](const Announcer::Claim& c) { SendGratuitous(c); },
      [this](const Announcer::Claim& c) {
        auto it = links_.find(c.ifindex);
        if (it == links_.end()) return false;
        auto vip = it->second.vips.find(c.vip);
        return vip != it->second.vips.end() && vip->second == c.generation;
      });
  if (options_.refresh_interval.count() > 0) {
    refresh_timer_ = loop_->RunAfter(options_.refresh_interval, [this] { Refresh(); });
  }
}

Layer2Service::~Layer2Service() {
  announcer_.reset();
  if (refresh_timer_ != 0) loop_->Cancel(refresh_timer_);
  for (auto& entry : links_) CloseSocket(entry.second);
}

void Layer2Service::SetOwnedVips(std::vector<VipClaim> claims) {
  claims_ = std::move(claims);
  for (auto& entry : links_) Reconcile(entry.second, false);
}

void Layer2Service::LinkChanged(const Link& link) {
  auto [it, inserted] = links_.try_emplace(link.ifindex);
  LinkState& state = it->second;
  bool mac_changed = !inserted && state.link.mac != link.mac;
  if (!inserted && (mac_changed || state.link.name != link.name)) {
    // A new name may match other claims (Reconcile sees to that); a new MAC must be announced.
    IRONLB_LOG(kInfo, "layer2: interface changed")
        .With("interface", link.name)
        .With("mac", link.mac.ToString());
  }
  state.link = link;
  state.router = options_.ipv6_forwarding(link.name);
  Reconcile(state, mac_changed);
}

void Layer2Service::LinkRemoved(int ifindex) {
  auto it = links_.find(ifindex);
  if (it == links_.end()) return;
  // The kernel dropped the interface with its memberships; just forget it.
  CloseSocket(it->second);
  links_.erase(it);
}

void Layer2Service::Reconcile(LinkState& state, bool reannounce) {
  absl::flat_hash_set<IpAddress> desired;
  if (state.link.CanAnnounce()) {
    for (const VipClaim& c : claims_) {
      if (InterfaceSelected(state.link.name, c.interfaces, options_.excluded_interfaces)) {
        desired.insert(c.vip);
      }
    }
  }
  std::vector<IpAddress> lost;
  for (const auto& entry : state.vips) {
    if (!desired.contains(entry.first)) lost.push_back(entry.first);
  }
  for (const IpAddress& vip : lost) Release(state, vip);

  std::vector<Announcer::Claim> announce;
  if (!desired.empty() && state.socket == nullptr) {
    if (absl::Status s = OpenSocket(state); !s.ok()) {
      // Retried at the next SetOwnedVips or link event; the VIPs stay unannounced meanwhile.
      IRONLB_LOG(kError, "layer2: cannot open packet socket")
          .With("interface", state.link.name)
          .With("error", s);
      return;
    }
  }
  for (const IpAddress& vip : desired) {
    auto it = state.vips.find(vip);
    if (it == state.vips.end()) {
      Gain(state, vip, announce);
    } else if (reannounce) {
      it->second = next_generation_++;
      announce.push_back({state.link.ifindex, vip, it->second});
    }
  }
  if (state.vips.empty()) CloseSocket(state);
  if (!announce.empty()) {
    IRONLB_LOG(kInfo, "layer2: announcing")
        .With("interface", state.link.name)
        .With("vips", announce.size());
    announcer_->Announce(std::move(announce));
  }
}

void Layer2Service::Gain(LinkState& state, const IpAddress& vip,
                         std::vector<Announcer::Claim>& announce) {
  if (vip.is_v6()) {
    IpAddress group = SolicitedNodeAddress(vip);
    if (state.groups[group]++ == 0) {
      if (absl::Status s = state.socket->JoinGroup(group); !s.ok()) {
        // Still answered when the NS reaches us (unicast NUD, or a switch that floods).
        IRONLB_LOG(kWarn, "layer2: cannot join solicited-node group").With("error", s);
      }
    }
  }
  uint64_t generation = next_generation_++;
  state.vips[vip] = generation;
  announce.push_back({state.link.ifindex, vip, generation});
}

void Layer2Service::Release(LinkState& state, const IpAddress& vip) {
  state.vips.erase(vip);
  if (!vip.is_v6() || state.socket == nullptr) return;
  IpAddress group = SolicitedNodeAddress(vip);
  auto it = state.groups.find(group);
  if (it == state.groups.end() || --it->second > 0) return;
  state.groups.erase(it);
  if (absl::Status s = state.socket->LeaveGroup(group); !s.ok()) {
    IRONLB_LOG(kWarn, "layer2: cannot leave solicited-node group").With("error", s);
  }
}

absl::Status Layer2Service::OpenSocket(LinkState& state) {
  auto socket = sockets_->Open(state.link.ifindex, state.link.name);
  if (!socket.ok()) return socket.status();
  int ifindex = state.link.ifindex;
  if (absl::Status s = loop_->Watch((*socket)->fd(), [this, ifindex] { OnReadable(ifindex); });
      !s.ok()) {
    return s;
  }
  state.socket = std::move(*socket);
  return absl::OkStatus();
}

void Layer2Service::CloseSocket(LinkState& state) {
  if (state.socket == nullptr) return;
  loop_->Unwatch(state.socket->fd());
  state.socket.reset();  // closing drops its group memberships too
  state.groups.clear();
  state.vips.clear();
}

void Layer2Service::OnReadable(int ifindex) {
  auto it = links_.find(ifindex);
  if (it == links_.end() || it->second.socket == nullptr) return;
  LinkState& state = it->second;
  auto owns = [&state](const IpAddress& vip) { return state.vips.contains(vip); };
  ResponderContext context{.own_mac = state.link.mac, .owns = owns, .router = state.router};
  uint8_t buffer[2048];
  for (int i = 0; i < 256; ++i) {  // bounded; level-triggered epoll brings us back
    absl::StatusOr<size_t> n = state.socket->Receive(absl::MakeSpan(buffer));
    if (!n.ok()) {
      IRONLB_LOG(kWarn, "layer2: receive failed").With("error", n.status());
      return;
    }
    if (*n == 0) return;
    std::optional<Frame> reply = AnswerFor(absl::MakeConstSpan(buffer, *n), context, counters_);
    if (!reply) continue;
    bool v4 = Load16(reply->bytes.data() + 12) == kEtherTypeArp;
    Send(state, reply->span(), v4 ? counters_.arp_replies_sent : counters_.na_replies_sent);
  }
}

void Layer2Service::Send(LinkState& state, absl::Span<const uint8_t> frame,
                         std::atomic<uint64_t>& sent) {
  if (absl::Status s = state.socket->Send(frame); !s.ok()) {
    Bump(counters_.send_errors);
    IRONLB_LOG(kDebug, "layer2: send failed").With("error", s);
    return;
  }
  Bump(sent);
}

void Layer2Service::SendGratuitous(const Announcer::Claim& claim) {
  auto it = links_.find(claim.ifindex);
  if (it == links_.end() || it->second.socket == nullptr) return;
  LinkState& state = it->second;
  if (claim.vip.is_v4()) {
    Send(state, BuildGratuitousArp(state.link.mac, claim.vip, GratuitousForm::kRequest).span(),
         counters_.gratuitous_arp_sent);
    if (options_.gratuitous_reply_form) {
      Send(state, BuildGratuitousArp(state.link.mac, claim.vip, GratuitousForm::kReply).span(),
           counters_.gratuitous_arp_sent);
    }
  } else {
    Send(state, BuildUnsolicitedAdvertisement(state.link.mac, claim.vip, state.router).span(),
         counters_.unsolicited_na_sent);
  }
}

void Layer2Service::Refresh() {
  for (auto& entry : links_) {
    LinkState& state = entry.second;
    state.router = options_.ipv6_forwarding(state.link.name);
    for (const auto& vip : state.vips) {
      SendGratuitous({state.link.ifindex, vip.first, vip.second});
    }
  }
  refresh_timer_ = loop_->RunAfter(options_.refresh_interval, [this] { Refresh(); });
}

std::map<std::string, std::vector<IpAddress>> Layer2Service::Announced() const {
  std::map<std::string, std::vector<IpAddress>> out;
  for (const auto& entry : links_) {
    if (entry.second.vips.empty()) continue;
    std::vector<IpAddress>& list = out[entry.second.link.name];
    for (const auto& vip : entry.second.vips) list.push_back(vip.first);
    std::sort(list.begin(), list.end());
  }
  return out;
}

}  // namespace ironlb::arp

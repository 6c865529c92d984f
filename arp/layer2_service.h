// Puts layer-2 ownership on the wire. Told "this node owns these VIPs on these interfaces"
// (SetOwnedVips, the whole set each time, reconciler style) and what the interfaces look like
// (LinkChanged/LinkRemoved, fed by LinkMonitor), it answers ARP requests and Neighbor
// Solicitations for exactly those VIPs on exactly those interfaces, joins their solicited-node
// groups, and announces every gained VIP with gratuitous ARP / unsolicited NA. It never decides
// ownership. Single-threaded: every call on the event loop's thread.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "arp/announcer.h"
#include "arp/counters.h"
#include "arp/link.h"
#include "arp/packet_socket.h"
#include "common/event_loop.h"
#include "common/ip.h"

namespace ironlb::arp {

// One owned VIP and where to announce it: interface names or patterns (see
// InterfaceSelected); empty means every interface that can announce, minus the excluded ones.
struct VipClaim {
  IpAddress vip;
  std::vector<std::string> interfaces;
};

struct Layer2Options {
  // Gratuitous rounds per gained VIP (first at once) and the gap between them; see
  // docs/layer2.md for why these defaults.
  int gratuitous_count = 5;
  std::chrono::milliseconds gratuitous_interval{1000};
  // Re-announce every owned VIP this often; 0 turns it off.
  std::chrono::milliseconds refresh_interval{0};
  // Send the reply form of gratuitous ARP after the request form.
  bool gratuitous_reply_form = true;
  std::vector<std::string> excluded_interfaces = DefaultExcludedInterfaces();
  // Whether the host forwards IPv6 on an interface (NA Router flag). Default: procfs.
  std::function<bool(const std::string& ifname)> ipv6_forwarding;
};

class Layer2Service {
 public:
  static absl::StatusOr<std::unique_ptr<Layer2Service>> Create(EventLoop* loop,
                                                               PacketSocketFactory* sockets,
                                                               Layer2Options options);
  ~Layer2Service();
  Layer2Service(const Layer2Service&) = delete;
  Layer2Service& operator=(const Layer2Service&) = delete;

  // The complete set of VIPs this node owns now. Gains are announced at once, losses stop
  // being answered at once; applying the same set twice does nothing.
  void SetOwnedVips(std::vector<VipClaim> claims);

  void LinkChanged(const Link& link);
  void LinkRemoved(int ifindex);

  const Layer2Counters& counters() const { return counters_; }
  // Interface name -> VIPs announced there (sorted), for status and tests.
  std::map<std::string, std::vector<IpAddress>> Announced() const;

 private:
  struct LinkState {
    Link link;
    bool router = false;
    std::unique_ptr<PacketSocket> socket;
    absl::flat_hash_map<IpAddress, uint64_t> vips;  // -> generation of the current gain
    absl::flat_hash_map<IpAddress, int> groups;     // solicited-node group -> VIPs using it
  };

  Layer2Service(EventLoop* loop, PacketSocketFactory* sockets, Layer2Options options);
  // Brings one interface's announced VIPs in line with claims_; re-announces everything on it
  // when `reannounce` (its MAC changed).
  void Reconcile(LinkState& state, bool reannounce);
  void Release(LinkState& state, const IpAddress& vip);
  void Gain(LinkState& state, const IpAddress& vip, std::vector<Announcer::Claim>& announce);
  absl::Status OpenSocket(LinkState& state);
  void CloseSocket(LinkState& state);
  void OnReadable(int ifindex);
  void SendGratuitous(const Announcer::Claim& claim);
  void Send(LinkState& state, absl::Span<const uint8_t> frame, std::atomic<uint64_t>& sent);
  void Refresh();
  bool ForwardsIpv6(const std::string& ifname) const;

  EventLoop* loop_;
  PacketSocketFactory* sockets_;
  Layer2Options options_;
  Layer2Counters counters_;
  std::vector<VipClaim> claims_;
  std::map<int, LinkState> links_;
  uint64_t next_generation_ = 1;
  std::unique_ptr<Announcer> announcer_;
  EventLoop::TimerId refresh_timer_ = 0;
};

}  // namespace ironlb::arp

#include "test/lab/announce.h"

#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <netinet/icmp6.h>
#include <netinet/if_ether.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cstring>
#include <thread>

#include "absl/strings/str_cat.h"
#include "common/errno_status.h"
#include "test/lab/host_command.h"

namespace ironlb::lab {
namespace {

absl::Status ParseMac(const std::string& mac, std::array<uint8_t, 6>& out) {
  if (sscanf(mac.c_str(), "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &out[0], &out[1], &out[2], &out[3],
             &out[4], &out[5]) != 6) {
    return absl::InvalidArgumentError(absl::StrCat("announce: bad MAC \"", mac, "\""));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status SendGratuitousArp(const std::string& netns, const std::string& interface,
                               const std::string& mac, const std::string& vip) {
  in_addr ip{};
  if (inet_pton(AF_INET, vip.c_str(), &ip) != 1) {
    return absl::InvalidArgumentError(absl::StrCat("gratuitous ARP: \"", vip, "\" not IPv4"));
  }
  std::array<uint8_t, 6> hw{};
  if (absl::Status s = ParseMac(mac, hw); !s.ok()) return s;
  std::array<uint8_t, sizeof(ether_header) + sizeof(ether_arp)> frame{};
  auto* eth = reinterpret_cast<ether_header*>(frame.data());
  memset(eth->ether_dhost, 0xff, ETH_ALEN);
  memcpy(eth->ether_shost, hw.data(), ETH_ALEN);
  eth->ether_type = htons(ETHERTYPE_ARP);
  auto* arp = reinterpret_cast<ether_arp*>(frame.data() + sizeof(ether_header));
  arp->arp_hrd = htons(ARPHRD_ETHER);
  arp->arp_pro = htons(ETHERTYPE_IP);
  arp->arp_hln = ETH_ALEN;
  arp->arp_pln = 4;
  arp->arp_op = htons(ARPOP_REQUEST);
  memcpy(arp->arp_sha, hw.data(), ETH_ALEN);
  memcpy(arp->arp_spa, &ip, 4);
  memcpy(arp->arp_tpa, &ip, 4);

  absl::Status result;
  std::thread t([&] {
    if (result = EnterNetnsForThread(netns); !result.ok()) return;
    const int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
    if (fd < 0) {
      result = ErrnoToStatus(errno, "gratuitous ARP: socket");
      return;
    }
    sockaddr_ll to{};
    to.sll_family = AF_PACKET;
    to.sll_protocol = htons(ETH_P_ARP);
    to.sll_ifindex = static_cast<int>(if_nametoindex(interface.c_str()));
    to.sll_halen = ETH_ALEN;
    memset(to.sll_addr, 0xff, ETH_ALEN);
    if (to.sll_ifindex == 0) {
      result = absl::NotFoundError(absl::StrCat("gratuitous ARP: no interface ", interface));
    } else if (sendto(fd, frame.data(), frame.size(), 0, reinterpret_cast<sockaddr*>(&to),
                      sizeof(to)) != static_cast<ssize_t>(frame.size())) {
      result = ErrnoToStatus(errno, absl::StrCat("gratuitous ARP for ", vip, " on ", interface));
    }
    close(fd);
  });
  t.join();
  return result;
}

absl::Status SendUnsolicitedNa(const std::string& netns, const std::string& interface,
                               const std::string& mac, const std::string& target) {
  in6_addr target_addr{};
  if (inet_pton(AF_INET6, target.c_str(), &target_addr) != 1) {
    return absl::InvalidArgumentError(absl::StrCat("unsolicited NA: \"", target, "\" not IPv6"));
  }
  std::array<uint8_t, 6> lladdr{};
  if (absl::Status s = ParseMac(mac, lladdr); !s.ok()) return s;
  // nd_neighbor_advert + one 8-byte target link-layer address option.
  std::array<uint8_t, sizeof(nd_neighbor_advert) + 8> packet{};
  auto* na = reinterpret_cast<nd_neighbor_advert*>(packet.data());
  na->nd_na_type = ND_NEIGHBOR_ADVERT;
  na->nd_na_flags_reserved = ND_NA_FLAG_OVERRIDE;
  na->nd_na_target = target_addr;
  uint8_t* opt = packet.data() + sizeof(nd_neighbor_advert);
  opt[0] = ND_OPT_TARGET_LINKADDR;
  opt[1] = 1;  // length in units of 8 bytes
  memcpy(opt + 2, lladdr.data(), lladdr.size());

  absl::Status result;
  std::thread t([&] {
    if (result = EnterNetnsForThread(netns); !result.ok()) return;
    const int fd = socket(AF_INET6, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMPV6);
    if (fd < 0) {
      result = ErrnoToStatus(errno, "unsolicited NA: socket");
      return;
    }
    const int hops = 255;  // receivers drop ND packets that crossed a router
    const unsigned ifindex = if_nametoindex(interface.c_str());
    setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &hops, sizeof(hops));
    setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, &ifindex, sizeof(ifindex));
    sockaddr_in6 to{};
    to.sin6_family = AF_INET6;
    inet_pton(AF_INET6, "ff02::1", &to.sin6_addr);
    to.sin6_scope_id = ifindex;
    // The kernel fills in the ICMPv6 checksum for raw ICMPv6 sockets.
    if (sendto(fd, packet.data(), packet.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof(to)) !=
        static_cast<ssize_t>(packet.size())) {
      result = ErrnoToStatus(errno, absl::StrCat("unsolicited NA for ", target, " on ", interface));
    }
    close(fd);
  });
  t.join();
  return result;
}

}  // namespace ironlb::lab

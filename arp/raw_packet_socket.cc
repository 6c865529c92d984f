#include "arp/raw_packet_socket.h"

#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "common/errno_status.h"

namespace ironlb::arp {

std::vector<sock_filter> RequestFilterProgram() {
  // Offsets into the Ethernet frame. NS are sent without extension headers (RFC 4861 has
  // none), so a fixed offset for the ICMPv6 type is enough.
  return {
      BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 12),                 // 0: EtherType
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ETH_P_ARP, 0, 2),   // 1: ARP? else 4
      BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 20),                 // 2: ARP opcode
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 1, 5, 6),           // 3: request -> accept
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ETH_P_IPV6, 0, 5),  // 4: IPv6? else drop
      BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 20),                 // 5: next header
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 58, 0, 3),          // 6: ICMPv6? else drop
      BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 54),                 // 7: ICMPv6 type
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 135, 0, 1),         // 8: NS -> accept
      BPF_STMT(BPF_RET | BPF_K, 0xffff),                      // 9: accept
      BPF_STMT(BPF_RET | BPF_K, 0),                           // 10: drop
  };
}

absl::StatusOr<std::unique_ptr<RawPacketSocket>> RawPacketSocket::Open(int ifindex,
                                                                       const std::string& name) {
  std::string what = absl::StrCat("packet socket on ", name);
  // Protocol 0: receives nothing until bound, so no unfiltered frame slips in before the
  // filter is attached.
  int fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return ErrnoToStatus(errno, what);
  auto sock = std::unique_ptr<RawPacketSocket>(new RawPacketSocket(fd, ifindex, name));
  std::vector<sock_filter> program = RequestFilterProgram();
  sock_fprog fprog{static_cast<unsigned short>(program.size()), program.data()};
  if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &fprog, sizeof(fprog)) != 0) {
    return ErrnoToStatus(errno, absl::StrCat(what, ": attach BPF filter"));
  }
  int one = 1;
  // Our own gratuitous ARP requests would otherwise come back to us.
  if (setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof(one)) != 0) {
    return ErrnoToStatus(errno, absl::StrCat(what, ": PACKET_IGNORE_OUTGOING"));
  }
  int rcvbuf = 4 << 20;  // bursts of requests after a failover; best effort
  setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf));
  sockaddr_ll addr{};
  addr.sll_family = AF_PACKET;
  addr.sll_protocol = htons(ETH_P_ALL);
  addr.sll_ifindex = ifindex;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    return ErrnoToStatus(errno, absl::StrCat(what, ": bind"));
  }
  return sock;
}

RawPacketSocket::~RawPacketSocket() {
  close(fd_);
  if (mld_fd_ >= 0) close(mld_fd_);
}

absl::StatusOr<size_t> RawPacketSocket::Receive(absl::Span<uint8_t> buffer) {
  while (true) {
    sockaddr_ll from{};
    socklen_t from_len = sizeof(from);
    ssize_t n = recvfrom(fd_, buffer.data(), buffer.size(), MSG_TRUNC,
                         reinterpret_cast<sockaddr*>(&from), &from_len);
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) return 0;
      if (errno == EINTR) continue;
      return ErrnoToStatus(errno, absl::StrCat("packet socket on ", name_, ": recvfrom"));
    }
    if (from.sll_pkttype == PACKET_OUTGOING) continue;
    // MSG_TRUNC returns the real length; a frame longer than the buffer is cut, and the
    // parsers only look at the first bytes anyway.
    return std::min(static_cast<size_t>(n), buffer.size());
  }
}

absl::Status RawPacketSocket::Send(absl::Span<const uint8_t> frame) {
  while (send(fd_, frame.data(), frame.size(), 0) < 0) {
    if (errno == EINTR) continue;
    return ErrnoToStatus(errno, absl::StrCat("packet socket on ", name_, ": send"));
  }
  return absl::OkStatus();
}

absl::Status RawPacketSocket::ChangeMembership(const IpAddress& group, bool join) {
  std::string what = absl::StrCat(join ? "join " : "leave ", group.ToString(), " on ", name_);
  if (mld_fd_ < 0) {
    // A socket that only holds memberships: the kernel then reports them with MLD (so
    // snooping switches forward the group here) and opens the NIC's multicast filter.
    mld_fd_ = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (mld_fd_ < 0) return ErrnoToStatus(errno, what);
  }
  bool link_layer = link_layer_groups_.count(group) > 0;
  ipv6_mreq mreq{};
  mreq.ipv6mr_multiaddr = group.ToV6();
  mreq.ipv6mr_interface = static_cast<unsigned>(ifindex_);
  if (!link_layer) {
    if (setsockopt(mld_fd_, IPPROTO_IPV6, join ? IPV6_JOIN_GROUP : IPV6_LEAVE_GROUP, &mreq,
                   sizeof(mreq)) == 0) {
      return absl::OkStatus();
    }
    int err = errno;
    if (join && err == EADDRINUSE) return absl::OkStatus();  // already a member
    if (!join || (err != ENOBUFS && err != ENOMEM)) return ErrnoToStatus(err, what);
  } else if (join) {
    return absl::OkStatus();
  }
  // Per-socket membership memory (net.core.optmem_max) ran out, which happens with thousands
  // of IPv6 VIPs: fall back to a link-layer membership on the packet socket, which still
  // opens the NIC filter but sends no MLD report.
  packet_mreq pm{};
  pm.mr_ifindex = ifindex_;
  pm.mr_type = PACKET_MR_MULTICAST;
  pm.mr_alen = 6;
  std::array<uint8_t, 16> b = group.bytes();
  uint8_t mac[6] = {0x33, 0x33, b[12], b[13], b[14], b[15]};
  std::memcpy(pm.mr_address, mac, 6);
  if (setsockopt(fd_, SOL_PACKET, join ? PACKET_ADD_MEMBERSHIP : PACKET_DROP_MEMBERSHIP, &pm,
                 sizeof(pm)) != 0) {
    return ErrnoToStatus(errno, what);
  }
  if (join) {
    link_layer_groups_.insert(group);
  } else {
    link_layer_groups_.erase(group);
  }
  return absl::OkStatus();
}

absl::Status RawPacketSocket::JoinGroup(const IpAddress& group) {
  return ChangeMembership(group, true);
}
absl::Status RawPacketSocket::LeaveGroup(const IpAddress& group) {
  return ChangeMembership(group, false);
}

}  // namespace ironlb::arp

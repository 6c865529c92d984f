#include "speaker/layer2/membership/advert_socket.h"

#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "common/errno_status.h"
#include "speaker/layer2/membership/advert.h"

namespace ironlb::speaker {

absl::StatusOr<std::unique_ptr<AdvertSocket>> AdvertSocket::Open(int ifindex, std::string name) {
  const std::string what = absl::StrCat("adverts on ", name);
  // Bound to our EtherType: the kernel hands us nothing else, no filter program needed.
  const int fd =
      socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, htons(kAdvertEtherType));
  if (fd < 0)
    return ErrnoToStatus(errno, absl::StrCat(what, ": packet socket (needs CAP_NET_RAW)"));
  sockaddr_ll addr{};
  addr.sll_family = AF_PACKET;
  addr.sll_protocol = htons(kAdvertEtherType);
  addr.sll_ifindex = ifindex;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    const int err = errno;
    close(fd);
    return ErrnoToStatus(err, absl::StrCat(what, ": bind"));
  }
  packet_mreq mreq{};
  mreq.mr_ifindex = ifindex;
  mreq.mr_type = PACKET_MR_MULTICAST;
  mreq.mr_alen = 6;
  std::memcpy(mreq.mr_address, kAdvertGroupMac.data(), 6);
  if (setsockopt(fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mreq, sizeof(mreq)) != 0) {
    const int err = errno;
    close(fd);
    return ErrnoToStatus(err, absl::StrCat(what, ": join multicast MAC"));
  }
  return std::unique_ptr<AdvertSocket>(new AdvertSocket(fd, ifindex, std::move(name)));
}

AdvertSocket::~AdvertSocket() { close(fd_); }

absl::Status AdvertSocket::Send(absl::Span<const uint8_t> payload,
                                const std::array<uint8_t, 6>& src_mac) {
  uint8_t frame[ETH_HLEN + kMaxAdvertBytes];
  if (payload.size() > kMaxAdvertBytes) {
    return absl::InvalidArgumentError(absl::StrCat("advert on ", name_, " too long"));
  }
  std::memcpy(frame, kAdvertGroupMac.data(), 6);
  std::memcpy(frame + 6, src_mac.data(), 6);
  frame[12] = static_cast<uint8_t>(kAdvertEtherType >> 8);
  frame[13] = static_cast<uint8_t>(kAdvertEtherType & 0xff);
  std::memcpy(frame + ETH_HLEN, payload.data(), payload.size());
  sockaddr_ll to{};
  to.sll_family = AF_PACKET;
  to.sll_ifindex = ifindex_;
  to.sll_halen = 6;
  std::memcpy(to.sll_addr, kAdvertGroupMac.data(), 6);
  const size_t len = ETH_HLEN + payload.size();
  if (sendto(fd_, frame, len, 0, reinterpret_cast<sockaddr*>(&to), sizeof(to)) !=
      static_cast<ssize_t>(len)) {
    return ErrnoToStatus(errno, absl::StrCat("send advert on ", name_));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<uint8_t>> AdvertSocket::Receive() {
  uint8_t frame[ETH_FRAME_LEN + 64];
  while (true) {
    sockaddr_ll from{};
    socklen_t fromlen = sizeof(from);
    const ssize_t n = recvfrom(fd_, frame, sizeof(frame), MSG_TRUNC,
                               reinterpret_cast<sockaddr*>(&from), &fromlen);
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) return std::vector<uint8_t>();
      if (errno == EINTR) continue;
      return ErrnoToStatus(errno, absl::StrCat("receive advert on ", name_));
    }
    if (from.sll_pkttype == PACKET_OUTGOING) continue;                      // our own, looped back
    if (n <= ETH_HLEN || static_cast<size_t>(n) > sizeof(frame)) continue;  // runt or giant
    return std::vector<uint8_t>(frame + ETH_HLEN, frame + n);
  }
}

}  // namespace ironlb::speaker

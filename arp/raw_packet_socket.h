// The real PacketSocket: AF_PACKET bound to one interface with a classic BPF filter attached
// before binding, so the process only wakes for ARP requests and Neighbor Solicitations.
#pragma once

#include <linux/filter.h>

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "arp/packet_socket.h"

namespace ironlb::arp {

// The filter program: accept Ethernet ARP requests (opcode 1) and IPv6 packets whose next
// header is ICMPv6 with type 135; drop everything else in the kernel.
std::vector<sock_filter> RequestFilterProgram();

class RawPacketSocket : public PacketSocket {
 public:
  static absl::StatusOr<std::unique_ptr<RawPacketSocket>> Open(int ifindex,
                                                               const std::string& name);
  ~RawPacketSocket() override;

  int fd() const override { return fd_; }
  absl::StatusOr<size_t> Receive(absl::Span<uint8_t> buffer) override;
  absl::Status Send(absl::Span<const uint8_t> frame) override;
  absl::Status JoinGroup(const IpAddress& group) override;
  absl::Status LeaveGroup(const IpAddress& group) override;

 private:
  RawPacketSocket(int fd, int ifindex, std::string name)
      : fd_(fd), ifindex_(ifindex), name_(std::move(name)) {}
  absl::Status ChangeMembership(const IpAddress& group, bool join);

  int fd_;
  int ifindex_;
  std::string name_;
  int mld_fd_ = -1;  // AF_INET6 socket holding group memberships (opened on first join)
  std::set<IpAddress> link_layer_groups_;  // joined through the fallback
};

class RawPacketSocketFactory : public PacketSocketFactory {
 public:
  absl::StatusOr<std::unique_ptr<PacketSocket>> Open(int ifindex,
                                                     const std::string& name) override {
    auto s = RawPacketSocket::Open(ifindex, name);
    if (!s.ok()) return s.status();
    return std::unique_ptr<PacketSocket>(std::move(*s));
  }
};

}  // namespace ironlb::arp

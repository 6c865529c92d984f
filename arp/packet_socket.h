// The small I/O interface between arp/ and the kernel: one packet socket per interface that
// delivers only ARP requests and Neighbor Solicitations, sends whole Ethernet frames, and
// joins solicited-node multicast groups. raw_packet_socket.h is the real one; unit tests use
// test/arp/fake_packet_socket.h.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "common/ip.h"

namespace ironlb::arp {

class PacketSocket {
 public:
  virtual ~PacketSocket() = default;
  // Readable when a frame is waiting; the event loop watches it.
  virtual int fd() const = 0;
  // Copies the next frame into `buffer`; returns its length, or 0 when nothing is waiting.
  // Frames the host itself sent are never returned.
  virtual absl::StatusOr<size_t> Receive(absl::Span<uint8_t> buffer) = 0;
  virtual absl::Status Send(absl::Span<const uint8_t> frame) = 0;
  // Joins / leaves an IPv6 multicast group (a solicited-node group) on the interface, so NS
  // to it reach the socket through NIC filters and MLD-snooping switches.
  virtual absl::Status JoinGroup(const IpAddress& group) = 0;
  virtual absl::Status LeaveGroup(const IpAddress& group) = 0;
};

class PacketSocketFactory {
 public:
  virtual ~PacketSocketFactory() = default;
  virtual absl::StatusOr<std::unique_ptr<PacketSocket>> Open(int ifindex,
                                                             const std::string& name) = 0;
};

}  // namespace ironlb::arp

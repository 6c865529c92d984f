// Adverts on the wire: Ethernet frames with the IEEE 802 local-experimental EtherType 0x88B5
// to a locally administered multicast MAC, on one interface. No IP configuration is needed and
// nothing leaves the segment: exactly the scope layer-2 ownership is about.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"

namespace ironlb::speaker {

inline constexpr uint16_t kAdvertEtherType = 0x88B5;
// 03:... = multicast (bit 0) + locally administered (bit 1); "ILB" then 0x0001.
inline constexpr std::array<uint8_t, 6> kAdvertGroupMac = {0x03, 0x49, 0x4c, 0x42, 0x00, 0x01};

class AdvertSocket {
 public:
  // Opens the socket on interface `ifindex` (`name` for messages) and joins the group.
  static absl::StatusOr<std::unique_ptr<AdvertSocket>> Open(int ifindex, std::string name);
  ~AdvertSocket();
  AdvertSocket(const AdvertSocket&) = delete;
  AdvertSocket& operator=(const AdvertSocket&) = delete;

  int fd() const { return fd_; }
  // Sends one advert payload from `src_mac`.
  absl::Status Send(absl::Span<const uint8_t> payload, const std::array<uint8_t, 6>& src_mac);
  // The next received payload (empty when none is waiting). Our own frames are not returned.
  absl::StatusOr<std::vector<uint8_t>> Receive();

 private:
  AdvertSocket(int fd, int ifindex, std::string name)
      : fd_(fd), ifindex_(ifindex), name_(std::move(name)) {}
  int fd_;
  int ifindex_;
  std::string name_;
};

}  // namespace ironlb::speaker

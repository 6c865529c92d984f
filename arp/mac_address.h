// Ethernet (EUI-48) addresses and the fixed-size frame buffer the packet builders fill.
#pragma once

#include <array>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace ironlb::arp {

class MacAddress {
 public:
  MacAddress() = default;  // 00:00:00:00:00:00
  explicit MacAddress(const std::array<uint8_t, 6>& bytes) : bytes_(bytes) {}
  // Parses "02:00:5e:10:00:01" (colon separated, hex, case-insensitive).
  static absl::StatusOr<MacAddress> Parse(absl::string_view text);
  // The first 6 bytes of `p`; the caller checked the length.
  static MacAddress FromBytes(const uint8_t* p);
  static MacAddress Broadcast() { return MacAddress({0xff, 0xff, 0xff, 0xff, 0xff, 0xff}); }

  const std::array<uint8_t, 6>& bytes() const { return bytes_; }
  bool is_zero() const { return *this == MacAddress(); }
  bool is_multicast() const { return (bytes_[0] & 1) != 0; }  // includes broadcast
  std::string ToString() const;

  friend auto operator<=>(const MacAddress&, const MacAddress&) = default;
  friend bool operator==(const MacAddress&, const MacAddress&) = default;
  template <typename H>
  friend H AbslHashValue(H h, const MacAddress& m) {
    return H::combine(std::move(h), m.bytes_);
  }

 private:
  std::array<uint8_t, 6> bytes_{};
};

// Large enough for every frame ironlb builds (the biggest, an NS or NA with one link-layer
// option, is 86 bytes). Builders return it by value: no allocation on the reply path.
inline constexpr size_t kMaxFrameLen = 96;
struct Frame {
  std::array<uint8_t, kMaxFrameLen> bytes{};
  size_t size = 0;
  absl::Span<const uint8_t> span() const { return absl::MakeConstSpan(bytes.data(), size); }
};

inline constexpr size_t kEthernetHeaderLen = 14;
inline constexpr uint16_t kEtherTypeArp = 0x0806;
inline constexpr uint16_t kEtherTypeIpv4 = 0x0800;
inline constexpr uint16_t kEtherTypeIpv6 = 0x86dd;

// Byte helpers shared by the builders and parsers (network order).
inline uint16_t Load16(const uint8_t* p) { return static_cast<uint16_t>(p[0] << 8 | p[1]); }
inline void Store16(uint8_t* p, uint16_t v) {
  p[0] = static_cast<uint8_t>(v >> 8);
  p[1] = static_cast<uint8_t>(v);
}

}  // namespace ironlb::arp

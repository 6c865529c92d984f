// IP addresses, prefixes and ranges for both families, with 128-bit arithmetic so that pools
// as large as an IPv4 /8 or an IPv6 /64 are handled without enumerating addresses.
#pragma once

#include <netinet/in.h>

#include <array>
#include <compare>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace ironlb {

using uint128 = unsigned __int128;

enum class IpFamily : uint8_t { kV4 = 4, kV6 = 6 };

absl::string_view IpFamilyName(IpFamily family);  // "IPv4" / "IPv6"

class IpAddress {
 public:
  // The IPv4 address 0.0.0.0.
  IpAddress() = default;

  // Parses "192.0.2.1" or "2001:db8::1" (no zone, no brackets, no prefix length).
  static absl::StatusOr<IpAddress> Parse(absl::string_view text);
  // `value` is the address as a number: at most 32 bits for IPv4.
  static IpAddress FromValue(IpFamily family, uint128 value);
  static IpAddress FromV4(in_addr addr);
  static IpAddress FromV6(const in6_addr& addr);
  // Network-order bytes: 4 for IPv4, 16 for IPv6.
  static absl::StatusOr<IpAddress> FromBytes(const uint8_t* bytes, size_t len);

  IpFamily family() const { return family_; }
  bool is_v4() const { return family_ == IpFamily::kV4; }
  bool is_v6() const { return family_ == IpFamily::kV6; }
  int bit_length() const { return is_v4() ? 32 : 128; }
  uint128 value() const { return value_; }

  // Network-order bytes; only the first 4 are meaningful for IPv4.
  std::array<uint8_t, 16> bytes() const;
  in_addr ToV4() const;
  in6_addr ToV6() const;
  std::string ToString() const;

  // Addresses order by family (IPv4 first), then numerically.
  friend std::strong_ordering operator<=>(const IpAddress&, const IpAddress&) = default;
  friend bool operator==(const IpAddress&, const IpAddress&) = default;

  template <typename H>
  friend H AbslHashValue(H h, const IpAddress& a) {
    return H::combine(std::move(h), a.family_, static_cast<uint64_t>(a.value_),
                      static_cast<uint64_t>(a.value_ >> 64));
  }

 private:
  IpAddress(IpFamily family, uint128 value) : family_(family), value_(value) {}

  IpFamily family_ = IpFamily::kV4;
  uint128 value_ = 0;
};

// All-ones mask of the family's width.
uint128 FamilyMax(IpFamily family);

class IpPrefix {
 public:
  IpPrefix(IpAddress network, int length) : network_(network), length_(length) {}

  // Parses "192.0.2.0/24". Host bits must be zero, and /0 is refused: a pool or filter of the
  // whole address space is always a mistake in ironlb's configuration.
  static absl::StatusOr<IpPrefix> Parse(absl::string_view text);

  const IpAddress& network() const { return network_; }
  int length() const { return length_; }
  IpFamily family() const { return network_.family(); }
  IpAddress first() const { return network_; }
  IpAddress last() const;
  bool Contains(const IpAddress& a) const;
  std::string ToString() const;

  friend bool operator==(const IpPrefix&, const IpPrefix&) = default;

 private:
  IpAddress network_;
  int length_;
};

// An inclusive range of addresses of one family.
class IpRange {
 public:
  IpRange(IpAddress first, IpAddress last) : first_(first), last_(last) {}

  // Parses a CIDR ("192.0.2.0/28") or an inclusive range ("192.0.2.10-192.0.2.20").
  static absl::StatusOr<IpRange> Parse(absl::string_view text);

  const IpAddress& first() const { return first_; }
  const IpAddress& last() const { return last_; }
  IpFamily family() const { return first_.family(); }
  bool Contains(const IpAddress& a) const { return first_ <= a && a <= last_; }
  bool Overlaps(const IpRange& o) const { return first_ <= o.last_ && o.first_ <= last_; }
  // Number of addresses, saturating at 2^128 - 1 (only ::/0 would need more).
  uint128 Size() const;
  // The smallest set of prefixes that exactly covers the range.
  std::vector<IpPrefix> ToPrefixes() const;
  // "192.0.2.0/28" when the range is one prefix, else "first-last".
  std::string ToString() const;

  friend bool operator==(const IpRange&, const IpRange&) = default;

 private:
  IpAddress first_;
  IpAddress last_;
};

// Decimal text of a 128-bit number (for counts such as pool sizes).
std::string Uint128ToString(uint128 v);

}  // namespace ironlb

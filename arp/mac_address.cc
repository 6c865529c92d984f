#include "arp/mac_address.h"

#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace ironlb::arp {
namespace {

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

absl::StatusOr<MacAddress> MacAddress::Parse(absl::string_view text) {
  std::array<uint8_t, 6> b{};
  if (text.size() != 17) {
    return absl::InvalidArgumentError(
        absl::StrCat("MAC address \"", text, "\": want 6 colon-separated hex bytes"));
  }
  for (size_t i = 0; i < 6; ++i) {
    int hi = HexDigit(text[i * 3]);
    int lo = HexDigit(text[i * 3 + 1]);
    if (hi < 0 || lo < 0 || (i < 5 && text[i * 3 + 2] != ':')) {
      return absl::InvalidArgumentError(
          absl::StrCat("MAC address \"", text, "\": want 6 colon-separated hex bytes"));
    }
    b[i] = static_cast<uint8_t>(hi << 4 | lo);
  }
  return MacAddress(b);
}

MacAddress MacAddress::FromBytes(const uint8_t* p) {
  std::array<uint8_t, 6> b;
  std::memcpy(b.data(), p, 6);
  return MacAddress(b);
}

std::string MacAddress::ToString() const {
  return absl::StrFormat("%02x:%02x:%02x:%02x:%02x:%02x", bytes_[0], bytes_[1], bytes_[2],
                         bytes_[3], bytes_[4], bytes_[5]);
}

}  // namespace ironlb::arp

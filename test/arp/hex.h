// Hex text <-> bytes for golden-frame tables.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_replace.h"
#include "absl/types/span.h"

namespace ironlb::arp::testing {

// "0200 0000" -> {0x02, 0, 0, 0}; spaces are for readability.
inline std::vector<uint8_t> FromHex(const std::string& hex) {
  std::string bytes = absl::HexStringToBytes(absl::StrReplaceAll(hex, {{" ", ""}}));
  return std::vector<uint8_t>(bytes.begin(), bytes.end());
}

inline std::string ToHex(absl::Span<const uint8_t> bytes) {
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
}

}  // namespace ironlb::arp::testing

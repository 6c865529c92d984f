#include "config/values.h"

#include <array>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace ironlb::config {

absl::string_view ProtocolName(Protocol p) { return p == Protocol::kTCP ? "TCP" : "UDP"; }

absl::StatusOr<TcpMss> ParseTcpMss(absl::string_view text) {
  if (absl::AsciiStrToLower(text) == "pmtu") return TcpMss{.pmtu = true};
  int v = 0;
  if (!absl::SimpleAtoi(text, &v)) {
    return absl::InvalidArgumentError(
        absl::StrCat("\"", text, "\" is not an MSS: give a number (536..65495) or \"pmtu\""));
  }
  if (v < kMinMss || v > kMaxMss) {
    return absl::InvalidArgumentError(
        absl::StrCat("MSS ", v,
                     " is out of range 536..65495 (1460 suits a 1500-byte MTU; 1300 is safe "
                     "through most tunnels)"));
  }
  return TcpMss{.pmtu = false, .value = static_cast<uint16_t>(v)};
}

absl::StatusOr<Community> ParseCommunity(absl::string_view text) {
  // RFC 1997, RFC 7611, RFC 7999, RFC 8326, draft-ietf-idr-long-lived-gr.
  static constexpr std::array<std::pair<absl::string_view, uint32_t>, 9> kWellKnown = {{
      {"no-export", 0xFFFFFF01},
      {"no-advertise", 0xFFFFFF02},
      {"local-as", 0xFFFFFF03},
      {"no-peer", 0xFFFFFF04},
      {"graceful-shutdown", 0xFFFF0000},
      {"accept-own", 0xFFFF0001},
      {"llgr-stale", 0xFFFF0006},
      {"no-llgr", 0xFFFF0007},
      {"blackhole", 0xFFFF029A},
  }};
  const std::string lower = absl::AsciiStrToLower(text);
  for (const auto& [name, value] : kWellKnown) {
    if (lower == name) {
      return Community{
          .large = false, .high = value >> 16, .low = value & 0xFFFF, .text = std::string(text)};
    }
  }
  std::vector<absl::string_view> parts = absl::StrSplit(text, ':');
  if (parts.size() == 4 && absl::AsciiStrToLower(parts[0]) == "large") {
    uint32_t v[3];
    for (int i = 0; i < 3; ++i) {
      if (!absl::SimpleAtoi(parts[i + 1], &v[i])) {
        return absl::InvalidArgumentError(absl::StrCat("large community \"", text, "\": \"",
                                                       parts[i + 1],
                                                       "\" is not a number 0..4294967295"));
      }
    }
    return Community{
        .large = true, .global = v[0], .high = v[1], .low = v[2], .text = std::string(text)};
  }
  if (parts.size() == 2) {
    uint32_t a, b;
    if (!absl::SimpleAtoi(parts[0], &a) || !absl::SimpleAtoi(parts[1], &b) || a > 65535 ||
        b > 65535) {
      return absl::InvalidArgumentError(
          absl::StrCat("community \"", text, "\": both halves of a:b must be numbers 0..65535"));
    }
    return Community{.large = false, .high = a, .low = b, .text = std::string(text)};
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "\"", text,
      "\" is not a community: use a:b (0..65535 each), large:a:b:c, or a well-known name such "
      "as no-export"));
}

absl::StatusOr<uint32_t> ParseDurationSeconds(absl::string_view text) {
  absl::Duration d;
  if (text.empty() || !absl::ParseDuration(text, &d) || d < absl::ZeroDuration() ||
      d == absl::InfiniteDuration()) {
    return absl::InvalidArgumentError(
        absl::StrCat("\"", text, "\" is not a duration like \"90s\" or \"1m30s\""));
  }
  if (d % absl::Seconds(1) != absl::ZeroDuration()) {
    return absl::InvalidArgumentError(absl::StrCat("\"", text, "\": BGP timers are whole seconds"));
  }
  if (d > absl::Seconds(65535)) {
    return absl::InvalidArgumentError(absl::StrCat("\"", text, "\" is longer than 65535s"));
  }
  return static_cast<uint32_t>(absl::ToInt64Seconds(d));
}

absl::StatusOr<Protocol> ParseProtocol(absl::string_view text) {
  const std::string upper = absl::AsciiStrToUpper(text);
  if (upper == "TCP") return Protocol::kTCP;
  if (upper == "UDP") return Protocol::kUDP;
  return absl::InvalidArgumentError(absl::StrCat("protocol \"", text, "\" must be TCP or UDP"));
}

absl::Status ValidateObjectName(absl::string_view name) {
  if (name.empty()) return absl::InvalidArgumentError("a name is required");
  if (name.size() > 253) {
    return absl::InvalidArgumentError(
        absl::StrCat("name is ", name.size(), " characters long; at most 253"));
  }
  auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  for (char c : name) {
    if (!alnum(c) && c != '-' && c != '.') {
      return absl::InvalidArgumentError(absl::StrCat(
          "name \"", name,
          "\" may only hold lower-case letters, digits, '-' and '.' (Kubernetes names)"));
    }
  }
  if (!alnum(name.front()) || !alnum(name.back())) {
    return absl::InvalidArgumentError(
        absl::StrCat("name \"", name, "\" must start and end with a letter or digit"));
  }
  return absl::OkStatus();
}

}  // namespace ironlb::config

#include "common/ip.h"

#include <arpa/inet.h>

#include <cstring>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"

namespace ironlb {

absl::string_view IpFamilyName(IpFamily family) {
  return family == IpFamily::kV4 ? "IPv4" : "IPv6";
}

uint128 FamilyMax(IpFamily family) {
  return family == IpFamily::kV4 ? uint128{0xffffffffu} : ~uint128{0};
}

namespace {

uint128 HostMask(IpFamily family, int length) {
  const int bits = family == IpFamily::kV4 ? 32 : 128;
  if (length >= bits) return 0;
  const uint128 all = FamilyMax(family);
  if (length == 0) return all;
  return all >> length;
}

}  // namespace

absl::StatusOr<IpAddress> IpAddress::Parse(absl::string_view text) {
  std::string s(text);
  if (s.find(':') != std::string::npos) {
    in6_addr a6;
    if (inet_pton(AF_INET6, s.c_str(), &a6) == 1) return FromV6(a6);
  } else {
    in_addr a4;
    if (inet_pton(AF_INET, s.c_str(), &a4) == 1) return FromV4(a4);
  }
  return absl::InvalidArgumentError(absl::StrCat("\"", text, "\" is not an IP address"));
}

IpAddress IpAddress::FromValue(IpFamily family, uint128 value) {
  return IpAddress(family, value & FamilyMax(family));
}

IpAddress IpAddress::FromV4(in_addr addr) { return IpAddress(IpFamily::kV4, ntohl(addr.s_addr)); }

IpAddress IpAddress::FromV6(const in6_addr& addr) {
  uint128 v = 0;
  for (int i = 0; i < 16; ++i) v = (v << 8) | addr.s6_addr[i];
  return IpAddress(IpFamily::kV6, v);
}

absl::StatusOr<IpAddress> IpAddress::FromBytes(const uint8_t* bytes, size_t len) {
  if (len == 4) {
    in_addr a;
    std::memcpy(&a.s_addr, bytes, 4);
    return FromV4(a);
  }
  if (len == 16) {
    in6_addr a;
    std::memcpy(a.s6_addr, bytes, 16);
    return FromV6(a);
  }
  return absl::InvalidArgumentError(absl::StrCat("an IP address has 4 or 16 bytes, not ", len));
}

std::array<uint8_t, 16> IpAddress::bytes() const {
  std::array<uint8_t, 16> out{};
  const int n = is_v4() ? 4 : 16;
  for (int i = 0; i < n; ++i) {
    out[i] = static_cast<uint8_t>(value_ >> (8 * (n - 1 - i)));
  }
  return out;
}

in_addr IpAddress::ToV4() const {
  in_addr a;
  a.s_addr = htonl(static_cast<uint32_t>(value_));
  return a;
}

in6_addr IpAddress::ToV6() const {
  in6_addr a;
  const auto b = bytes();
  std::memcpy(a.s6_addr, b.data(), 16);
  return a;
}

std::string IpAddress::ToString() const {
  char buf[INET6_ADDRSTRLEN];
  if (is_v4()) {
    const in_addr a = ToV4();
    inet_ntop(AF_INET, &a, buf, sizeof(buf));
  } else {
    const in6_addr a = ToV6();
    inet_ntop(AF_INET6, &a, buf, sizeof(buf));
  }
  return buf;
}

absl::StatusOr<IpPrefix> IpPrefix::Parse(absl::string_view text) {
  const size_t slash = text.find('/');
  if (slash == absl::string_view::npos) {
    return absl::InvalidArgumentError(absl::StrCat("\"", text, "\" is not a CIDR prefix"));
  }
  auto addr = IpAddress::Parse(text.substr(0, slash));
  if (!addr.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("\"", text, "\": \"", text.substr(0, slash), "\" is not an IP address"));
  }
  int length = 0;
  const absl::string_view len_text = text.substr(slash + 1);
  if (len_text.empty() || len_text.size() > 3 || !absl::SimpleAtoi(len_text, &length) ||
      length < 0 || length > addr->bit_length()) {
    return absl::InvalidArgumentError(
        absl::StrCat("\"", text, "\": prefix length must be 1..", addr->bit_length()));
  }
  if (length == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("\"", text, "\": a /0 prefix covers every address; use a smaller range"));
  }
  if ((addr->value() & HostMask(addr->family(), length)) != 0) {
    const IpAddress net =
        IpAddress::FromValue(addr->family(), addr->value() & ~HostMask(addr->family(), length));
    return absl::InvalidArgumentError(absl::StrCat(
        "\"", text, "\" has host bits set; did you mean ", net.ToString(), "/", length, "?"));
  }
  return IpPrefix(*addr, length);
}

IpAddress IpPrefix::last() const {
  return IpAddress::FromValue(family(), network_.value() | HostMask(family(), length_));
}

bool IpPrefix::Contains(const IpAddress& a) const {
  return a.family() == family() && network_ <= a && a <= last();
}

std::string IpPrefix::ToString() const { return absl::StrCat(network_.ToString(), "/", length_); }

absl::StatusOr<IpRange> IpRange::Parse(absl::string_view text) {
  text = absl::StripAsciiWhitespace(text);
  if (text.find('/') != absl::string_view::npos) {
    auto prefix = IpPrefix::Parse(text);
    if (!prefix.ok()) return prefix.status();
    return IpRange(prefix->first(), prefix->last());
  }
  const size_t dash = text.find('-');
  if (dash == absl::string_view::npos) {
    return absl::InvalidArgumentError(absl::StrCat(
        "\"", text, "\" is neither a CIDR (192.0.2.0/24) nor a range (192.0.2.10-192.0.2.20)"));
  }
  const absl::string_view a_text = absl::StripAsciiWhitespace(text.substr(0, dash));
  const absl::string_view b_text = absl::StripAsciiWhitespace(text.substr(dash + 1));
  auto a = IpAddress::Parse(a_text);
  auto b = IpAddress::Parse(b_text);
  if (!a.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("range \"", text, "\": \"", a_text, "\" is not an IP address"));
  }
  if (!b.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("range \"", text, "\": \"", b_text, "\" is not an IP address"));
  }
  if (a->family() != b->family()) {
    return absl::InvalidArgumentError(
        absl::StrCat("range \"", text, "\" mixes IPv4 and IPv6; one range is one family"));
  }
  if (*b < *a) {
    return absl::InvalidArgumentError(
        absl::StrCat("range \"", text, "\": the end comes before the start"));
  }
  return IpRange(*a, *b);
}

uint128 IpRange::Size() const {
  const uint128 span = last_.value() - first_.value();
  return span == ~uint128{0} ? span : span + 1;
}

std::vector<IpPrefix> IpRange::ToPrefixes() const {
  std::vector<IpPrefix> out;
  const IpFamily fam = family();
  const int bits = first_.bit_length();
  uint128 cur = first_.value();
  const uint128 end = last_.value();
  while (true) {
    // Largest aligned block starting at cur that does not pass end.
    int len = bits;
    while (len > 0) {
      const uint128 mask = HostMask(fam, len - 1);
      if ((cur & mask) != 0 || (cur | mask) > end) break;
      --len;
    }
    out.emplace_back(IpAddress::FromValue(fam, cur), len);
    const uint128 block_last = cur | HostMask(fam, len);
    if (block_last >= end) break;
    cur = block_last + 1;
  }
  return out;
}

std::string IpRange::ToString() const {
  const auto prefixes = ToPrefixes();
  if (prefixes.size() == 1 && prefixes[0].length() < first_.bit_length()) {
    return prefixes[0].ToString();
  }
  if (first_ == last_) return first_.ToString();
  return absl::StrCat(first_.ToString(), "-", last_.ToString());
}

std::string Uint128ToString(uint128 v) {
  if (v == 0) return "0";
  std::string s;
  while (v != 0) {
    s.insert(s.begin(), static_cast<char>('0' + static_cast<int>(v % 10)));
    v /= 10;
  }
  return s;
}

}  // namespace ironlb

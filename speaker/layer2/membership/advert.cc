#include "speaker/layer2/membership/advert.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <cstring>

#include "absl/strings/str_cat.h"

namespace ironlb::speaker {
namespace {

constexpr uint8_t kMagic[4] = {'I', 'L', 'B', '1'};
constexpr uint8_t kVersion = 2;

bool Mac(absl::string_view key, const uint8_t* data, size_t len, uint8_t out[kAdvertMacBytes]) {
  size_t out_len = 0;
  return EVP_Q_mac(nullptr, "HMAC", nullptr, "SHA256", nullptr, key.data(), key.size(), data, len,
                   out, kAdvertMacBytes, &out_len) != nullptr &&
         out_len == kAdvertMacBytes;
}

class Writer {
 public:
  void U8(uint8_t v) { buf_.push_back(v); }
  void U16(uint16_t v) {
    U8(static_cast<uint8_t>(v >> 8));
    U8(static_cast<uint8_t>(v));
  }
  void U64(uint64_t v) {
    for (int i = 7; i >= 0; --i) U8(static_cast<uint8_t>(v >> (8 * i)));
  }
  void Bytes(absl::string_view s) { buf_.insert(buf_.end(), s.begin(), s.end()); }
  std::vector<uint8_t>& buf() { return buf_; }

 private:
  std::vector<uint8_t> buf_;
};

class Reader {
 public:
  Reader(const uint8_t* d, size_t n) : d_(d), n_(n) {}
  bool U8(uint8_t& v) {
    if (pos_ + 1 > n_) return false;
    v = d_[pos_++];
    return true;
  }
  bool U16(uint16_t& v) {
    uint8_t a, b;
    if (!U8(a) || !U8(b)) return false;
    v = static_cast<uint16_t>((a << 8) | b);
    return true;
  }
  bool U64(uint64_t& v) {
    v = 0;
    for (int i = 0; i < 8; ++i) {
      uint8_t b;
      if (!U8(b)) return false;
      v = (v << 8) | b;
    }
    return true;
  }
  bool Str(size_t len, std::string& s) {
    if (pos_ + len > n_) return false;
    s.assign(reinterpret_cast<const char*>(d_ + pos_), len);
    pos_ += len;
    return true;
  }
  bool done() const { return pos_ == n_; }

 private:
  const uint8_t* d_;
  size_t n_;
  size_t pos_ = 0;
};

}  // namespace

absl::StatusOr<std::vector<uint8_t>> BuildAdvert(const Advert& a, absl::string_view key) {
  if (a.node.empty() || a.node.size() > 253) {
    return absl::InvalidArgumentError("advert: the node name must be 1..253 bytes");
  }
  if (a.labels.size() > 255) return absl::InvalidArgumentError("advert: more than 255 labels");
  Writer w;
  w.Bytes(absl::string_view(reinterpret_cast<const char*>(kMagic), 4));
  w.U8(kVersion);
  const size_t flags_at = w.buf().size();
  w.U8(static_cast<uint8_t>((a.leaving ? 1 : 0) | (a.ready ? 2 : 0) | (a.restarting ? 4 : 0)));
  w.U16(a.interval_ms);
  w.U64(a.incarnation);
  w.U64(a.sequence);
  w.U16(a.tcp_port);
  if (!a.address) {
    w.U8(0);
  } else {
    w.U8(a.address->is_v4() ? 4 : 6);
    const auto b = a.address->bytes();
    w.Bytes(
        absl::string_view(reinterpret_cast<const char*>(b.data()), a.address->is_v4() ? 4 : 16));
  }
  w.U8(static_cast<uint8_t>(a.node.size()));
  w.Bytes(a.node);
  if (a.interface.size() > 15) return absl::InvalidArgumentError("advert: interface name > 15");
  w.U8(static_cast<uint8_t>(a.interface.size()));
  w.Bytes(a.interface);
  w.U8(static_cast<uint8_t>(a.labels.size()));
  for (const auto& [k, v] : a.labels) {
    if (k.size() > 255 || v.size() > 255) {
      return absl::InvalidArgumentError(absl::StrCat("advert: label ", k, " is too long"));
    }
    w.U8(static_cast<uint8_t>(k.size()));
    w.Bytes(k);
    w.U8(static_cast<uint8_t>(v.size()));
    w.Bytes(v);
  }
  w.U16(a.restarting ? a.restart_grace_ms : 0);
  // Claims that do not fit one frame are not sent at all (flag bit 3): the receivers then treat
  // this node as claiming nothing it does not win by the hash, exactly as before claims existed.
  size_t claim_bytes = 0;
  for (const IpAddress& c : a.claims) claim_bytes += c.is_v4() ? 5 : 17;
  if (!a.claims_known || w.buf().size() + 2 + claim_bytes + kAdvertMacBytes > kMaxAdvertBytes) {
    w.buf()[flags_at] |= 8;
    w.U16(0);
  } else {
    w.U16(static_cast<uint16_t>(a.claims.size()));
    for (const IpAddress& c : a.claims) {
      w.U8(c.is_v4() ? 4 : 6);
      const auto b = c.bytes();
      w.Bytes(absl::string_view(reinterpret_cast<const char*>(b.data()), c.is_v4() ? 4 : 16));
    }
  }
  if (w.buf().size() + kAdvertMacBytes > kMaxAdvertBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("advert: node ", a.node, "'s labels make the advert larger than one frame (",
                     w.buf().size() + kAdvertMacBytes, " > ", kMaxAdvertBytes, " bytes)"));
  }
  uint8_t mac[kAdvertMacBytes];
  if (!Mac(key, w.buf().data(), w.buf().size(), mac)) {
    return absl::InternalError("advert: HMAC-SHA256 failed (OpenSSL)");
  }
  w.buf().insert(w.buf().end(), mac, mac + kAdvertMacBytes);
  return std::move(w.buf());
}

absl::StatusOr<Advert> ParseAdvert(const uint8_t* data, size_t len, absl::string_view key) {
  if (len < 4 + kAdvertMacBytes || std::memcmp(data, kMagic, 4) != 0) {
    return absl::InvalidArgumentError("advert: not an ironlb advert (bad magic or too short)");
  }
  if (len > kMaxAdvertBytes) return absl::InvalidArgumentError("advert: longer than one frame");
  const size_t body = len - kAdvertMacBytes;
  uint8_t mac[kAdvertMacBytes];
  if (!Mac(key, data, body, mac) || CRYPTO_memcmp(mac, data + body, kAdvertMacBytes) != 0) {
    return absl::PermissionDeniedError(
        "advert: signature does not match (another cluster's key, or forged)");
  }
  Reader r(data + 4, body - 4);
  Advert a;
  uint8_t version, flags, family, name_len, if_len, label_count;
  if (!r.U8(version) || (version != 1 && version != kVersion)) {
    return absl::InvalidArgumentError(absl::StrCat("advert: version ", version, " is not 1 or 2"));
  }
  if (!r.U8(flags) || !r.U16(a.interval_ms) || !r.U64(a.incarnation) || !r.U64(a.sequence) ||
      !r.U16(a.tcp_port) || !r.U8(family)) {
    return absl::InvalidArgumentError("advert: truncated header");
  }
  if (family == 4 || family == 6) {
    std::string raw;
    if (!r.Str(family == 4 ? 4 : 16, raw)) {
      return absl::InvalidArgumentError("advert: truncated address");
    }
    auto addr = IpAddress::FromBytes(reinterpret_cast<const uint8_t*>(raw.data()), raw.size());
    if (!addr.ok()) return addr.status();
    a.address = *addr;
  } else if (family != 0) {
    return absl::InvalidArgumentError(absl::StrCat("advert: address family ", family, "?"));
  }
  if (!r.U8(name_len) || !r.Str(name_len, a.node) || !r.U8(if_len) || !r.Str(if_len, a.interface) ||
      !r.U8(label_count)) {
    return absl::InvalidArgumentError("advert: truncated header");
  }
  if (a.node.empty()) return absl::InvalidArgumentError("advert: empty node name");
  a.leaving = (flags & 1) != 0;
  a.ready = (flags & 2) != 0;
  a.restarting = version >= 2 && (flags & 4) != 0;
  a.claims_known = version >= 2 && (flags & 8) == 0;
  for (int i = 0; i < label_count; ++i) {
    uint8_t kl, vl;
    std::string k, v;
    if (!r.U8(kl) || !r.Str(kl, k) || !r.U8(vl) || !r.Str(vl, v)) {
      return absl::InvalidArgumentError("advert: truncated labels");
    }
    a.labels[k] = v;
  }
  if (version >= 2) {
    uint16_t grace, claim_count;
    if (!r.U16(grace) || !r.U16(claim_count)) {
      return absl::InvalidArgumentError("advert: truncated claims");
    }
    a.restart_grace_ms = a.restarting ? grace : 0;
    for (int i = 0; i < claim_count; ++i) {
      uint8_t fam;
      std::string raw;
      if (!r.U8(fam) || (fam != 4 && fam != 6) || !r.Str(fam == 4 ? 4 : 16, raw)) {
        return absl::InvalidArgumentError("advert: truncated or malformed claims");
      }
      auto addr = IpAddress::FromBytes(reinterpret_cast<const uint8_t*>(raw.data()), raw.size());
      if (!addr.ok()) return addr.status();
      a.claims.push_back(*addr);
    }
  }
  if (!r.done()) return absl::InvalidArgumentError("advert: trailing bytes");
  return a;
}

}  // namespace ironlb::speaker

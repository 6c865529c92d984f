// The speakers' heartbeat on each layer-2 segment they announce on (VRRP-style): who is alive,
// since when (incarnation), and whether it is leaving. Built and parsed here as bytes; sending
// is someone else's job. Every advert is authenticated with HMAC-SHA256 over a shared key, so
// a stranger on the LAN cannot make a node look alive, or steal VIPs, with forged adverts.
//
// Wire format (network byte order), version 2:
//   "ILB1" | version u8 | flags u8 (bit 0: leaving, bit 1: ready, bit 2: restarting, bit 3: claims
//   did not fit) | interval_ms u16 | incarnation u64 | sequence u64 | tcp_port u16 | address
//   family u8 (0 none, 4, 6) | address (0/4/16 bytes) | name_len u8 | name | interface_len u8 |
//   interface | label_count u8 | (key_len u8 | key | value_len u8 | value)* |
//   restart_grace_ms u16 | claim_count u16 | (family u8 | 4/16 address bytes)* |
//   HMAC-SHA256 (32 bytes) over all before it.
// Version 1 (no grace, no claims) is still accepted: such a sender's claims are unknown.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/ip.h"

namespace ironlb::speaker {

struct Advert {
  std::string node;
  std::string interface;  // the sender's name for its port on this segment
  bool leaving = false;   // graceful stop: take my VIPs now
  // False while the node is still listening after joining: nobody (itself included) counts it
  // eligible yet, so a joining node never grabs VIPs before it knows who else is there.
  bool ready = true;
  uint16_t interval_ms = 0;          // how often this node sends
  uint64_t incarnation = 0;          // changes whenever the speaker restarts (larger = newer)
  uint64_t sequence = 0;             // increases with every advert of one incarnation
  uint16_t tcp_port = 0;             // where the node accepts liveness connections; 0 = none
  std::optional<IpAddress> address;  // the node's address for them on this segment
  std::map<std::string, std::string> labels;  // node labels, for node selectors
  // The sender's speaker is restarting: keep it (and its VIPs) for `restart_grace_ms` while its
  // successor process starts; the others take over only if it does not come back in time or
  // its host stops answering.
  bool restarting = false;
  uint16_t restart_grace_ms = 0;
  // The VIPs the sender answers for on this segment now (sticky ownership). `claims_known` is
  // false for a version-1 sender, or when its claims did not fit one frame.
  bool claims_known = true;
  std::vector<IpAddress> claims;

  friend bool operator==(const Advert&, const Advert&) = default;
};

inline constexpr size_t kAdvertMacBytes = 32;
inline constexpr size_t kMaxAdvertBytes = 1400;  // fits one Ethernet frame over UDP

// Encodes and signs. Fails when the advert does not fit one frame (names or labels too long).
absl::StatusOr<std::vector<uint8_t>> BuildAdvert(const Advert& advert, absl::string_view key);

// Verifies and decodes. Anything malformed, truncated or wrongly signed is an error saying
// which; nothing about an unauthenticated packet is trusted.
absl::StatusOr<Advert> ParseAdvert(const uint8_t* data, size_t len, absl::string_view key);

}  // namespace ironlb::speaker

#include "nft/desired_state.h"

#include <net/if.h>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "nft/ruleset_spec.h"

namespace ironlb::nft {
namespace {

bool IsUnspecified(const IpAddress& a) { return a.value() == 0; }

template <typename Label>
absl::Status ValidateBackends(const PortForwardEntry& f, const Label& label) {
  if (f.backends.size() > kMaxBackends) {
    return absl::InvalidArgumentError(
        absl::StrCat(label(), ": ", f.backends.size(), " backends, at most ", kMaxBackends));
  }
  if (f.backends[0].address != f.target_address || f.backends[0].port != f.target_port) {
    return absl::InvalidArgumentError(
        absl::StrCat(label(), ": target must be the first backend of a balanced forward"));
  }
  absl::flat_hash_map<std::pair<IpAddress, uint16_t>, size_t> seen;
  for (size_t i = 0; i < f.backends.size(); ++i) {
    const Backend& b = f.backends[i];
    auto where = [&] {
      return absl::StrCat(label(), ": backend ", i, " (", b.address.ToString(), ")");
    };
    if (b.address.family() != f.target_address.family()) {
      return absl::InvalidArgumentError(
          absl::StrCat(where(), " is ", IpFamilyName(b.address.family()), " but the forward is ",
                       IpFamilyName(f.target_address.family())));
    }
    if (IsUnspecified(b.address)) {
      return absl::InvalidArgumentError(
          absl::StrCat(where(), ": must not be the unspecified address"));
    }
    if (b.port == 0)
      return absl::InvalidArgumentError(absl::StrCat(where(), ": port must not be 0"));
    if (b.weight == 0 || b.weight > kMaxBackendWeight) {
      return absl::InvalidArgumentError(
          absl::StrCat(where(), ": weight ", b.weight, " is outside 1..", kMaxBackendWeight));
    }
    auto [it, inserted] = seen.emplace(std::make_pair(b.address, b.port), i);
    if (!inserted) {
      return absl::InvalidArgumentError(
          absl::StrCat(where(), ": port ", b.port, " is also backend ", it->second));
    }
  }
  return absl::OkStatus();
}

}  // namespace

bool SameDestination(const PortForwardEntry& a, const PortForwardEntry& b) {
  return a.target_address == b.target_address && a.target_port == b.target_port &&
         a.source_nat == b.source_nat && a.source_nat_address == b.source_nat_address &&
         a.backends == b.backends && a.source_affinity == b.source_affinity &&
         a.when_all_down == b.when_all_down;
}

std::string ForwardLabel(const PortForwardEntry& f, size_t index) {
  std::string where = f.outside_address ? f.outside_address->ToString() : f.outside_interface;
  return absl::StrCat("port forward ", f.name.empty() ? absl::StrCat("#", index) : f.name, " (",
                      where, " ", L4ProtocolName(f.protocol), "/", f.port, ")");
}

// Labels are only built on error: validation runs over every entry on every reconcile.
absl::Status ValidateForward(const PortForwardEntry& f, size_t index) {
  auto label = [&] { return ForwardLabel(f, index); };
  if (f.outside_address) {
    if (!f.outside_interface.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(label(), ": set either outside address or outside interface, not both"));
    }
    if (IsUnspecified(*f.outside_address)) {
      return absl::InvalidArgumentError(
          absl::StrCat(label(), ": outside address must not be the unspecified address"));
    }
    if (f.outside_address->family() != f.target_address.family()) {
      return absl::InvalidArgumentError(
          absl::StrCat(label(), ": target address ", f.target_address.ToString(), " is ",
                       IpFamilyName(f.target_address.family()), " but the outside address is ",
                       IpFamilyName(f.outside_address->family())));
    }
  } else {
    if (f.outside_interface.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(label(), ": needs an outside address or an outside interface"));
    }
    if (f.outside_interface.size() >= IFNAMSIZ) {
      return absl::InvalidArgumentError(absl::StrCat(label(), ": outside interface name \"",
                                                     f.outside_interface, "\" is longer than ",
                                                     IFNAMSIZ - 1, " characters"));
    }
  }
  if (f.protocol != L4Protocol::kTcp && f.protocol != L4Protocol::kUdp) {
    return absl::InvalidArgumentError(absl::StrCat(label(), ": protocol must be tcp or udp"));
  }
  if (f.port == 0) return absl::InvalidArgumentError(absl::StrCat(label(), ": port must not be 0"));
  if (f.target_port == 0) {
    return absl::InvalidArgumentError(absl::StrCat(label(), ": target port must not be 0"));
  }
  if (IsUnspecified(f.target_address)) {
    return absl::InvalidArgumentError(
        absl::StrCat(label(), ": target address must not be the unspecified address"));
  }
  if (f.source_nat_address) {
    if (!f.source_nat) {
      return absl::InvalidArgumentError(
          absl::StrCat(label(), ": a source NAT address without source NAT"));
    }
    if (f.source_nat_address->family() != f.target_address.family() ||
        IsUnspecified(*f.source_nat_address)) {
      return absl::InvalidArgumentError(
          absl::StrCat(label(), ": source NAT address ", f.source_nat_address->ToString(),
                       " is not a usable ", IpFamilyName(f.target_address.family()), " address"));
    }
  }
  if (f.balanced()) return ValidateBackends(f, label);
  return absl::OkStatus();
}

absl::Status ValidateClampedVip(const ClampedVip& c) {
  auto label = [&c] { return absl::StrCat("clamped VIP ", c.vip.ToString()); };
  if (IsUnspecified(c.vip)) {
    return absl::InvalidArgumentError(
        absl::StrCat(label(), ": the unspecified address cannot be a VIP"));
  }
  if (!c.pmtu && (c.mss < kMinMss || c.mss > kMaxMss)) {
    return absl::InvalidArgumentError(
        absl::StrCat(label(), ": MSS ", c.mss, " is outside ", kMinMss, "..", kMaxMss));
  }
  return absl::OkStatus();
}

absl::string_view L4ProtocolName(L4Protocol p) { return p == L4Protocol::kUdp ? "udp" : "tcp"; }

absl::Status ValidateDesiredState(const DesiredState& state) {
  absl::flat_hash_map<IpAddress, const ClampedVip*> vips;
  vips.reserve(state.clamped_vips.size());
  for (const ClampedVip& c : state.clamped_vips) {
    if (absl::Status s = ValidateClampedVip(c); !s.ok()) return s;
    auto [it, inserted] = vips.emplace(c.vip, &c);
    if (!inserted && (it->second->pmtu != c.pmtu || (!c.pmtu && it->second->mss != c.mss))) {
      return absl::InvalidArgumentError(absl::StrCat("clamped VIP ", c.vip.ToString(),
                                                     ": listed twice with different MSS settings"));
    }
  }
  // Key: the forward's map element key, plus its map (interface-keyed forwards have one map
  // per family).
  absl::flat_hash_map<std::string, std::pair<const PortForwardEntry*, size_t>> keys;
  keys.reserve(state.forwards.size());
  for (size_t i = 0; i < state.forwards.size(); ++i) {
    const PortForwardEntry& f = state.forwards[i];
    if (absl::Status s = ValidateForward(f, i); !s.ok()) return s;
    std::string key = ForwardKey(f);
    key += ForwardSetName(f);
    auto [it, inserted] = keys.emplace(std::move(key), std::make_pair(&f, i));
    if (inserted) continue;
    const PortForwardEntry& prev = *it->second.first;
    if (!SameDestination(prev, f)) {
      return absl::InvalidArgumentError(
          absl::StrCat(ForwardLabel(f, i), ": outside port already forwarded to ",
                       prev.target_address.ToString(), ":", prev.target_port, " by ",
                       ForwardLabel(prev, it->second.second)));
    }
  }
  for (uint16_t port : state.guarded_tcp_ports) {
    if (port == 0) return absl::InvalidArgumentError("port guard: port must not be 0");
  }
  return absl::OkStatus();
}

}  // namespace ironlb::nft

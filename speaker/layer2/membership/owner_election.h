// Which node answers for a VIP in layer-2 mode: rendezvous (highest-random-weight) hashing of
// (node, VIP) among the nodes eligible for it. Every speaker computes the same answer from the
// same inputs; a node joining takes only the VIPs it now wins, a node leaving moves only the
// VIPs it held, and services sharing an IP share its owner (the hash is of the IP).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "common/ip.h"

namespace ironlb::speaker {

// The weight of `node` for `vip`; higher wins. Stable across versions and machines.
uint64_t RendezvousWeight(absl::string_view node, const IpAddress& vip);

// The owner of `vip` among `eligible` node names, or nullopt when none is eligible.
// Ties (astronomically rare) go to the lexically smaller name.
std::optional<std::string> OwnerFor(const IpAddress& vip, const std::vector<std::string>& eligible);

// `eligible` sorted by preference for `vip` (owner first): the order takeovers follow.
std::vector<std::string> PreferenceOrder(const IpAddress& vip, std::vector<std::string> eligible);

}  // namespace ironlb::speaker

// What arp/ knows about a network interface, as rtnetlink reports it, and which interfaces a
// VIP may be announced on.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "arp/mac_address.h"
#include "common/ip.h"

namespace ironlb::arp {

struct Link {
  int ifindex = 0;
  std::string name;
  MacAddress mac;
  uint16_t hardware_type = 0;  // ARPHRD_*
  uint32_t flags = 0;          // IFF_*
  std::vector<IpAddress> addresses;

  // Up with carrier, Ethernet, broadcast-capable and not NOARP: the only kind of interface
  // where answering ARP/NDP means anything.
  bool CanAnnounce() const;
  friend bool operator==(const Link&, const Link&) = default;
};

// Interfaces nobody wants VIPs announced on: loopback and the virtual plumbing of container
// runtimes and CNIs.
std::vector<std::string> DefaultExcludedInterfaces();

// Does an L2Advertisement's interface list select `name`? Entries are exact names or shell
// patterns (fnmatch: `eth*`, `enp?s0`); an empty list selects every interface. Interfaces
// matching `excluded` are only taken when named exactly, never through a pattern.
bool InterfaceSelected(absl::string_view name, const std::vector<std::string>& wanted,
                       const std::vector<std::string>& excluded);

}  // namespace ironlb::arp

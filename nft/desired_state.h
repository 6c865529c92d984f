// What ironlb wants the kernel's `inet ironlb` table to do: MSS clamping per VIP, port
// forwards, and guarded local TCP ports. Pure data plus validation; no netlink here.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "common/ip.h"

namespace ironlb::nft {

inline constexpr uint32_t kMinMss = 536;
inline constexpr uint32_t kMaxMss = 65495;

// TCP SYN/SYN-ACK of connections whose conntrack original destination is `vip`, or that a
// port forward DNATed to `vip`, get their MSS option set to `mss`, or to the route's
// MTU-derived MSS when `pmtu` is true.
struct ClampedVip {
  IpAddress vip;
  uint32_t mss = 0;
  bool pmtu = false;

  friend bool operator==(const ClampedVip&, const ClampedVip&) = default;
};

enum class L4Protocol : uint8_t { kTcp = 6, kUdp = 17 };
absl::string_view L4ProtocolName(L4Protocol p);  // "tcp" / "udp"

// One backend of a balanced forward.
struct Backend {
  IpAddress address;
  uint16_t port = 0;
  uint32_t weight = 1;  // 1..kMaxBackendWeight: share of new connections
  // Takes new connections: healthy and not draining. Its existing connections stay on it
  // either way (conntrack keeps them), so draining and health only steer new connections.
  bool active = true;

  friend bool operator==(const Backend&, const Backend&) = default;
};

inline constexpr uint32_t kMaxBackendWeight = 256;
inline constexpr size_t kMaxBackends = 1024;

// What a balanced forward does with a new connection when no backend is active.
enum class AllDownAction : uint8_t { kDrop, kReject };

// (outside address or interface, protocol, port) -> (target address, target port), or to a set
// of backends.
struct PortForwardEntry {
  std::string name;  // names the entry in errors and metrics, e.g. "web/tcp/443"
  std::optional<IpAddress> outside_address;
  std::string outside_interface;  // used when outside_address is empty
  // Family of interface-keyed forwards is the target's family.
  L4Protocol protocol = L4Protocol::kTcp;
  uint16_t port = 0;
  IpAddress target_address;
  uint16_t target_port = 0;
  // Masquerade forwarded connections so replies return through this router.
  bool source_nat = false;
  // With source_nat: source NAT to this address (the target's family) instead of
  // masquerading to the outgoing interface's own address.
  std::optional<IpAddress> source_nat_address;
  // A balanced forward when not empty: new connections are spread over the active backends
  // by weight (see backend_slots.h), each connection stays where it went. Then target_address
  // and target_port must equal the first backend's (they give the forward's family).
  std::vector<Backend> backends;
  // Balanced forwards: new connections from one client address go to the same backend
  // (a hash of the source address) instead of a random pick.
  bool source_affinity = false;
  AllDownAction when_all_down = AllDownAction::kDrop;

  bool balanced() const { return !backends.empty(); }

  friend bool operator==(const PortForwardEntry&, const PortForwardEntry&) = default;
};

struct DesiredState {
  std::vector<ClampedVip> clamped_vips;
  std::vector<PortForwardEntry> forwards;
  // Local TCP ports that only loopback traffic may reach.
  std::vector<uint16_t> guarded_tcp_ports;

  friend bool operator==(const DesiredState&, const DesiredState&) = default;
};

// Rejects bad entries before anything reaches the kernel; the message names the entry and field.
// Exact duplicates are allowed (they collapse); conflicting duplicates are not.
absl::Status ValidateDesiredState(const DesiredState& state);

// Checks of one entry on its own (no duplicate detection); `index` names unnamed forwards.
absl::Status ValidateClampedVip(const ClampedVip& vip);
absl::Status ValidateForward(const PortForwardEntry& forward, size_t index);
// Same destination (target or backends, source NAT, balancing options): duplicates of one key
// are allowed only when this holds.
bool SameDestination(const PortForwardEntry& a, const PortForwardEntry& b);
// "port forward web (192.0.2.1 tcp/80)"
std::string ForwardLabel(const PortForwardEntry& forward, size_t index);

}  // namespace ironlb::nft

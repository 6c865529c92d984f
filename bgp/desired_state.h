// What ironlb wants this node's FRR to do, as plain data: the BGP sessions (from BGPPeer), the
// BFD profiles they use, and the prefixes to announce to each peer with their attributes.
// speaker/ computes it from configuration and Services; bgp/ applies it. No I/O here.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "common/ip.h"
#include "config/types.h"

namespace ironlb::bgp {

// MetalLB's dynamicASN: FRR's `remote-as internal|external` instead of a number.
enum class PeerAsKind { kNumber, kInternal, kExternal };

// One BGP session. `name` is the BGPPeer's name (it names ironlb's route-map for the peer).
struct PeerSession {
  std::string name;
  uint32_t my_asn = 0;
  uint32_t peer_asn = 0;  // unused unless peer_as_kind is kNumber
  PeerAsKind peer_as_kind = PeerAsKind::kNumber;
  IpAddress address;      // unset when `interface` is set
  std::string interface;  // unnumbered BGP over this interface (IPv6 link-local, both families)
  uint16_t port = 179;
  std::optional<IpAddress> source_address;
  uint32_t hold_time_s = 90;
  uint32_t keepalive_time_s = 30;
  std::string password;
  // BGPPeer passwordSecret (namespace filled in): the speaker reads it into `password` before
  // the session is configured (speaker/bgp/peer_secrets.h); bgp/ uses only `password`.
  std::optional<config::SecretRef> password_secret;
  bool ebgp_multihop = false;
  std::string bfd_profile;                 // BFDProfile name; empty = no BFD
  std::optional<uint32_t> connect_time_s;  // `timers connect`; none: FRR's default (120 s)
  std::optional<IpAddress> router_id;      // `bgp router-id` of the instance (IPv4)
  bool graceful_restart = false;           // `neighbor ... graceful-restart`
  // Both address families on this session (MetalLB's dualStackAddressFamily); otherwise the
  // peer address's only.
  bool dual_stack = false;
  std::string vrf;  // the session's VRF (`router bgp ASN vrf NAME`); "" = the default VRF
  // The BGPPeer object the session comes from, for Events about it: its apiVersion
  // ("ironlb.io/v1alpha1", "metallb.io/v1beta2"; empty = ironlb's) and namespace.
  std::string object_api_version;
  std::string object_namespace;

  // FRR's name of the neighbor: its address, or the interface of an unnumbered session.
  std::string NeighborKey() const { return interface.empty() ? address.ToString() : interface; }
  bool ibgp() const {
    return peer_as_kind == PeerAsKind::kInternal ||
           (peer_as_kind == PeerAsKind::kNumber && peer_asn == my_asn);
  }

  friend bool operator==(const PeerSession&, const PeerSession&) = default;
};

struct BfdProfileSpec {
  std::string name;
  uint32_t receive_interval_ms = 300;
  uint32_t transmit_interval_ms = 300;
  uint32_t detect_multiplier = 3;
  std::optional<uint32_t> echo_interval_ms;
  bool echo_mode = false;
  bool passive_mode = false;
  std::optional<uint32_t> minimum_ttl;

  friend bool operator==(const BfdProfileSpec&, const BfdProfileSpec&) = default;
};

// FRR's range for `set extcommunity bandwidth` (Mbps).
inline constexpr uint32_t kMaxLinkBandwidthMbps = 25600;

// Attributes of a prefix as sent to one peer.
struct RouteAttributes {
  std::vector<config::Community> communities;  // sorted, unique
  std::optional<uint32_t> local_pref;
  // A link-bandwidth extended community (transitive, FRR's default encoding) of this many Mbps,
  // 1..kMaxLinkBandwidthMbps: the router weights its multipath next hops by it (weighted ECMP).
  std::optional<uint32_t> link_bandwidth_mbps;

  std::string Key() const;  // canonical text, for grouping and ordering
  friend bool operator==(const RouteAttributes& a, const RouteAttributes& b) {
    return a.Key() == b.Key();
  }
};

// A prefix this node announces (a VIP's /32 or /128, or its aggregate), and to which peers.
struct Announcement {
  IpPrefix prefix{IpAddress(), 32};
  std::map<std::string, RouteAttributes> peers;  // peer name -> attributes

  friend bool operator==(const Announcement&, const Announcement&) = default;
};

struct DesiredState {
  std::vector<PeerSession> peers;            // sorted by name
  std::vector<BfdProfileSpec> bfd_profiles;  // sorted by name
  std::vector<Announcement> announcements;   // sorted by prefix text, unique prefixes

  friend bool operator==(const DesiredState&, const DesiredState&) = default;
};

// Adds `attrs` for `peer` to `a`, merging with what is there: communities are united, the
// higher local preference and the higher link bandwidth win (two advertisements of one prefix
// to one peer).
void MergeAttributes(Announcement& a, const std::string& peer, const RouteAttributes& attrs);

// Things FRR would refuse, found before anything is sent (names the peer and field); also
// used by `ironlbctl validate` through speaker/.
absl::Status ValidateDesiredState(const DesiredState& state);

// "10.0.0.1" with the host bits of `length` cleared, as a prefix.
IpPrefix PrefixOf(const IpAddress& address, int length);

}  // namespace ironlb::bgp

// ironlb's configuration model (API group ironlb.io, version v1alpha1). The same kinds come
// from CRDs in Kubernetes or from YAML files in a directory. Field names follow MetalLB's.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "absl/strings/string_view.h"
#include "common/ip.h"
#include "config/backend_types.h"
#include "config/label_selector.h"

namespace ironlb::config {

inline constexpr char kApiVersion[] = "ironlb.io/v1alpha1";

// Where an object came from, for messages: "pools.yaml:12" or "AddressPool/lan" (API).
struct ObjectSource {
  std::string file;  // empty for objects read from the API
  int line = 0;      // 1-based; 0 when unknown
  // JSON pointer of a field ("/spec/addresses/1") -> its line, for messages about fields that
  // are found wrong only when objects are compared (overlaps, references).
  std::shared_ptr<const std::map<std::string, int>> field_lines;
  // How messages name the object when not "Kind/name": "IPAddressPool.metallb.io/lan" for
  // MetalLB's objects, "ConfigMap/config" for objects of MetalLB's legacy ConfigMap.
  std::string label;
  // The apiVersion the object was written in ("ironlb.io/v1alpha1", "metallb.io/v1beta2"), for
  // Events about it; empty for objects of MetalLB's legacy ConfigMap.
  std::string api_version;
  // For objects made from MetalLB's legacy ConfigMap: JSON pointer of a field of the object
  // ("/spec/addresses/1") -> how the ConfigMap spells it ("data.config address-pools[0]...").
  std::shared_ptr<const std::map<std::string, std::string>> field_names;

  // The line of `field` ("spec.addresses[1]"), of its nearest ancestor, or of the object.
  int LineOf(absl::string_view field) const;
  // `field` as the user wrote it: itself, or its legacy ConfigMap spelling.
  std::string FieldName(absl::string_view field) const;
  // Where an object came from is not part of what it defines.
  friend bool operator==(const ObjectSource&, const ObjectSource&) { return true; }
};

struct ObjectMeta {
  std::string name;
  std::string namespace_;
  std::map<std::string, std::string> labels;
  ObjectSource source;

  // "Kind/name", or the source's label when it has one.
  std::string Label(absl::string_view kind) const;
  friend bool operator==(const ObjectMeta&, const ObjectMeta&) = default;
};

// TCP MSS clamp: a fixed value, or the route MTU ("pmtu").
struct TcpMss {
  bool pmtu = false;
  uint16_t value = 0;  // 536..65495 when !pmtu
  friend bool operator==(const TcpMss&, const TcpMss&) = default;
};

struct ServiceAllocation {
  std::optional<int32_t> priority;  // lower first; unset sorts last
  std::vector<std::string> namespaces;
  std::vector<LabelSelector> namespace_selectors;
  std::vector<LabelSelector> service_selectors;
  friend bool operator==(const ServiceAllocation&, const ServiceAllocation&) = default;
};

struct AddressPool {
  ObjectMeta meta;
  std::vector<std::string> address_texts;  // as written, for messages
  std::vector<IpRange> ranges;
  bool auto_assign = true;
  bool avoid_buggy_ips = false;
  std::optional<ServiceAllocation> service_allocation;
  // Services with one sharing key may share an address across namespaces, as in MetalLB;
  // false when the pool sets restrictSharingToNamespace (or allowSharingAcrossNamespaces: false).
  bool allow_sharing_across_namespaces = true;
  std::optional<TcpMss> tcp_mss;
  friend bool operator==(const AddressPool&, const AddressPool&) = default;
};

struct L2Advertisement {
  ObjectMeta meta;
  std::vector<std::string> ip_address_pools;
  std::vector<LabelSelector> ip_address_pool_selectors;
  std::vector<LabelSelector> node_selectors;
  std::vector<std::string> interfaces;  // names or patterns with '*'
  // ironlb only: a node is eligible for these VIPs only while this check passes on it.
  std::optional<LocalCheck> local_check;
  friend bool operator==(const L2Advertisement&, const L2Advertisement&) = default;
};

// A BGP community: standard (a:b, or a well-known name) or large (large:a:b:c).
struct Community {
  bool large = false;
  uint32_t global = 0;  // large only
  uint32_t high = 0;    // standard: first 16 bits; large: local data 1
  uint32_t low = 0;     // standard: last 16 bits; large: local data 2
  std::string text;     // as written
  friend bool operator==(const Community& a, const Community& b) {
    return a.large == b.large && a.global == b.global && a.high == b.high && a.low == b.low;
  }
};

struct BGPAdvertisement {
  ObjectMeta meta;
  std::vector<std::string> ip_address_pools;
  std::vector<LabelSelector> ip_address_pool_selectors;
  std::optional<int> aggregation_length;     // 1..32, default 32
  std::optional<int> aggregation_length_v6;  // 1..128, default 128
  std::optional<uint32_t> local_pref;
  // As written: values ("65000:100", "no-export") or names of MetalLB Community aliases.
  std::vector<std::string> community_texts;
  // The values, aliases resolved (filled when the whole configuration is read).
  std::vector<Community> communities;
  std::vector<std::string> peers;  // BGPPeer names; empty = all peers
  std::vector<LabelSelector> node_selectors;
  // ironlb.io only (MetalLB has no such field, so off for its objects): announce with a BGP
  // link-bandwidth extended community, so an FRR router splits traffic by weight (see
  // docs/bgp.md): a Local Service by this node's ready endpoints, a Cluster Service equally.
  bool weight_by_endpoints = false;
  friend bool operator==(const BGPAdvertisement& a, const BGPAdvertisement& b) {
    // community_texts is how the values were spelt; the values are what counts.
    return a.meta == b.meta && a.ip_address_pools == b.ip_address_pools &&
           a.ip_address_pool_selectors == b.ip_address_pool_selectors &&
           a.aggregation_length == b.aggregation_length &&
           a.aggregation_length_v6 == b.aggregation_length_v6 && a.local_pref == b.local_pref &&
           a.communities == b.communities && a.peers == b.peers &&
           a.node_selectors == b.node_selectors && a.weight_by_endpoints == b.weight_by_endpoints;
  }
};

struct SecretRef {
  std::string name;
  std::string namespace_;
  std::string key = "password";
  friend bool operator==(const SecretRef&, const SecretRef&) = default;
};

// MetalLB's dynamicASN: accept whatever AS the router announces, within or outside our own.
enum class DynamicAsn { kNone, kInternal, kExternal };

struct BGPPeer {
  ObjectMeta meta;
  uint32_t my_asn = 0;
  uint32_t peer_asn = 0;  // 0 when dynamic_asn is set
  DynamicAsn dynamic_asn = DynamicAsn::kNone;
  IpAddress peer_address;  // unset (0.0.0.0) when `interface` is set
  // Unnumbered BGP: the session runs over this node interface, with no peer address.
  std::string interface;
  uint16_t peer_port = 179;
  std::optional<IpAddress> source_address;
  uint32_t hold_time_s = 90;
  uint32_t keepalive_time_s = 30;
  std::optional<uint32_t> connect_time_s;  // 1..65535; unset: FRR's default
  std::optional<IpAddress> router_id;      // IPv4; unset: FRR chooses
  std::string password;
  std::optional<SecretRef> password_secret;
  bool ebgp_multihop = false;
  bool enable_graceful_restart = false;
  bool disable_mp = false;                 // one session per address family
  bool dual_stack_address_family = false;  // both families on the session
  std::string bfd_profile;
  std::vector<LabelSelector> node_selectors;
  std::string vrf;
  friend bool operator==(const BGPPeer&, const BGPPeer&) = default;
};

struct BFDProfile {
  ObjectMeta meta;
  uint32_t receive_interval_ms = 300;
  uint32_t transmit_interval_ms = 300;
  uint32_t detect_multiplier = 3;
  std::optional<uint32_t> echo_interval_ms;
  bool echo_mode = false;
  bool passive_mode = false;
  std::optional<uint32_t> minimum_ttl;
  friend bool operator==(const BFDProfile&, const BFDProfile&) = default;
};

// MetalLB's Community object: names for community values, used in BGPAdvertisements.
struct CommunityAliases {
  ObjectMeta meta;
  std::vector<std::pair<std::string, Community>> aliases;  // name -> value
};

enum class Protocol { kTCP, kUDP };
absl::string_view ProtocolName(Protocol p);

// An explicit port published by a PortForward group: outside port -> address:targetPort, or to
// a set of backends (backend_types.h).
struct ForwardTarget {
  Protocol protocol = Protocol::kTCP;
  uint16_t port = 0;
  IpAddress address;                     // with backends: the first backend's (it gives the family)
  uint16_t target_port = 0;              // defaults to port
  std::vector<ForwardBackend> backends;  // empty: one target, `address`
  bool source_affinity = false;          // sessionAffinity: ClientIP
  WhenAllDown when_all_down = WhenAllDown::kDrop;
  std::optional<HealthCheck> health_check;  // backends only; default a TCP check
  friend bool operator==(const ForwardTarget&, const ForwardTarget&) = default;
};

enum class SourceNat { kAuto, kAlways, kNever };

// Router hosts: a named group of ports published on outside interfaces/addresses.
struct PortForward {
  ObjectMeta meta;
  std::vector<std::string> interfaces;  // outside interfaces
  std::vector<IpAddress> addresses;     // outside addresses
  std::vector<LabelSelector> service_selectors;
  std::vector<ForwardTarget> targets;
  SourceNat source_nat = SourceNat::kAuto;
  // sourceNATAddresses: source NAT to this address of the target's family instead of
  // masquerading to the router's own (at most one per family). Held with the group's outside
  // addresses: the router that answers for those answers for it too (an HA pair's replies then
  // come back to whichever router forwards).
  std::vector<IpAddress> source_nat_addresses;
  friend bool operator==(const PortForward&, const PortForward&) = default;
};

struct Config {
  std::vector<AddressPool> pools;
  std::vector<L2Advertisement> l2_advertisements;
  std::vector<BGPAdvertisement> bgp_advertisements;
  std::vector<BGPPeer> bgp_peers;
  std::vector<BFDProfile> bfd_profiles;
  std::vector<PortForward> port_forwards;
  std::vector<CommunityAliases> community_aliases;  // MetalLB Community objects

  const AddressPool* FindPool(absl::string_view name) const;
  const BGPPeer* FindPeer(absl::string_view name) const;
  const BFDProfile* FindBfdProfile(absl::string_view name) const;
};

}  // namespace ironlb::config

// The `inet ironlb` table as plain data: sets/maps with their elements, chains, and rules
// (each rule a pure function filling a libnftnl rule). Built from a validated DesiredState;
// the structure is fixed, only set elements depend on the desired state, so changes to VIPs
// and forwards are element changes.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/container/btree_map.h"
#include "nft/desired_state.h"

struct nftnl_rule;

namespace ironlb::nft {

inline constexpr char kTableName[] = "ironlb";

// Set names (also used by tests and by the counter readout).
inline constexpr char kMss4[] = "mss4";
inline constexpr char kMss6[] = "mss6";
inline constexpr char kPmtu4[] = "pmtu4";
inline constexpr char kPmtu6[] = "pmtu6";
inline constexpr char kFwd4[] = "fwd4";
inline constexpr char kFwd6[] = "fwd6";
inline constexpr char kFwdIf4[] = "fwdif4";
inline constexpr char kFwdIf6[] = "fwdif6";
inline constexpr char kSnat4[] = "snat4";
inline constexpr char kSnat6[] = "snat6";
// Source NAT to a given address (PortForward sourceNATAddresses): target address . protocol .
// target port -> the address; checked before the masquerading sets above.
inline constexpr char kSnatTo4[] = "snatto4";
inline constexpr char kSnatTo6[] = "snatto6";
inline constexpr char kGuardTcp[] = "guard_tcp";
// Per-forward traffic: every packet of a forwarded connection, both directions, matched by the
// connection's original tuple in the forward hook (the DNAT maps' own counters see only each
// connection's first packet).
inline constexpr char kFwdStats4[] = "fwdstats4";
inline constexpr char kFwdStats6[] = "fwdstats6";
inline constexpr char kFwdIfStats4[] = "fwdifstats4";
inline constexpr char kFwdIfStats6[] = "fwdifstats6";

// Balanced forwards (backend_slots.h): (forward key . slot) -> backend address . port, picked
// by numgen random (lbr*) or by a jhash of the client address (lbh*, source affinity).
inline constexpr char kLbRandom4[] = "lbr4";
inline constexpr char kLbRandom6[] = "lbr6";
inline constexpr char kLbRandomIf4[] = "lbrif4";
inline constexpr char kLbRandomIf6[] = "lbrif6";
inline constexpr char kLbHash4[] = "lbh4";
inline constexpr char kLbHash6[] = "lbh6";
inline constexpr char kLbHashIf4[] = "lbhif4";
inline constexpr char kLbHashIf6[] = "lbhif6";
// Balanced forwards with no active backend: forward key -> 1 (drop) or 2 (reject) for new
// connections.
inline constexpr char kLbDown4[] = "lbdown4";
inline constexpr char kLbDown6[] = "lbdown6";
inline constexpr char kLbDownIf4[] = "lbdownif4";
inline constexpr char kLbDownIf6[] = "lbdownif6";
// Per-backend counters: backend address . protocol . port, every packet (lbstats*) and the
// first packet of each connection (lbnew*).
inline constexpr char kLbStats4[] = "lbstats4";
inline constexpr char kLbStats6[] = "lbstats6";
inline constexpr char kLbNew4[] = "lbnew4";
inline constexpr char kLbNew6[] = "lbnew6";
inline constexpr uint32_t kLbDownDrop = 1;
inline constexpr uint32_t kLbDownReject = 2;
// jhash seed of source affinity: fixed, so both routers of a pair and a restarted speaker send
// a client to the same slot.
inline constexpr uint32_t kAffinitySeed = 0x69726f6e;  // "iron"

struct SetSpec {
  std::string name;
  uint32_t flags = 0;  // NFT_SET_MAP for maps
  uint32_t key_type = 0;
  uint32_t key_len = 0;
  uint32_t data_type = 0;
  uint32_t data_len = 0;
  std::string userdata;
  bool element_counters = false;  // every element carries a counter (forward metrics)
  // Key bytes -> data bytes (empty for plain sets), as the kernel stores them.
  absl::btree_map<std::string, std::string> elements;

  bool is_map() const { return data_len != 0; }
  // Compares the definition, not the elements.
  bool SameDefinition(const SetSpec& o) const;
};

struct ChainSpec {
  std::string name;
  bool base = false;  // base chains have a hook
  std::string type;   // "filter" / "nat"
  uint32_t hook = 0;
  int32_t priority = 0;

  friend bool operator==(const ChainSpec&, const ChainSpec&) = default;
};

struct RuleSpec {
  std::string chain;
  std::function<void(nftnl_rule*)> add_expressions;
};

struct RulesetSpec {
  std::vector<SetSpec> sets;
  std::vector<ChainSpec> chains;
  std::vector<RuleSpec> rules;

  const SetSpec* FindSet(absl::string_view name) const;
};

// The complete table for `state`, which must have passed ValidateDesiredState.
RulesetSpec BuildRuleset(const DesiredState& state);

// Element encodings, shared with the counter readout and tests.
std::string ForwardKey(const PortForwardEntry& f);
std::string ForwardData(const PortForwardEntry& f);
// The set (kFwd4, kFwd6, kFwdIf4, kFwdIf6) that holds `f`.
const char* ForwardSetName(const PortForwardEntry& f);
// The traffic-counter set (kFwdStats4, ...) that holds `f`'s key.
const char* ForwardStatsSetName(const PortForwardEntry& f);
// Source-NAT set element of `f`: target address . protocol . target port.
std::string SnatKey(const PortForwardEntry& f);
// Balanced forwards: the slot map holding `f`, a slot key and a backend's data; the
// all-down map; a backend's counter key.
const char* BalancedSetName(const PortForwardEntry& f);
const char* DownSetName(const PortForwardEntry& f);
std::string SlotKey(const PortForwardEntry& f, uint32_t slot);
std::string BackendData(const Backend& b);
std::string BackendCounterKey(const PortForwardEntry& f, const Backend& b);
// Address bytes as set keys hold them; MSS as map data (big endian).
std::string VipKey(const IpAddress& vip);
std::string MssData(uint32_t mss);

}  // namespace ironlb::nft

#include "nft/ruleset_spec.h"

#include <arpa/inet.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_conntrack_common.h>
#include <linux/netfilter/nf_tables.h>
#include <netinet/tcp.h>

#include <cstring>

#include "nft/backend_slots.h"
#include "nft/expressions.h"

namespace ironlb::nft {
namespace {

// IP_CT_DIR_ORIGINAL / IP_CT_DIR_REPLY (kernel-internal enum)
constexpr uint8_t kCtDirOriginal = 0;
constexpr uint8_t kCtDirReply = 1;

// nftables' datatype ids (nftables include/datatype.h); concatenations shift by 6 bits per
// field. `nft list` uses them to print keys and values.
constexpr uint32_t kTypeInteger = 4;
constexpr uint32_t kTypeIpv4 = 7;
constexpr uint32_t kTypeMark = 19;  // host-endian 32 bits: nft prints slots and actions right
constexpr uint32_t kTypeIpv6 = 8;
constexpr uint32_t kTypeInetProto = 12;
constexpr uint32_t kTypeInetService = 13;
constexpr uint32_t kTypeIfname = 41;

constexpr uint32_t Concat(std::initializer_list<uint32_t> types) {
  uint32_t t = 0;
  for (uint32_t x : types) t = (t << 6) | x;
  return t;
}

// Set userdata as nft writes it (nftnl_udata TLVs): key and data byte order are big endian,
// so `nft list` prints the MSS map's integer values as numbers, not byte-swapped.
std::string MssMapUserdata() {
  const unsigned char kBytes[] = {0, 4, 2, 0, 0, 0, 1, 4, 2, 0, 0, 0};
  return std::string(reinterpret_cast<const char*>(kBytes), sizeof(kBytes));
}
std::string BigEndianKeyUserdata() {
  const unsigned char kBytes[] = {0, 4, 2, 0, 0, 0};
  return std::string(reinterpret_cast<const char*>(kBytes), sizeof(kBytes));
}

std::string AddressBytes(const IpAddress& a) {
  if (a.is_v4()) {
    const in_addr v4 = a.ToV4();
    return std::string(reinterpret_cast<const char*>(&v4), 4);
  }
  const in6_addr v6 = a.ToV6();
  return std::string(reinterpret_cast<const char*>(&v6), 16);
}

// Fields of a concatenation sit in 4-byte aligned register slots, zero padded.
std::string Pad4(std::string s) {
  s.resize((s.size() + 3) / 4 * 4, '\0');
  return s;
}
std::string Port(uint16_t port) {
  uint16_t be = htons(port);
  return std::string(reinterpret_cast<const char*>(&be), 2);
}
std::string Ifname(const std::string& name) {
  std::string s = name;
  s.resize(expr::kIfnameLen, '\0');
  return s;
}

SetSpec MakeSet(const char* name, uint32_t key_type, uint32_t key_len) {
  SetSpec s;
  s.name = name;
  s.key_type = key_type;
  s.key_len = key_len;
  return s;
}

SetSpec MakeMap(const char* name, uint32_t key_type, uint32_t key_len, uint32_t data_type,
                uint32_t data_len) {
  SetSpec s = MakeSet(name, key_type, key_len);
  s.flags = NFT_SET_MAP;
  s.data_type = data_type;
  s.data_len = data_len;
  return s;
}

// MSS clamp rules keyed by a conntrack address: the original destination for connections to
// a VIP; for DNATed connections (router hosts forwarding to a VIP) the reply source, which is
// the VIP the connection was forwarded to, whatever outside address or interface it came in on.
void AddMssRules(RulesetSpec& r, bool v6, bool forwarded) {
  const char* mss = v6 ? kMss6 : kMss4;
  const char* pmtu = v6 ? kPmtu6 : kPmtu4;
  const uint8_t nfproto = v6 ? NFPROTO_IPV6 : NFPROTO_IPV4;
  const uint32_t ct_key =
      forwarded ? (v6 ? NFT_CT_SRC_IP6 : NFT_CT_SRC_IP) : (v6 ? NFT_CT_DST_IP6 : NFT_CT_DST_IP);
  const uint8_t ct_dir = forwarded ? kCtDirReply : kCtDirOriginal;
  // tcp flags & (syn|rst) == syn: SYN and SYN-ACK, both directions of the connection; then the
  // conntrack address into register 0.
  auto syn_match = [=](nftnl_rule* rule) {
    if (forwarded) expr::CtStatusAny(rule, IPS_DST_NAT);
    expr::MetaLoad(rule, NFT_META_NFPROTO, 0);
    expr::CmpU8(rule, NFT_CMP_EQ, 0, nfproto);
    expr::MetaLoad(rule, NFT_META_L4PROTO, 0);
    expr::CmpU8(rule, NFT_CMP_EQ, 0, IPPROTO_TCP);
    expr::PayloadLoad(rule, NFT_PAYLOAD_TRANSPORT_HEADER, 13, 1, 0);
    expr::BitwiseU8(rule, 0, 0x02 | 0x04);
    expr::CmpU8(rule, NFT_CMP_EQ, 0, 0x02);
    expr::CtLoad(rule, ct_key, ct_dir, 0);
  };
  r.rules.push_back({"mss_clamp", [=](nftnl_rule* rule) {
                       syn_match(rule);
                       expr::Lookup(rule, mss, 0, 0);
                       expr::TcpMssWrite(rule, 0);
                     }});
  r.rules.push_back({"mss_pmtu", [=](nftnl_rule* rule) {
                       syn_match(rule);
                       expr::Lookup(rule, pmtu, 0, std::nullopt);
                       expr::RtTcpMssLoad(rule, 0);
                       expr::HtonU16(rule, 0);
                       expr::TcpMssWrite(rule, 0);
                     }});
}

// dnat ip[6] to <key> map @set, key = (ip daddr | iifname) . meta l4proto . th dport.
void AddDnatRule(RulesetSpec& r, const char* set, bool v6, bool by_interface) {
  r.rules.push_back({"fwd_prerouting", [=](nftnl_rule* rule) {
                       expr::MetaLoad(rule, NFT_META_NFPROTO, 0);
                       expr::CmpU8(rule, NFT_CMP_EQ, 0, v6 ? NFPROTO_IPV6 : NFPROTO_IPV4);
                       int first_len;
                       if (by_interface) {
                         expr::MetaLoad(rule, NFT_META_IIFNAME, 0);
                         first_len = expr::kIfnameLen;
                       } else {
                         expr::PayloadLoad(rule, NFT_PAYLOAD_NETWORK_HEADER, v6 ? 24 : 16,
                                           v6 ? 16 : 4, 0);
                         first_len = v6 ? 16 : 4;
                       }
                       const int proto_slot = first_len / 4;
                       expr::MetaLoad(rule, NFT_META_L4PROTO, proto_slot);
                       expr::PayloadLoad(rule, NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2, proto_slot + 1);
                       expr::Lookup(rule, set, 0, 0);
                       expr::Dnat(rule, v6 ? NFPROTO_IPV6 : NFPROTO_IPV4, 0, v6 ? 4 : 1);
                     }});
}

// Counts every packet of forwarded connections: (ct original daddr | iifname/oifname) .
// meta l4proto . ct original proto-dst @stats. Interface forwards use the outside interface,
// which is the input interface of original-direction packets and the output one of replies.
void AddStatsRules(RulesetSpec& r, bool v6) {
  const uint8_t nfproto = v6 ? NFPROTO_IPV6 : NFPROTO_IPV4;
  r.rules.push_back({"fwd_stats", [=](nftnl_rule* rule) {
                       expr::MetaLoad(rule, NFT_META_NFPROTO, 0);
                       expr::CmpU8(rule, NFT_CMP_EQ, 0, nfproto);
                       expr::CtLoad(rule, v6 ? NFT_CT_DST_IP6 : NFT_CT_DST_IP, kCtDirOriginal, 0);
                       const int proto_slot = v6 ? 4 : 1;
                       expr::MetaLoad(rule, NFT_META_L4PROTO, proto_slot);
                       expr::CtLoad(rule, NFT_CT_PROTO_DST, kCtDirOriginal, proto_slot + 1);
                       expr::Lookup(rule, v6 ? kFwdStats6 : kFwdStats4, 0, std::nullopt);
                     }});
  for (const uint8_t dir : {uint8_t{0}, uint8_t{1}}) {
    r.rules.push_back({"fwd_stats", [=](nftnl_rule* rule) {
                         expr::MetaLoad(rule, NFT_META_NFPROTO, 0);
                         expr::CmpU8(rule, NFT_CMP_EQ, 0, nfproto);
                         expr::CtKeyLoad(rule, NFT_CT_DIRECTION, 0);
                         expr::CmpU8(rule, NFT_CMP_EQ, 0, dir);
                         expr::MetaLoad(rule, dir == 0 ? NFT_META_IIFNAME : NFT_META_OIFNAME, 0);
                         const int proto_slot = expr::kIfnameLen / 4;
                         expr::MetaLoad(rule, NFT_META_L4PROTO, proto_slot);
                         expr::CtLoad(rule, NFT_CT_PROTO_DST, kCtDirOriginal, proto_slot + 1);
                         expr::Lookup(rule, v6 ? kFwdIfStats6 : kFwdIfStats4, 0, std::nullopt);
                       }});
  }
}

// A balanced forward's key into registers from 0: the family checked, then the outside
// address (or the inbound interface), the L4 protocol and the destination port. Returns the
// first register after the key.
int LoadForwardKey(nftnl_rule* rule, bool v6, bool by_interface) {
  expr::MetaLoad(rule, NFT_META_NFPROTO, 0);
  expr::CmpU8(rule, NFT_CMP_EQ, 0, v6 ? NFPROTO_IPV6 : NFPROTO_IPV4);
  int first_len;
  if (by_interface) {
    expr::MetaLoad(rule, NFT_META_IIFNAME, 0);
    first_len = expr::kIfnameLen;
  } else {
    expr::PayloadLoad(rule, NFT_PAYLOAD_NETWORK_HEADER, v6 ? 24 : 16, v6 ? 16 : 4, 0);
    first_len = v6 ? 16 : 4;
  }
  const int proto_slot = first_len / 4;
  expr::MetaLoad(rule, NFT_META_L4PROTO, proto_slot);
  expr::PayloadLoad(rule, NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2, proto_slot + 1);
  return proto_slot + 2;
}

// Balanced forwards: key . slot (numgen random, or jhash of the source address) -> backend.
void AddBalancedRule(RulesetSpec& r, const char* set, bool v6, bool by_interface, bool affinity) {
  r.rules.push_back(
      {"fwd_prerouting", [=](nftnl_rule* rule) {
         const int slot = LoadForwardKey(rule, v6, by_interface);
         if (affinity) {
           constexpr int kSource = 8;
           expr::PayloadLoad(rule, NFT_PAYLOAD_NETWORK_HEADER, v6 ? 8 : 12, v6 ? 16 : 4, kSource);
           expr::Jhash(rule, kSource, v6 ? 16 : 4, kBackendSlots, kAffinitySeed, slot);
         } else {
           expr::NumgenRandom(rule, kBackendSlots, slot);
         }
         expr::Lookup(rule, set, 0, 0);
         expr::Dnat(rule, v6 ? NFPROTO_IPV6 : NFPROTO_IPV4, 0, v6 ? 4 : 1);
       }});
}

// New connections to a balanced forward without an active backend: dropped or rejected
// (before DNAT, so the router's own sockets never see them); established ones pass.
void AddDownRules(RulesetSpec& r, const char* set, bool v6, bool by_interface) {
  auto match = [=](nftnl_rule* rule, uint32_t action) {
    expr::CtStateAny(rule, 1u << (IP_CT_NEW + 1));
    LoadForwardKey(rule, v6, by_interface);
    expr::Lookup(rule, set, 0, 0);
    expr::CmpU32(rule, NFT_CMP_EQ, 0, action);
  };
  r.rules.push_back({"lb_down", [=](nftnl_rule* rule) {
                       match(rule, kLbDownDrop);
                       expr::Verdict(rule, NF_DROP);
                     }});
  r.rules.push_back({"lb_down", [=](nftnl_rule* rule) {
                       match(rule, kLbDownReject);
                       expr::MetaLoad(rule, NFT_META_L4PROTO, 0);
                       expr::CmpU8(rule, NFT_CMP_EQ, 0, IPPROTO_TCP);
                       expr::RejectTcpReset(rule);
                     }});
  r.rules.push_back({"lb_down", [=](nftnl_rule* rule) {
                       match(rule, kLbDownReject);
                       expr::RejectPortUnreachable(rule);
                     }});
}

// Per-backend traffic of DNATed connections: ct reply saddr . l4proto . ct reply proto-src.
void AddBackendStatsRules(RulesetSpec& r, bool v6) {
  for (bool first_only : {false, true}) {
    r.rules.push_back({"fwd_stats", [=](nftnl_rule* rule) {
                         if (first_only) expr::CtStateAny(rule, 1u << (IP_CT_NEW + 1));
                         expr::CtStatusAny(rule, IPS_DST_NAT);
                         expr::MetaLoad(rule, NFT_META_NFPROTO, 0);
                         expr::CmpU8(rule, NFT_CMP_EQ, 0, v6 ? NFPROTO_IPV6 : NFPROTO_IPV4);
                         expr::CtLoad(rule, v6 ? NFT_CT_SRC_IP6 : NFT_CT_SRC_IP, kCtDirReply, 0);
                         const int proto_slot = v6 ? 4 : 1;
                         expr::MetaLoad(rule, NFT_META_L4PROTO, proto_slot);
                         expr::CtLoad(rule, NFT_CT_PROTO_SRC, kCtDirReply, proto_slot + 1);
                         const char* set =
                             first_only ? (v6 ? kLbNew6 : kLbNew4) : (v6 ? kLbStats6 : kLbStats4);
                         expr::Lookup(rule, set, 0, std::nullopt);
                       }});
  }
}

// Source NAT of DNATed connections whose target is in `set`: masquerade, or (to_address) to
// the address the map gives.
void AddSnatRule(RulesetSpec& r, const char* set, bool v6, bool to_address) {
  r.rules.push_back({"fwd_postrouting", [=](nftnl_rule* rule) {
                       expr::CtStatusAny(rule, IPS_DST_NAT);
                       expr::MetaLoad(rule, NFT_META_NFPROTO, 0);
                       expr::CmpU8(rule, NFT_CMP_EQ, 0, v6 ? NFPROTO_IPV6 : NFPROTO_IPV4);
                       expr::PayloadLoad(rule, NFT_PAYLOAD_NETWORK_HEADER, v6 ? 24 : 16,
                                         v6 ? 16 : 4, 0);
                       const int proto_slot = v6 ? 4 : 1;
                       expr::MetaLoad(rule, NFT_META_L4PROTO, proto_slot);
                       expr::PayloadLoad(rule, NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2, proto_slot + 1);
                       if (to_address) {
                         expr::Lookup(rule, set, 0, 0);
                         expr::Snat(rule, v6 ? NFPROTO_IPV6 : NFPROTO_IPV4, 0);
                       } else {
                         expr::Lookup(rule, set, 0, std::nullopt);
                         expr::Masquerade(rule);
                       }
                     }});
}

}  // namespace

bool SetSpec::SameDefinition(const SetSpec& o) const {
  return name == o.name && flags == o.flags && key_type == o.key_type && key_len == o.key_len &&
         data_type == o.data_type && data_len == o.data_len &&
         element_counters == o.element_counters && userdata == o.userdata;
}

const SetSpec* RulesetSpec::FindSet(absl::string_view name) const {
  for (const SetSpec& s : sets) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

const char* ForwardStatsSetName(const PortForwardEntry& f) {
  const bool v6 = f.target_address.is_v6();
  if (f.outside_address) return v6 ? kFwdStats6 : kFwdStats4;
  return v6 ? kFwdIfStats6 : kFwdIfStats4;
}

const char* ForwardSetName(const PortForwardEntry& f) {
  const bool v6 = f.target_address.is_v6();
  if (f.outside_address) return v6 ? kFwd6 : kFwd4;
  return v6 ? kFwdIf6 : kFwdIf4;
}

std::string ForwardKey(const PortForwardEntry& f) {
  std::string first =
      f.outside_address ? AddressBytes(*f.outside_address) : Ifname(f.outside_interface);
  return first + Pad4(std::string(1, static_cast<char>(f.protocol))) + Pad4(Port(f.port));
}

std::string SnatKey(const PortForwardEntry& f) {
  return AddressBytes(f.target_address) + Pad4(std::string(1, static_cast<char>(f.protocol))) +
         Pad4(Port(f.target_port));
}

std::string VipKey(const IpAddress& vip) { return AddressBytes(vip); }

const char* BalancedSetName(const PortForwardEntry& f) {
  const bool v6 = f.target_address.is_v6();
  if (f.outside_address) {
    if (f.source_affinity) return v6 ? kLbHash6 : kLbHash4;
    return v6 ? kLbRandom6 : kLbRandom4;
  }
  if (f.source_affinity) return v6 ? kLbHashIf6 : kLbHashIf4;
  return v6 ? kLbRandomIf6 : kLbRandomIf4;
}

const char* DownSetName(const PortForwardEntry& f) {
  const bool v6 = f.target_address.is_v6();
  if (f.outside_address) return v6 ? kLbDown6 : kLbDown4;
  return v6 ? kLbDownIf6 : kLbDownIf4;
}

// The slot is the numgen/jhash register: a host-endian 32-bit value.
std::string SlotKey(const PortForwardEntry& f, uint32_t slot) {
  return ForwardKey(f) + std::string(reinterpret_cast<const char*>(&slot), 4);
}

std::string BackendData(const Backend& b) { return AddressBytes(b.address) + Pad4(Port(b.port)); }

std::string BackendCounterKey(const PortForwardEntry& f, const Backend& b) {
  return AddressBytes(b.address) + Pad4(std::string(1, static_cast<char>(f.protocol))) +
         Pad4(Port(b.port));
}

std::string MssData(uint32_t mss) { return Port(static_cast<uint16_t>(mss)); }

std::string ForwardData(const PortForwardEntry& f) {
  return AddressBytes(f.target_address) + Pad4(Port(f.target_port));
}

namespace {

template <typename SetFn>
void AddBalancedElements(const PortForwardEntry& f, SetFn& set) {
  const std::vector<int> table = BackendSlotTable(f.backends);
  const bool v6 = f.target_address.is_v6();
  set(ForwardStatsSetName(f)).emplace_back(ForwardKey(f), "");
  if (table[0] < 0) {
    const uint32_t action = f.when_all_down == AllDownAction::kReject ? kLbDownReject : kLbDownDrop;
    set(DownSetName(f))
        .emplace_back(ForwardKey(f), std::string(reinterpret_cast<const char*>(&action), 4));
  } else {
    auto& slots = set(BalancedSetName(f));
    std::vector<std::string> data;
    data.reserve(f.backends.size());
    for (const Backend& b : f.backends) data.push_back(BackendData(b));
    for (uint32_t slot = 0; slot < table.size(); ++slot) {
      slots.emplace_back(SlotKey(f, slot), data[static_cast<size_t>(table[slot])]);
    }
  }
  for (const Backend& b : f.backends) {
    const std::string key = BackendCounterKey(f, b);
    set(v6 ? kLbStats6 : kLbStats4).emplace_back(key, "");
    set(v6 ? kLbNew6 : kLbNew4).emplace_back(key, "");
    if (f.source_nat_address) {
      set(v6 ? kSnatTo6 : kSnatTo4).emplace_back(key, AddressBytes(*f.source_nat_address));
    } else if (f.source_nat) {
      set(v6 ? kSnat6 : kSnat4).emplace_back(key, "");
    }
  }
}

}  // namespace

RulesetSpec BuildRuleset(const DesiredState& state) {
  RulesetSpec r;
  const uint32_t fwd4_key = Concat({kTypeIpv4, kTypeInetProto, kTypeInetService});
  const uint32_t fwd6_key = Concat({kTypeIpv6, kTypeInetProto, kTypeInetService});
  const uint32_t fwdif_key = Concat({kTypeIfname, kTypeInetProto, kTypeInetService});
  const uint32_t data4 = Concat({kTypeIpv4, kTypeInetService});
  const uint32_t data6 = Concat({kTypeIpv6, kTypeInetService});

  r.sets.push_back(MakeMap(kMss4, kTypeIpv4, 4, kTypeInteger, 2));
  r.sets.push_back(MakeMap(kMss6, kTypeIpv6, 16, kTypeInteger, 2));
  r.sets[0].userdata = r.sets[1].userdata = MssMapUserdata();
  r.sets.push_back(MakeSet(kPmtu4, kTypeIpv4, 4));
  r.sets.push_back(MakeSet(kPmtu6, kTypeIpv6, 16));
  r.sets.push_back(MakeMap(kFwd4, fwd4_key, 12, data4, 8));
  r.sets.push_back(MakeMap(kFwd6, fwd6_key, 24, data6, 20));
  r.sets.push_back(MakeMap(kFwdIf4, fwdif_key, 24, data4, 8));
  r.sets.push_back(MakeMap(kFwdIf6, fwdif_key, 24, data6, 20));
  for (size_t i = 4; i < 8; ++i) r.sets[i].element_counters = true;
  r.sets.push_back(MakeSet(kSnat4, fwd4_key, 12));
  r.sets.push_back(MakeSet(kSnat6, fwd6_key, 24));
  r.sets.push_back(MakeMap(kSnatTo4, fwd4_key, 12, kTypeIpv4, 4));
  r.sets.push_back(MakeMap(kSnatTo6, fwd6_key, 24, kTypeIpv6, 16));
  r.sets.push_back(MakeSet(kGuardTcp, kTypeInetService, 2));
  r.sets.push_back(MakeSet(kFwdStats4, fwd4_key, 12));
  r.sets.push_back(MakeSet(kFwdStats6, fwd6_key, 24));
  r.sets.push_back(MakeSet(kFwdIfStats4, fwdif_key, 24));
  r.sets.push_back(MakeSet(kFwdIfStats6, fwdif_key, 24));
  for (size_t i = r.sets.size() - 4; i < r.sets.size(); ++i) r.sets[i].element_counters = true;
  const uint32_t slot4_key = Concat({kTypeIpv4, kTypeInetProto, kTypeInetService, kTypeMark});
  const uint32_t slot6_key = Concat({kTypeIpv6, kTypeInetProto, kTypeInetService, kTypeMark});
  const uint32_t slotif_key = Concat({kTypeIfname, kTypeInetProto, kTypeInetService, kTypeMark});
  for (const char* n : {kLbRandom4, kLbHash4})
    r.sets.push_back(MakeMap(n, slot4_key, 16, data4, 8));
  for (const char* n : {kLbRandom6, kLbHash6})
    r.sets.push_back(MakeMap(n, slot6_key, 28, data6, 20));
  for (const char* n : {kLbRandomIf4, kLbHashIf4}) {
    r.sets.push_back(MakeMap(n, slotif_key, 28, data4, 8));
  }
  for (const char* n : {kLbRandomIf6, kLbHashIf6}) {
    r.sets.push_back(MakeMap(n, slotif_key, 28, data6, 20));
  }
  r.sets.push_back(MakeMap(kLbDown4, fwd4_key, 12, kTypeMark, 4));
  r.sets.push_back(MakeMap(kLbDown6, fwd6_key, 24, kTypeMark, 4));
  r.sets.push_back(MakeMap(kLbDownIf4, fwdif_key, 24, kTypeMark, 4));
  r.sets.push_back(MakeMap(kLbDownIf6, fwdif_key, 24, kTypeMark, 4));
  for (const char* n : {kLbStats4, kLbNew4}) r.sets.push_back(MakeSet(n, fwd4_key, 12));
  for (const char* n : {kLbStats6, kLbNew6}) r.sets.push_back(MakeSet(n, fwd6_key, 24));
  for (size_t i = r.sets.size() - 4; i < r.sets.size(); ++i) r.sets[i].element_counters = true;
  for (SetSpec& s : r.sets) {
    if (s.userdata.empty() &&
        (s.key_type == kTypeIpv4 || s.key_type == kTypeIpv6 || s.key_type == kTypeInetService)) {
      s.userdata = BigEndianKeyUserdata();
    }
  }
  // Elements are collected per set, sorted, and inserted in order: much cheaper than inserting
  // 20,000 keys at random into the sorted map.
  std::vector<std::vector<std::pair<std::string, std::string>>> pending(r.sets.size());
  auto set = [&r, &pending](const char* name) -> std::vector<std::pair<std::string, std::string>>& {
    for (size_t i = 0; i < r.sets.size(); ++i) {
      if (r.sets[i].name == name) return pending[i];
    }
    __builtin_unreachable();
  };
  auto& mss4 = set(kMss4);
  auto& mss6 = set(kMss6);
  auto& pmtu4 = set(kPmtu4);
  auto& pmtu6 = set(kPmtu6);
  auto& snat4 = set(kSnat4);
  auto& snat6 = set(kSnat6);
  mss4.reserve(state.clamped_vips.size());
  for (const ClampedVip& c : state.clamped_vips) {
    const bool v6 = c.vip.is_v6();
    if (c.pmtu) {
      (v6 ? pmtu6 : pmtu4).emplace_back(AddressBytes(c.vip), "");
    } else {
      (v6 ? mss6 : mss4).emplace_back(AddressBytes(c.vip), Port(static_cast<uint16_t>(c.mss)));
    }
  }
  auto& fwd4 = set(kFwd4);
  fwd4.reserve(state.forwards.size());
  for (const PortForwardEntry& f : state.forwards) {
    if (f.balanced()) {
      AddBalancedElements(f, set);
      continue;
    }
    auto& target =
        f.outside_address ? (f.target_address.is_v6() ? set(kFwd6) : fwd4) : set(ForwardSetName(f));
    target.emplace_back(ForwardKey(f), ForwardData(f));
    set(ForwardStatsSetName(f)).emplace_back(ForwardKey(f), "");
    if (f.source_nat_address) {
      set(f.target_address.is_v6() ? kSnatTo6 : kSnatTo4)
          .emplace_back(SnatKey(f), AddressBytes(*f.source_nat_address));
    } else if (f.source_nat) {
      (f.target_address.is_v6() ? snat6 : snat4).emplace_back(SnatKey(f), "");
    }
  }
  auto& guard = set(kGuardTcp);
  for (uint16_t port : state.guarded_tcp_ports) guard.emplace_back(Port(port), "");
  for (size_t i = 0; i < r.sets.size(); ++i) {
    auto& v = pending[i];
    // Stable: of exact duplicates (validated to carry equal data) the first wins.
    std::stable_sort(v.begin(), v.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    for (auto& [key, data] : v)
      r.sets[i].elements.emplace_hint(r.sets[i].elements.end(), std::move(key), std::move(data));
  }

  constexpr int32_t kMangle = -150, kDstNat = -100, kSrcNat = 100, kFilter = 0;
  r.chains = {
      {"mss_clamp", false, "", 0, 0},
      {"mss_pmtu", false, "", 0, 0},
      {"mss_input", true, "filter", NF_INET_LOCAL_IN, kMangle},
      {"mss_forward", true, "filter", NF_INET_FORWARD, kMangle},
      {"mss_output", true, "filter", NF_INET_LOCAL_OUT, kMangle},
      {"lb_down", true, "filter", NF_INET_PRE_ROUTING, kDstNat - 10},
      {"fwd_prerouting", true, "nat", NF_INET_PRE_ROUTING, kDstNat},
      {"fwd_postrouting", true, "nat", NF_INET_POST_ROUTING, kSrcNat},
      {"fwd_stats", true, "filter", NF_INET_FORWARD, kFilter},
      {"port_guard", true, "filter", NF_INET_LOCAL_IN, kFilter},
  };
  // Locally served VIPs see the client's SYN on input and send the SYN-ACK on output; routed
  // or DNATed connections pass forward both ways. `rt mtu` needs a route, which input packets
  // do not have yet (the kernel refuses it there), so pmtu clamping is forward/output only.
  for (const char* chain : {"mss_input", "mss_forward", "mss_output"}) {
    r.rules.push_back({chain, [](nftnl_rule* rule) { expr::Jump(rule, "mss_clamp"); }});
  }
  for (const char* chain : {"mss_forward", "mss_output"}) {
    r.rules.push_back({chain, [](nftnl_rule* rule) { expr::Jump(rule, "mss_pmtu"); }});
  }
  for (bool forwarded : {false, true}) {
    AddMssRules(r, /*v6=*/false, forwarded);
    AddMssRules(r, /*v6=*/true, forwarded);
  }
  AddDnatRule(r, kFwd4, false, false);
  AddDnatRule(r, kFwd6, true, false);
  AddDnatRule(r, kFwdIf4, false, true);
  AddDnatRule(r, kFwdIf6, true, true);
  for (bool affinity : {false, true}) {
    AddBalancedRule(r, affinity ? kLbHash4 : kLbRandom4, false, false, affinity);
    AddBalancedRule(r, affinity ? kLbHash6 : kLbRandom6, true, false, affinity);
    AddBalancedRule(r, affinity ? kLbHashIf4 : kLbRandomIf4, false, true, affinity);
    AddBalancedRule(r, affinity ? kLbHashIf6 : kLbRandomIf6, true, true, affinity);
  }
  AddDownRules(r, kLbDown4, false, false);
  AddDownRules(r, kLbDown6, true, false);
  AddDownRules(r, kLbDownIf4, false, true);
  AddDownRules(r, kLbDownIf6, true, true);
  AddBackendStatsRules(r, false);
  AddBackendStatsRules(r, true);
  AddSnatRule(r, kSnatTo4, false, /*to_address=*/true);
  AddSnatRule(r, kSnatTo6, true, /*to_address=*/true);
  AddSnatRule(r, kSnat4, false, /*to_address=*/false);
  AddSnatRule(r, kSnat6, true, /*to_address=*/false);
  AddStatsRules(r, false);
  AddStatsRules(r, true);
  // iifname != "lo" tcp dport @guard_tcp drop
  r.rules.push_back({"port_guard", [](nftnl_rule* rule) {
                       expr::MetaLoad(rule, NFT_META_IIFNAME, 0);
                       expr::CmpBytes(rule, NFT_CMP_NEQ, 0, Ifname("lo"));
                       expr::MetaLoad(rule, NFT_META_L4PROTO, 0);
                       expr::CmpU8(rule, NFT_CMP_EQ, 0, IPPROTO_TCP);
                       expr::PayloadLoad(rule, NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2, 0);
                       expr::Lookup(rule, kGuardTcp, 0, std::nullopt);
                       expr::Verdict(rule, NF_DROP);
                     }});
  return r;
}

}  // namespace ironlb::nft

#include "config/decode_specs.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "config/decode_backends.h"
#include "config/values.h"

namespace ironlb::config {
namespace {

const FieldPath kSpec = FieldPath{}.Key("spec");

std::optional<TcpMss> ReadMss(const Json& spec, const FieldPath& path, absl::string_view key,
                              FieldContext& ctx) {
  auto it = spec.find(key);
  if (it == spec.end() || it->is_null()) return std::nullopt;
  std::string text;
  if (it->is_number_integer() || it->is_number_unsigned()) {
    text = it->dump();
  } else if (it->is_string()) {
    text = it->get<std::string>();
  } else {
    ctx.Error(path.Key(key), "must be a number (536..65495) or \"pmtu\"");
    return std::nullopt;
  }
  auto mss = ParseTcpMss(text);
  if (!mss.ok()) {
    ctx.Error(path.Key(key), std::string(mss.status().message()));
    return std::nullopt;
  }
  return *mss;
}

// MetalLB fields ironlb does not implement: said plainly rather than as a typo.
void WarnNotSupported(const Json& spec, absl::string_view field, FieldContext& ctx) {
  auto it = spec.find(field);
  if (it == spec.end() || it->is_null() || (it->is_array() && it->empty())) return;
  ctx.Warning(kSpec.Key(field), "a MetalLB field ironlb does not support yet; ignored");
}

// holdTime and keepaliveTime as MetalLB reads them: either alone sets the other (keepalive =
// hold / 3, hold = 3 x keepalive), whole seconds, hold 0 or at least 3s, keepalive <= hold.
void ReadTimers(const Json& spec, BGPPeer& peer, FieldContext& ctx) {
  std::optional<uint32_t> hold;
  std::optional<uint32_t> keepalive;
  for (const char* field : {"holdTime", "keepaliveTime"}) {
    auto t = ReadString(spec, kSpec, field, ctx);
    if (!t) continue;
    auto s = ParseDurationSeconds(*t);
    if (!s.ok()) {
      ctx.Error(kSpec.Key(field), std::string(s.status().message()));
      continue;
    }
    (field[0] == 'h' ? hold : keepalive) = *s;
  }
  // BGP carries the hold time in 16 bits (ParseDurationSeconds refuses more than 65535s).
  if (!hold && keepalive && *keepalive > 65535 / 3) {
    ctx.Error(kSpec.Key("keepaliveTime"),
              absl::StrCat(*keepalive, "s alone makes the hold time ", uint64_t{*keepalive} * 3,
                           "s, above 65535s; set holdTime too"));
    return;
  }
  if (hold && *hold != 0 && *hold < 3) {
    ctx.Error(kSpec.Key("holdTime"),
              absl::StrCat(*hold, "s is too short: BGP allows 0 (no keepalives) or at least 3s"));
    return;
  }
  if (hold && keepalive && *keepalive > *hold) {
    ctx.Error(kSpec.Key("keepaliveTime"),
              absl::StrCat(*keepalive, "s is longer than the hold time (", *hold, "s)"));
    return;
  }
  if (!hold && keepalive) {
    peer.hold_time_s = *keepalive * 3;
    peer.keepalive_time_s = *keepalive;
  } else if (hold) {
    peer.hold_time_s = *hold;
    peer.keepalive_time_s = keepalive.value_or(*hold / 3);
  }
}

}  // namespace

std::optional<IpAddress> ReadAddress(const Json& spec, const FieldPath& path, absl::string_view key,
                                     FieldContext& ctx) {
  auto text = ReadString(spec, path, key, ctx);
  if (!text) return std::nullopt;
  auto a = IpAddress::Parse(*text);
  if (!a.ok()) {
    ctx.Error(path.Key(key), std::string(a.status().message()));
    return std::nullopt;
  }
  return *a;
}

void DecodeAddressPool(const Json& spec, Flavor flavor, AddressPool& pool, FieldContext& ctx) {
  if (flavor == Flavor::kMetalLB) {
    WarnUnknownFields(spec, kSpec,
                      {"addresses", "autoAssign", "avoidBuggyIPs", "serviceAllocation"}, ctx);
  } else {
    WarnUnknownFields(spec, kSpec,
                      {"addresses", "autoAssign", "avoidBuggyIPs", "serviceAllocation",
                       "restrictSharingToNamespace", "allowSharingAcrossNamespaces", "tcpMSS"},
                      ctx);
  }
  pool.address_texts = ReadStringList(spec, kSpec, "addresses", ctx);
  auto listed = spec.find("addresses");
  if (pool.address_texts.empty() &&
      (listed == spec.end() || (listed->is_array() && listed->empty()))) {
    ctx.Error(kSpec.Key("addresses"), "a pool needs at least one CIDR or range");
  }
  const FieldPath ap = kSpec.Key("addresses");
  for (size_t i = 0; i < pool.address_texts.size(); ++i) {
    auto r = IpRange::Parse(pool.address_texts[i]);
    if (!r.ok()) {
      ctx.Error(ap.Index(i), std::string(r.status().message()));
      continue;
    }
    pool.ranges.push_back(*r);
  }
  pool.auto_assign = ReadBool(spec, kSpec, "autoAssign", ctx).value_or(true);
  pool.avoid_buggy_ips = ReadBool(spec, kSpec, "avoidBuggyIPs", ctx).value_or(false);
  if (flavor == Flavor::kIronlb) {
    // MetalLB shares across namespaces; restricting sharing to one namespace is opt-in. The
    // older spelling allowSharingAcrossNamespaces is still read.
    const auto restrict = ReadBool(spec, kSpec, "restrictSharingToNamespace", ctx);
    const auto allow = ReadBool(spec, kSpec, "allowSharingAcrossNamespaces", ctx);
    if (restrict && allow && * restrict == *allow) {
      ctx.Error(
          kSpec.Key("allowSharingAcrossNamespaces"),
          absl::StrCat("contradicts restrictSharingToNamespace: ", * restrict ? "true" : "false",
                       "; set only restrictSharingToNamespace"));
    }
    pool.allow_sharing_across_namespaces = restrict ? !* restrict : allow.value_or(true);
    pool.tcp_mss = ReadMss(spec, kSpec, "tcpMSS", ctx);
  }
  if (const Json* sa = ReadObject(spec, kSpec, "serviceAllocation", ctx)) {
    const FieldPath sp = kSpec.Key("serviceAllocation");
    WarnUnknownFields(*sa, sp, {"priority", "namespaces", "namespaceSelectors", "serviceSelectors"},
                      ctx);
    ServiceAllocation alloc;
    if (auto p = ReadInt(*sa, sp, "priority", 0, INT32_MAX, ctx)) {
      alloc.priority = static_cast<int32_t>(*p);
    }
    alloc.namespaces = ReadStringList(*sa, sp, "namespaces", ctx);
    alloc.namespace_selectors = ReadSelectorList(*sa, sp, "namespaceSelectors", ctx);
    alloc.service_selectors = ReadSelectorList(*sa, sp, "serviceSelectors", ctx);
    pool.service_allocation = std::move(alloc);
  }
}

void DecodeL2Advertisement(const Json& spec, Flavor flavor, L2Advertisement& adv,
                           FieldContext& ctx) {
  if (flavor == Flavor::kMetalLB) {
    WarnNotSupported(spec, "serviceSelectors", ctx);
    WarnUnknownFields(spec, kSpec,
                      {"ipAddressPools", "ipAddressPoolSelectors", "nodeSelectors", "interfaces",
                       "serviceSelectors"},
                      ctx);
  } else {
    WarnUnknownFields(
        spec, kSpec,
        {"ipAddressPools", "ipAddressPoolSelectors", "nodeSelectors", "interfaces", "localCheck"},
        ctx);
    DecodeLocalCheck(spec, kSpec, adv.local_check, ctx);
  }
  adv.ip_address_pools = ReadStringList(spec, kSpec, "ipAddressPools", ctx);
  adv.ip_address_pool_selectors = ReadSelectorList(spec, kSpec, "ipAddressPoolSelectors", ctx);
  adv.node_selectors = ReadSelectorList(spec, kSpec, "nodeSelectors", ctx);
  adv.interfaces = ReadStringList(spec, kSpec, "interfaces", ctx);
  const FieldPath ip = kSpec.Key("interfaces");
  for (size_t i = 0; i < adv.interfaces.size(); ++i) {
    const std::string& name = adv.interfaces[i];
    if (name.empty() || name.size() > 15 || name.find_first_of("/ \t") != std::string::npos) {
      ctx.Error(ip.Index(i), absl::StrCat("\"", name,
                                          "\" is not an interface name or pattern (1-15 "
                                          "characters, no '/' or spaces; '*' matches any)"));
    }
  }
}

void DecodeBGPAdvertisement(const Json& spec, Flavor flavor, BGPAdvertisement& adv,
                            FieldContext& ctx) {
  if (flavor == Flavor::kMetalLB) {
    WarnNotSupported(spec, "serviceSelectors", ctx);
    WarnUnknownFields(
        spec, kSpec,
        {"ipAddressPools", "ipAddressPoolSelectors", "aggregationLength", "aggregationLengthV6",
         "localPref", "communities", "peers", "nodeSelectors", "serviceSelectors"},
        ctx);
  } else {
    WarnUnknownFields(
        spec, kSpec,
        {"ipAddressPools", "ipAddressPoolSelectors", "aggregationLength", "aggregationLengthV6",
         "localPref", "communities", "peers", "nodeSelectors", "weightByEndpoints"},
        ctx);
    if (auto v = ReadBool(spec, kSpec, "weightByEndpoints", ctx)) adv.weight_by_endpoints = *v;
  }
  adv.ip_address_pools = ReadStringList(spec, kSpec, "ipAddressPools", ctx);
  adv.ip_address_pool_selectors = ReadSelectorList(spec, kSpec, "ipAddressPoolSelectors", ctx);
  if (auto v = ReadInt(spec, kSpec, "aggregationLength", 1, 32, ctx)) {
    adv.aggregation_length = static_cast<int>(*v);
  }
  if (auto v = ReadInt(spec, kSpec, "aggregationLengthV6", 1, 128, ctx)) {
    adv.aggregation_length_v6 = static_cast<int>(*v);
  }
  if (auto v = ReadInt(spec, kSpec, "localPref", 0, UINT32_MAX, ctx)) {
    adv.local_pref = static_cast<uint32_t>(*v);
  }
  // Values or names of MetalLB Community aliases: resolved when the whole configuration is
  // read (ResolveReferences), as the aliases may be defined in another file.
  adv.community_texts = ReadStringList(spec, kSpec, "communities", ctx);
  adv.peers = ReadStringList(spec, kSpec, "peers", ctx);
  adv.node_selectors = ReadSelectorList(spec, kSpec, "nodeSelectors", ctx);
}

void DecodeBGPPeer(const Json& spec, BGPPeer& peer, FieldContext& ctx) {
  WarnUnknownFields(spec, kSpec,
                    {"myASN",
                     "peerASN",
                     "dynamicASN",
                     "peerAddress",
                     "interface",
                     "peerPort",
                     "sourceAddress",
                     "holdTime",
                     "keepaliveTime",
                     "connectTime",
                     "routerID",
                     "password",
                     "passwordSecret",
                     "ebgpMultiHop",
                     "enableGracefulRestart",
                     "disableMP",
                     "dualStackAddressFamily",
                     "bfdProfile",
                     "nodeSelectors",
                     "vrf"},
                    ctx);
  auto my_asn = ReadInt(spec, kSpec, "myASN", 1, UINT32_MAX, ctx);
  auto peer_asn = ReadInt(spec, kSpec, "peerASN", 1, UINT32_MAX, ctx);
  if (!my_asn && spec.find("myASN") == spec.end()) {
    ctx.Error(kSpec.Key("myASN"), "required: this node's AS number (1..4294967295)");
  }
  if (auto mode = ReadString(spec, kSpec, "dynamicASN", ctx)) {
    if (*mode == "internal") {
      peer.dynamic_asn = DynamicAsn::kInternal;
    } else if (*mode == "external") {
      peer.dynamic_asn = DynamicAsn::kExternal;
    } else {
      ctx.Error(kSpec.Key("dynamicASN"),
                absl::StrCat("\"", *mode, "\" is not one of internal, external"));
    }
    if (spec.contains("peerASN")) {
      ctx.Error(kSpec.Key("dynamicASN"), "set peerASN or dynamicASN, not both");
    }
  } else if (!peer_asn && spec.find("peerASN") == spec.end()) {
    ctx.Error(kSpec.Key("peerASN"),
              "required: the router's AS number (1..4294967295), or dynamicASN");
  }
  peer.my_asn = static_cast<uint32_t>(my_asn.value_or(0));
  peer.peer_asn = static_cast<uint32_t>(peer_asn.value_or(0));
  peer.interface = ReadString(spec, kSpec, "interface", ctx).value_or("");
  if (!peer.interface.empty() && (peer.interface.size() > 15 ||
                                  peer.interface.find_first_of("/ \t\r\n") != std::string::npos)) {
    ctx.Error(kSpec.Key("interface"),
              absl::StrCat("\"", peer.interface,
                           "\" is not an interface name (1-15 characters, no '/' or spaces)"));
  }
  if (auto a = ReadAddress(spec, kSpec, "peerAddress", ctx)) {
    peer.peer_address = *a;
    if (!peer.interface.empty()) {
      ctx.Error(kSpec.Key("interface"), "set peerAddress or interface (unnumbered BGP), not both");
    }
  } else if (spec.find("peerAddress") == spec.end() && peer.interface.empty()) {
    ctx.Error(kSpec.Key("peerAddress"),
              "required: the router's IP address (or interface, for unnumbered BGP)");
  }
  peer.peer_port =
      static_cast<uint16_t>(ReadInt(spec, kSpec, "peerPort", 1, 65535, ctx).value_or(179));
  peer.source_address = ReadAddress(spec, kSpec, "sourceAddress", ctx);
  if (peer.source_address && peer.source_address->family() != peer.peer_address.family() &&
      spec.contains("peerAddress")) {
    ctx.Error(kSpec.Key("sourceAddress"), "must be of the same family as peerAddress");
  }
  ReadTimers(spec, peer, ctx);
  if (auto t = ReadString(spec, kSpec, "connectTime", ctx)) {
    auto s = ParseDurationSeconds(*t);
    if (!s.ok()) {
      ctx.Error(kSpec.Key("connectTime"), std::string(s.status().message()));
    } else if (*s < 1 || *s > 65535) {
      ctx.Error(kSpec.Key("connectTime"), absl::StrCat(*t, " is out of range 1s..65535s"));
    } else {
      peer.connect_time_s = *s;
    }
  }
  if (auto id = ReadAddress(spec, kSpec, "routerID", ctx)) {
    if (!id->is_v4()) {
      ctx.Error(kSpec.Key("routerID"), "a BGP router ID is an IPv4 address");
    } else {
      peer.router_id = *id;
    }
  }
  peer.password = ReadString(spec, kSpec, "password", ctx).value_or("");
  // MetalLB's converter writes `passwordSecret: {}` for "none".
  if (const Json* ps = ReadObject(spec, kSpec, "passwordSecret", ctx); ps && !ps->empty()) {
    const FieldPath pp = kSpec.Key("passwordSecret");
    WarnUnknownFields(*ps, pp, {"name", "namespace", "key"}, ctx);
    SecretRef ref;
    ref.name = ReadString(*ps, pp, "name", ctx).value_or("");
    ref.namespace_ = ReadString(*ps, pp, "namespace", ctx).value_or("");
    ref.key = ReadString(*ps, pp, "key", ctx).value_or("password");
    if (ref.name.empty()) ctx.Error(pp.Key("name"), "the Secret's name is required");
    if (!peer.password.empty()) {
      ctx.Error(pp, "set password or passwordSecret, not both");
    }
    peer.password_secret = std::move(ref);
  }
  if (peer.password.size() > 80) {
    ctx.Error(kSpec.Key("password"), "TCP MD5 passwords are at most 80 characters");
  }
  if (peer.password.find_first_of(" \t\r\n") != std::string::npos) {
    ctx.Error(kSpec.Key("password"), "must not contain white space (FRR's bgpd refuses it)");
  }
  peer.ebgp_multihop = ReadBool(spec, kSpec, "ebgpMultiHop", ctx).value_or(false);
  if (peer.ebgp_multihop &&
      ((my_asn && peer_asn && *my_asn == *peer_asn) || peer.dynamic_asn == DynamicAsn::kInternal)) {
    ctx.Error(kSpec.Key("ebgpMultiHop"),
              "is for eBGP sessions; myASN equals the peer's AS, so this session is iBGP");
  }
  peer.enable_graceful_restart =
      ReadBool(spec, kSpec, "enableGracefulRestart", ctx).value_or(false);
  peer.disable_mp = ReadBool(spec, kSpec, "disableMP", ctx).value_or(false);
  peer.dual_stack_address_family =
      ReadBool(spec, kSpec, "dualStackAddressFamily", ctx).value_or(false);
  if (peer.disable_mp && peer.dual_stack_address_family) {
    ctx.Error(kSpec.Key("disableMP"), "contradicts dualStackAddressFamily: set one of them");
  }
  peer.bfd_profile = ReadString(spec, kSpec, "bfdProfile", ctx).value_or("");
  peer.node_selectors = ReadSelectorList(spec, kSpec, "nodeSelectors", ctx);
  peer.vrf = ReadString(spec, kSpec, "vrf", ctx).value_or("");
  if (peer.vrf.size() > 15 || peer.vrf.find_first_of("/ \t\r\n") != std::string::npos) {
    ctx.Error(kSpec.Key("vrf"), absl::StrCat("\"", peer.vrf, "\" is not a VRF device name"));
  }
}

void DecodeBFDProfile(const Json& spec, BFDProfile& p, FieldContext& ctx) {
  WarnUnknownFields(spec, kSpec,
                    {"receiveInterval", "transmitInterval", "detectMultiplier", "echoInterval",
                     "echoMode", "passiveMode", "minimumTtl"},
                    ctx);
  p.receive_interval_ms =
      static_cast<uint32_t>(ReadInt(spec, kSpec, "receiveInterval", 10, 60000, ctx).value_or(300));
  p.transmit_interval_ms =
      static_cast<uint32_t>(ReadInt(spec, kSpec, "transmitInterval", 10, 60000, ctx).value_or(300));
  p.detect_multiplier =
      static_cast<uint32_t>(ReadInt(spec, kSpec, "detectMultiplier", 2, 255, ctx).value_or(3));
  if (auto v = ReadInt(spec, kSpec, "echoInterval", 10, 60000, ctx)) {
    p.echo_interval_ms = static_cast<uint32_t>(*v);
  }
  p.echo_mode = ReadBool(spec, kSpec, "echoMode", ctx).value_or(false);
  p.passive_mode = ReadBool(spec, kSpec, "passiveMode", ctx).value_or(false);
  if (auto v = ReadInt(spec, kSpec, "minimumTtl", 1, 254, ctx)) {
    p.minimum_ttl = static_cast<uint32_t>(*v);
  }
}

void DecodeCommunityAliases(const Json& spec, CommunityAliases& c, FieldContext& ctx) {
  WarnUnknownFields(spec, kSpec, {"communities"}, ctx);
  const Json* list = ReadArray(spec, kSpec, "communities", ctx);
  if (list == nullptr) return;
  const FieldPath lp = kSpec.Key("communities");
  for (size_t i = 0; i < list->size(); ++i) {
    const Json& a = (*list)[i];
    const FieldPath p = lp.Index(i);
    if (!a.is_object()) {
      ctx.Error(p, "an alias must be an object with name and value");
      continue;
    }
    WarnUnknownFields(a, p, {"name", "value"}, ctx);
    const std::string name = ReadString(a, p, "name", ctx).value_or("");
    const std::string value = ReadString(a, p, "value", ctx).value_or("");
    if (name.empty()) {
      ctx.Error(p.Key("name"), "an alias needs a name");
      continue;
    }
    auto v = ParseCommunity(value);
    if (!v.ok()) {
      ctx.Error(p.Key("value"), std::string(v.status().message()));
      continue;
    }
    c.aliases.emplace_back(name, *v);
  }
}

}  // namespace ironlb::config

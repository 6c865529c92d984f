#include "config/decode.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "config/decode_backends.h"
#include "config/fields.h"
#include "config/kinds.h"
#include "config/values.h"

namespace ironlb::config {
namespace {

const FieldPath kRoot{};
const FieldPath kSpec = kRoot.Key("spec");

ObjectMeta DecodeMeta(const Json& obj, const Document& doc, FieldContext& ctx) {
  ObjectMeta meta;
  meta.source = {
      doc.file, doc.line,
      doc.file.empty() ? nullptr : std::make_shared<const std::map<std::string, int>>(doc.lines)};
  const FieldPath mp = kRoot.Key("metadata");
  const Json* m = ReadObject(obj, kRoot, "metadata", ctx);
  if (m == nullptr) {
    ctx.Error(mp, "metadata.name is required");
    return meta;
  }
  meta.name = ReadString(*m, mp, "name", ctx).value_or("");
  if (absl::Status st = ValidateObjectName(meta.name); !st.ok()) {
    ctx.Error(mp.Key("name"), std::string(st.message()));
  }
  meta.namespace_ = ReadString(*m, mp, "namespace", ctx).value_or("");
  meta.labels = ReadStringMap(*m, mp, "labels", ctx);
  return meta;
}

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

void DecodeAddressPool(const Json& spec, AddressPool& pool, FieldContext& ctx) {
  WarnUnknownFields(spec, kSpec,
                    {"addresses", "autoAssign", "avoidBuggyIPs", "serviceAllocation",
                     "allowSharingAcrossNamespaces", "tcpMSS"},
                    ctx);
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
  pool.allow_sharing_across_namespaces =
      ReadBool(spec, kSpec, "allowSharingAcrossNamespaces", ctx).value_or(false);
  pool.tcp_mss = ReadMss(spec, kSpec, "tcpMSS", ctx);
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

void DecodeL2Advertisement(const Json& spec, L2Advertisement& adv, FieldContext& ctx) {
  WarnUnknownFields(spec, kSpec,
                    {"ipAddressPools", "ipAddressPoolSelectors", "nodeSelectors", "interfaces"},
                    ctx);
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

void DecodeBGPAdvertisement(const Json& spec, BGPAdvertisement& adv, FieldContext& ctx) {
  WarnUnknownFields(spec, kSpec,
                    {"ipAddressPools", "ipAddressPoolSelectors", "aggregationLength",
                     "aggregationLengthV6", "localPref", "communities", "peers", "nodeSelectors"},
                    ctx);
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
  const std::vector<std::string> communities = ReadStringList(spec, kSpec, "communities", ctx);
  const FieldPath cp = kSpec.Key("communities");
  for (size_t i = 0; i < communities.size(); ++i) {
    auto c = ParseCommunity(communities[i]);
    if (!c.ok()) {
      ctx.Error(cp.Index(i), std::string(c.status().message()));
      continue;
    }
    adv.communities.push_back(*c);
  }
  adv.peers = ReadStringList(spec, kSpec, "peers", ctx);
  adv.node_selectors = ReadSelectorList(spec, kSpec, "nodeSelectors", ctx);
}

void DecodeBGPPeer(const Json& spec, BGPPeer& peer, FieldContext& ctx) {
  WarnUnknownFields(
      spec, kSpec,
      {"myASN", "peerASN", "peerAddress", "peerPort", "sourceAddress", "holdTime", "keepaliveTime",
       "password", "passwordSecret", "ebgpMultiHop", "bfdProfile", "nodeSelectors", "vrf"},
      ctx);
  auto my_asn = ReadInt(spec, kSpec, "myASN", 1, UINT32_MAX, ctx);
  auto peer_asn = ReadInt(spec, kSpec, "peerASN", 1, UINT32_MAX, ctx);
  if (!my_asn && spec.find("myASN") == spec.end()) {
    ctx.Error(kSpec.Key("myASN"), "required: this node's AS number (1..4294967295)");
  }
  if (!peer_asn && spec.find("peerASN") == spec.end()) {
    ctx.Error(kSpec.Key("peerASN"), "required: the router's AS number (1..4294967295)");
  }
  peer.my_asn = static_cast<uint32_t>(my_asn.value_or(0));
  peer.peer_asn = static_cast<uint32_t>(peer_asn.value_or(0));
  if (auto a = ReadAddress(spec, kSpec, "peerAddress", ctx)) {
    peer.peer_address = *a;
  } else if (spec.find("peerAddress") == spec.end()) {
    ctx.Error(kSpec.Key("peerAddress"), "required: the router's IP address");
  }
  peer.peer_port =
      static_cast<uint16_t>(ReadInt(spec, kSpec, "peerPort", 1, 65535, ctx).value_or(179));
  peer.source_address = ReadAddress(spec, kSpec, "sourceAddress", ctx);
  if (peer.source_address && peer.source_address->family() != peer.peer_address.family() &&
      spec.contains("peerAddress")) {
    ctx.Error(kSpec.Key("sourceAddress"), "must be of the same family as peerAddress");
  }

  bool hold_set = false;
  if (auto t = ReadString(spec, kSpec, "holdTime", ctx)) {
    auto s = ParseDurationSeconds(*t);
    if (!s.ok()) {
      ctx.Error(kSpec.Key("holdTime"), std::string(s.status().message()));
    } else if (*s != 0 && *s < 3) {
      ctx.Error(kSpec.Key("holdTime"), absl::StrCat(*t,
                                                    " is too short: BGP allows 0 (no "
                                                    "keepalives) or at least 3s"));
    } else {
      peer.hold_time_s = *s;
      peer.keepalive_time_s = *s / 3;
      hold_set = true;
    }
  }
  if (auto t = ReadString(spec, kSpec, "keepaliveTime", ctx)) {
    auto s = ParseDurationSeconds(*t);
    if (!s.ok()) {
      ctx.Error(kSpec.Key("keepaliveTime"), std::string(s.status().message()));
    } else if (*s > peer.hold_time_s) {
      ctx.Error(kSpec.Key("keepaliveTime"),
                absl::StrCat(*t, " is longer than the hold time (", peer.hold_time_s,
                             hold_set ? "s)" : "s, the default)"));
    } else {
      peer.keepalive_time_s = *s;
    }
  }
  peer.password = ReadString(spec, kSpec, "password", ctx).value_or("");
  if (const Json* ps = ReadObject(spec, kSpec, "passwordSecret", ctx)) {
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
  if (peer.ebgp_multihop && my_asn && peer_asn && *my_asn == *peer_asn) {
    ctx.Error(kSpec.Key("ebgpMultiHop"),
              "is for eBGP sessions; myASN equals peerASN, so this session is iBGP");
  }
  peer.bfd_profile = ReadString(spec, kSpec, "bfdProfile", ctx).value_or("");
  peer.node_selectors = ReadSelectorList(spec, kSpec, "nodeSelectors", ctx);
  peer.vrf = ReadString(spec, kSpec, "vrf", ctx).value_or("");
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

void DecodePortForward(const Json& spec, PortForward& pf, FieldContext& ctx) {
  WarnUnknownFields(spec, kSpec,
                    {"interfaces", "addresses", "serviceSelectors", "targets", "sourceNAT"}, ctx);
  pf.interfaces = ReadStringList(spec, kSpec, "interfaces", ctx);
  const std::vector<std::string> addrs = ReadStringList(spec, kSpec, "addresses", ctx);
  const FieldPath ap = kSpec.Key("addresses");
  for (size_t i = 0; i < addrs.size(); ++i) {
    auto a = IpAddress::Parse(addrs[i]);
    if (!a.ok()) {
      ctx.Error(ap.Index(i), std::string(a.status().message()));
      continue;
    }
    pf.addresses.push_back(*a);
  }
  if (pf.interfaces.empty() && addrs.empty()) {
    ctx.Error(kSpec, "say where to publish: set interfaces (outside NICs) or addresses");
  }
  pf.service_selectors = ReadSelectorList(spec, kSpec, "serviceSelectors", ctx);
  if (auto snat = ReadString(spec, kSpec, "sourceNAT", ctx)) {
    if (*snat == "Auto") {
      pf.source_nat = SourceNat::kAuto;
    } else if (*snat == "Always") {
      pf.source_nat = SourceNat::kAlways;
    } else if (*snat == "Never") {
      pf.source_nat = SourceNat::kNever;
    } else {
      ctx.Error(kSpec.Key("sourceNAT"),
                absl::StrCat("\"", *snat, "\" is not one of Auto, Always, Never"));
    }
  }
  const Json* targets = ReadArray(spec, kSpec, "targets", ctx);
  if (targets == nullptr) return;
  const FieldPath tp = kSpec.Key("targets");
  for (size_t i = 0; i < targets->size(); ++i) {
    const Json& t = (*targets)[i];
    const FieldPath p = tp.Index(i);
    if (!t.is_object()) {
      ctx.Error(
          p, "a target must be an object with protocol, port, address (or backends), targetPort");
      continue;
    }
    WarnUnknownFields(t, p,
                      {"protocol", "port", "address", "targetPort", "backends", "sessionAffinity",
                       "whenAllDown", "healthCheck"},
                      ctx);
    ForwardTarget ft;
    if (auto proto = ReadString(t, p, "protocol", ctx)) {
      auto pr = ParseProtocol(*proto);
      if (!pr.ok()) {
        ctx.Error(p.Key("protocol"), std::string(pr.status().message()));
      } else {
        ft.protocol = *pr;
      }
    }
    auto port = ReadInt(t, p, "port", 1, 65535, ctx);
    if (!port && !t.contains("port")) ctx.Error(p.Key("port"), "required: the outside port");
    ft.port = static_cast<uint16_t>(port.value_or(0));
    ft.target_port =
        static_cast<uint16_t>(ReadInt(t, p, "targetPort", 1, 65535, ctx).value_or(ft.port));
    if (t.contains("backends")) {
      DecodeTargetBackends(t, p, ft, ctx);
    } else if (auto a = ReadAddress(t, p, "address", ctx)) {
      ft.address = *a;
      DecodeTargetBackends(t, p, ft, ctx);  // names backend-only fields given here
    } else if (!t.contains("address")) {
      ctx.Error(p.Key("address"), "required: the address to forward to (or backends)");
    }
    pf.targets.push_back(ft);
  }
}

template <typename T>
T& Add(std::vector<T>& list, ObjectMeta meta) {
  list.emplace_back();
  list.back().meta = std::move(meta);
  return list.back();
}

}  // namespace

void DecodeObject(const Document& doc, Config* config, std::vector<RawObject>* others,
                  std::vector<Diagnostic>* diagnostics) {
  const Json& obj = doc.object;
  const std::string api_version = obj.contains("apiVersion") && obj["apiVersion"].is_string()
                                      ? obj["apiVersion"].get<std::string>()
                                      : "";
  const std::string kind =
      obj.contains("kind") && obj["kind"].is_string() ? obj["kind"].get<std::string>() : "";
  if (api_version.empty() || kind.empty()) {
    diagnostics->push_back({Diagnostic::Severity::kError, doc.file, doc.line, "", "",
                            "an object needs apiVersion and kind (for example apiVersion: "
                            "ironlb.io/v1alpha1, kind: AddressPool)"});
    return;
  }
  const bool ours = api_version.rfind("ironlb.io/", 0) == 0;
  if (!ours) {
    if (api_version.rfind("metallb.io/", 0) == 0) {
      // A MetalLB object would silently define nothing: say how to carry it over.
      diagnostics->push_back(
          {Diagnostic::Severity::kWarning, doc.file, doc.line, absl::StrCat(kind), "apiVersion",
           absl::StrCat("a MetalLB object (", api_version,
                        ") is ignored; ironlb reads the same fields as apiVersion ", kApiVersion,
                        (kind == "IPAddressPool" ? " with kind AddressPool" : ""),
                        " (see docs/migrating-from-metallb.md)")});
    }
    others->push_back({obj, {doc.file, doc.line, nullptr}});
    return;
  }
  std::string name = "?";
  if (obj.contains("metadata") && obj["metadata"].is_object() && obj["metadata"].contains("name") &&
      obj["metadata"]["name"].is_string()) {
    name = obj["metadata"]["name"].get<std::string>();
  }
  FieldContext ctx(doc, absl::StrCat(kind, "/", name), diagnostics);
  if (api_version != kApiVersion) {
    ctx.Error(
        kRoot.Key("apiVersion"),
        absl::StrCat("\"", api_version, "\" is not supported; this ironlb reads ", kApiVersion));
    return;
  }
  if (std::none_of(kKinds.begin(), kKinds.end(), [&](const Kind& k) { return kind == k.name; })) {
    std::vector<std::string> names;
    for (const Kind& k : kKinds) names.push_back(k.name);
    ctx.Warning(
        kRoot.Key("kind"),
        absl::StrCat("unknown kind, ignored (known kinds: ", absl::StrJoin(names, ", "), ")"));
    return;
  }
  WarnUnknownFields(obj, kRoot, {"apiVersion", "kind", "metadata", "spec", "status"}, ctx);
  ObjectMeta meta = DecodeMeta(obj, doc, ctx);
  static const Json kEmpty = Json::object();
  const Json* spec = ReadObject(obj, kRoot, "spec", ctx);
  if (spec == nullptr) spec = &kEmpty;

  if (kind == "AddressPool") {
    DecodeAddressPool(*spec, Add(config->pools, std::move(meta)), ctx);
  } else if (kind == "L2Advertisement") {
    DecodeL2Advertisement(*spec, Add(config->l2_advertisements, std::move(meta)), ctx);
  } else if (kind == "BGPAdvertisement") {
    DecodeBGPAdvertisement(*spec, Add(config->bgp_advertisements, std::move(meta)), ctx);
  } else if (kind == "BGPPeer") {
    DecodeBGPPeer(*spec, Add(config->bgp_peers, std::move(meta)), ctx);
  } else if (kind == "BFDProfile") {
    DecodeBFDProfile(*spec, Add(config->bfd_profiles, std::move(meta)), ctx);
  } else if (kind == "PortForward") {
    DecodePortForward(*spec, Add(config->port_forwards, std::move(meta)), ctx);
  }
}

}  // namespace ironlb::config

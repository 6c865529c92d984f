#include "config/encode.h"

#include "absl/strings/str_cat.h"

namespace ironlb::config {
namespace {

using Json = nlohmann::json;

Json Selector(const LabelSelector& s) {
  Json out = Json::object();
  if (!s.match_labels.empty()) out["matchLabels"] = s.match_labels;
  for (const LabelRequirement& r : s.match_expressions) {
    static constexpr const char* kOps[] = {"In", "NotIn", "Exists", "DoesNotExist"};
    Json e = {{"key", r.key}, {"operator", kOps[static_cast<int>(r.op)]}};
    if (!r.values.empty()) e["values"] = r.values;
    out["matchExpressions"].push_back(std::move(e));
  }
  return out;
}

void Selectors(Json& spec, const char* key, const std::vector<LabelSelector>& list) {
  if (list.empty()) return;
  Json arr = Json::array();
  for (const LabelSelector& s : list) arr.push_back(Selector(s));
  spec[key] = std::move(arr);
}

void Strings(Json& spec, const char* key, const std::vector<std::string>& list) {
  if (!list.empty()) spec[key] = list;
}

std::string Seconds(uint32_t s) { return absl::StrCat(s, "s"); }

std::string CommunityText(const Community& c) {
  if (c.large) return absl::StrCat("large:", c.global, ":", c.high, ":", c.low);
  return absl::StrCat(c.high, ":", c.low);
}

Json Object(const char* kind, const ObjectMeta& meta, Json spec) {
  Json md = {{"name", meta.name}};
  if (!meta.namespace_.empty()) md["namespace"] = meta.namespace_;
  if (!meta.labels.empty()) md["labels"] = meta.labels;
  return {{"apiVersion", kApiVersion}, {"kind", kind}, {"metadata", md}, {"spec", spec}};
}

Json Pool(const AddressPool& p) {
  Json spec = {{"addresses", p.address_texts}};
  if (!p.auto_assign) spec["autoAssign"] = false;
  if (p.avoid_buggy_ips) spec["avoidBuggyIPs"] = true;
  if (!p.allow_sharing_across_namespaces) spec["restrictSharingToNamespace"] = true;
  if (p.tcp_mss) {
    spec["tcpMSS"] = p.tcp_mss->pmtu ? Json("pmtu") : Json(p.tcp_mss->value);
  }
  if (p.service_allocation) {
    const ServiceAllocation& sa = *p.service_allocation;
    Json a = Json::object();
    if (sa.priority) a["priority"] = *sa.priority;
    Strings(a, "namespaces", sa.namespaces);
    Selectors(a, "namespaceSelectors", sa.namespace_selectors);
    Selectors(a, "serviceSelectors", sa.service_selectors);
    spec["serviceAllocation"] = std::move(a);
  }
  return spec;
}

Json L2(const L2Advertisement& a) {
  Json spec = Json::object();
  Strings(spec, "ipAddressPools", a.ip_address_pools);
  Selectors(spec, "ipAddressPoolSelectors", a.ip_address_pool_selectors);
  Selectors(spec, "nodeSelectors", a.node_selectors);
  Strings(spec, "interfaces", a.interfaces);
  return spec;
}

Json Bgp(const BGPAdvertisement& a) {
  Json spec = Json::object();
  Strings(spec, "ipAddressPools", a.ip_address_pools);
  Selectors(spec, "ipAddressPoolSelectors", a.ip_address_pool_selectors);
  if (a.aggregation_length) spec["aggregationLength"] = *a.aggregation_length;
  if (a.aggregation_length_v6) spec["aggregationLengthV6"] = *a.aggregation_length_v6;
  if (a.local_pref) spec["localPref"] = *a.local_pref;
  for (const Community& c : a.communities) spec["communities"].push_back(CommunityText(c));
  Strings(spec, "peers", a.peers);
  Selectors(spec, "nodeSelectors", a.node_selectors);
  if (a.weight_by_endpoints) spec["weightByEndpoints"] = true;
  return spec;
}

Json Peer(const BGPPeer& p) {
  Json spec = {{"myASN", p.my_asn}};
  if (p.dynamic_asn == DynamicAsn::kNone) {
    spec["peerASN"] = p.peer_asn;
  } else {
    spec["dynamicASN"] = p.dynamic_asn == DynamicAsn::kInternal ? "internal" : "external";
  }
  if (p.interface.empty()) {
    spec["peerAddress"] = p.peer_address.ToString();
  } else {
    spec["interface"] = p.interface;
  }
  if (p.peer_port != 179) spec["peerPort"] = p.peer_port;
  if (p.source_address) spec["sourceAddress"] = p.source_address->ToString();
  spec["holdTime"] = Seconds(p.hold_time_s);
  spec["keepaliveTime"] = Seconds(p.keepalive_time_s);
  if (p.connect_time_s) spec["connectTime"] = Seconds(*p.connect_time_s);
  if (p.router_id) spec["routerID"] = p.router_id->ToString();
  if (!p.password.empty()) spec["password"] = p.password;
  if (p.password_secret) {
    Json s = {{"name", p.password_secret->name}};
    if (!p.password_secret->namespace_.empty()) s["namespace"] = p.password_secret->namespace_;
    if (p.password_secret->key != "password") s["key"] = p.password_secret->key;
    spec["passwordSecret"] = std::move(s);
  }
  if (p.ebgp_multihop) spec["ebgpMultiHop"] = true;
  if (p.enable_graceful_restart) spec["enableGracefulRestart"] = true;
  if (p.disable_mp) spec["disableMP"] = true;
  if (p.dual_stack_address_family) spec["dualStackAddressFamily"] = true;
  if (!p.bfd_profile.empty()) spec["bfdProfile"] = p.bfd_profile;
  Selectors(spec, "nodeSelectors", p.node_selectors);
  if (!p.vrf.empty()) spec["vrf"] = p.vrf;
  return spec;
}

Json Bfd(const BFDProfile& p) {
  Json spec = {{"receiveInterval", p.receive_interval_ms},
               {"transmitInterval", p.transmit_interval_ms},
               {"detectMultiplier", p.detect_multiplier}};
  if (p.echo_interval_ms) spec["echoInterval"] = *p.echo_interval_ms;
  if (p.echo_mode) spec["echoMode"] = true;
  if (p.passive_mode) spec["passiveMode"] = true;
  if (p.minimum_ttl) spec["minimumTtl"] = *p.minimum_ttl;
  return spec;
}

Json Forward(const PortForward& f) {
  Json spec = Json::object();
  Strings(spec, "interfaces", f.interfaces);
  for (const IpAddress& a : f.addresses) spec["addresses"].push_back(a.ToString());
  Selectors(spec, "serviceSelectors", f.service_selectors);
  for (const ForwardTarget& t : f.targets) {
    spec["targets"].push_back({{"protocol", ProtocolName(t.protocol)},
                               {"port", t.port},
                               {"address", t.address.ToString()},
                               {"targetPort", t.target_port}});
  }
  static constexpr const char* kSnat[] = {"Auto", "Always", "Never"};
  if (f.source_nat != SourceNat::kAuto) spec["sourceNAT"] = kSnat[static_cast<int>(f.source_nat)];
  for (const IpAddress& a : f.source_nat_addresses) {
    spec["sourceNATAddresses"].push_back(a.ToString());
  }
  return spec;
}

template <typename T, typename F>
void Add(std::vector<EncodedObject>& out, const char* kind, const std::vector<T>& list, F spec) {
  for (const T& o : list) out.push_back({Object(kind, o.meta, spec(o)), &o.meta, kind});
}

}  // namespace

std::vector<EncodedObject> EncodeConfig(const Config& config) {
  std::vector<EncodedObject> out;
  Add(out, "AddressPool", config.pools, Pool);
  Add(out, "L2Advertisement", config.l2_advertisements, L2);
  Add(out, "BGPAdvertisement", config.bgp_advertisements, Bgp);
  Add(out, "BGPPeer", config.bgp_peers, Peer);
  Add(out, "BFDProfile", config.bfd_profiles, Bfd);
  Add(out, "PortForward", config.port_forwards, Forward);
  return out;
}

}  // namespace ironlb::config

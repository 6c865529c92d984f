#include "speaker/bgp/bgp_plan.h"

#include <algorithm>
#include <map>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "config/validate.h"
#include "speaker/bgp/announce_policy.h"

namespace ironlb::speaker {

void ApplyClusterFacts(const ClusterFacts& facts, BgpNode* node) {
  node->labels = facts.LabelsOf(node->name, node->labels);
  node->excluded_because = facts.ExcludedBecause(node->name);
  node->excluded = !node->excluded_because.empty();
  node->local_endpoints.clear();
  for (const auto& [service, nodes] : facts.local_endpoint_nodes) {
    if (nodes.count(node->name) == 0) continue;
    uint32_t n = 1;
    if (auto c = facts.local_endpoint_counts.find(service);
        c != facts.local_endpoint_counts.end()) {
      if (auto here = c->second.find(node->name); here != c->second.end()) {
        n = std::max<uint32_t>(1, here->second);
      }
    }
    node->local_endpoints[service] = n;
  }
}

absl::StatusOr<std::map<std::string, uint32_t>> ParseLocalServices(absl::string_view flag) {
  std::map<std::string, uint32_t> out;
  for (absl::string_view entry : absl::StrSplit(flag, ',', absl::SkipWhitespace())) {
    entry = absl::StripAsciiWhitespace(entry);
    std::pair<absl::string_view, absl::string_view> kv =
        absl::StrSplit(entry, absl::MaxSplits('=', 1));
    const absl::string_view key = kv.first;
    const std::vector<absl::string_view> parts = absl::StrSplit(key, '/');
    if (parts.size() != 2 || parts[0].empty() || parts[1].empty()) {
      return absl::InvalidArgumentError(absl::StrCat("--local-services: \"", entry,
                                                     "\" is not namespace/name[=ready endpoints]"));
    }
    uint32_t n = 1;
    if (entry.find('=') != absl::string_view::npos && !absl::SimpleAtoi(kv.second, &n)) {
      return absl::InvalidArgumentError(
          absl::StrCat("--local-services: \"", entry,
                       "\": the count after '=' must be a whole number of ready endpoints"));
    }
    if (n == 0) continue;  // no endpoint here: as if not listed
    out[std::string(key)] = n;
  }
  return out;
}

uint32_t EndpointWeight(const BgpNode& node, const std::string& service, bool local) {
  if (!local) return 1;
  auto it = node.local_endpoints.find(service);
  const uint32_t n = it == node.local_endpoints.end() ? 1 : it->second;
  return std::clamp<uint32_t>(n, 1, bgp::kMaxLinkBandwidthMbps);
}

namespace {

// The peer's passwordSecret, in the BGPPeer's own namespace unless it names one.
std::optional<config::SecretRef> SecretOf(const config::BGPPeer& p) {
  if (!p.password_secret) return std::nullopt;
  config::SecretRef ref = *p.password_secret;
  if (ref.namespace_.empty()) ref.namespace_ = p.meta.namespace_;
  return ref;
}

}  // namespace

bgp::DesiredState PlanBgp(const config::Config& config, const AssignedServices& services,
                          const BgpNode& node) {
  bgp::DesiredState out;
  const BgpAnnouncePolicy policy(config, node);
  const std::set<std::string>& peers = policy.peers();
  std::set<std::string> profiles;
  for (const config::BGPPeer& p : config.bgp_peers) {
    if (!peers.count(p.meta.name)) continue;
    out.peers.push_back(
        {.name = p.meta.name,
         .my_asn = p.my_asn,
         .peer_asn = p.peer_asn,
         .peer_as_kind = p.dynamic_asn == config::DynamicAsn::kInternal ? bgp::PeerAsKind::kInternal
                         : p.dynamic_asn == config::DynamicAsn::kExternal
                             ? bgp::PeerAsKind::kExternal
                             : bgp::PeerAsKind::kNumber,
         .address = p.peer_address,
         .interface = p.interface,
         .port = p.peer_port,
         .source_address = p.source_address,
         .hold_time_s = p.hold_time_s,
         .keepalive_time_s = p.keepalive_time_s,
         .password = p.password,
         .password_secret = SecretOf(p),
         .ebgp_multihop = p.ebgp_multihop,
         .bfd_profile = p.bfd_profile,
         .connect_time_s = p.connect_time_s,
         .router_id = p.router_id,
         .graceful_restart = p.enable_graceful_restart,
         // disableMP (deprecated by MetalLB) is the default: one family per session.
         .dual_stack = p.dual_stack_address_family && !p.disable_mp,
         .vrf = p.vrf,
         .object_api_version = p.meta.source.api_version,
         .object_namespace = p.meta.namespace_});
    if (!p.bfd_profile.empty()) profiles.insert(p.bfd_profile);
  }
  std::sort(out.peers.begin(), out.peers.end(),
            [](const auto& a, const auto& b) { return a.name < b.name; });
  for (const config::BFDProfile& b : config.bfd_profiles) {
    if (!profiles.count(b.meta.name)) continue;
    out.bfd_profiles.push_back({.name = b.meta.name,
                                .receive_interval_ms = b.receive_interval_ms,
                                .transmit_interval_ms = b.transmit_interval_ms,
                                .detect_multiplier = b.detect_multiplier,
                                .echo_interval_ms = b.echo_interval_ms,
                                .echo_mode = b.echo_mode,
                                .passive_mode = b.passive_mode,
                                .minimum_ttl = b.minimum_ttl});
  }
  if (peers.empty()) return out;

  std::map<std::string, bgp::Announcement> announcements;  // by prefix text
  for (const AssignedService& s : services) {
    if (!s.assigned()) continue;
    const bool local = s.service.traffic_policy == controller::TrafficPolicy::kLocal;
    if (!policy.Announces(s.name, s.allocation.pool, local, /*explain=*/false)) continue;
    for (const IpAddress& ip : s.allocation.addresses) {
      for (const config::BGPAdvertisement* adv : *policy.AdvertisementsOf(s.allocation.pool)) {
        const std::optional<int>& agg =
            ip.is_v4() ? adv->aggregation_length : adv->aggregation_length_v6;
        // Local Services are announced per address: an aggregate would draw traffic for
        // addresses this node has no endpoint for.
        const int length = local || !agg ? ip.bit_length() : *agg;
        const IpPrefix prefix = bgp::PrefixOf(ip, length);
        bgp::Announcement& a = announcements[prefix.ToString()];
        a.prefix = prefix;
        bgp::RouteAttributes attrs;
        attrs.communities = adv->communities;
        attrs.local_pref = adv->local_pref;
        if (adv->weight_by_endpoints) {
          attrs.link_bandwidth_mbps = EndpointWeight(node, s.name, local);
        }
        for (const std::string& peer : peers) {
          if (!adv->peers.empty() &&
              std::find(adv->peers.begin(), adv->peers.end(), peer) == adv->peers.end()) {
            continue;
          }
          bgp::MergeAttributes(a, peer, attrs);
        }
      }
    }
  }
  for (auto& [text, a] : announcements) {
    if (!a.peers.empty()) out.announcements.push_back(std::move(a));
  }
  return out;
}

}  // namespace ironlb::speaker

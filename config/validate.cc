#include "config/validate.h"

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace ironlb::config {
namespace {

std::string Where(const ObjectMeta& m) {
  if (m.source.file.empty()) return "";
  return absl::StrCat(" (", m.source.file,
                      m.source.line > 0 ? absl::StrCat(":", m.source.line) : "", ")");
}

class Reporter {
 public:
  explicit Reporter(std::vector<Diagnostic>* out) : out_(out) {}
  void Error(absl::string_view kind, const ObjectMeta& m, const std::string& field,
             std::string msg) {
    Add(Diagnostic::Severity::kError, kind, m, field, std::move(msg));
  }
  void Warning(absl::string_view kind, const ObjectMeta& m, const std::string& field,
               std::string msg) {
    Add(Diagnostic::Severity::kWarning, kind, m, field, std::move(msg));
  }

 private:
  void Add(Diagnostic::Severity sev, absl::string_view kind, const ObjectMeta& m,
           const std::string& field, std::string msg) {
    out_->push_back({sev, m.source.file, m.source.LineOf(field), m.Label(kind),
                     m.source.FieldName(field), std::move(msg)});
  }
  std::vector<Diagnostic>* out_;
};

// One name per kind. The same kind and name in ironlb.io and in metallb.io (or MetalLB's
// legacy ConfigMap) is an error naming both objects: neither is silently preferred.
template <typename T>
void CheckDuplicateNames(absl::string_view kind, const std::vector<T>& objects, Reporter& r) {
  std::map<std::string, const ObjectMeta*> seen;
  for (const T& o : objects) {
    if (o.meta.name.empty()) continue;
    auto [it, inserted] = seen.emplace(o.meta.name, &o.meta);
    if (inserted) continue;
    const std::string first = it->second->Label(kind);
    const std::string second = o.meta.Label(kind);
    if (first == second) {
      r.Error(kind, o.meta, "metadata.name",
              absl::StrCat("another ", kind, " has this name", Where(*it->second)));
    } else {
      r.Error(kind, o.meta, "metadata.name",
              absl::StrCat("defines the same ", kind, " \"", o.meta.name, "\" as ", first,
                           Where(*it->second), "; keep one of them (ironlb reads both ",
                           "ironlb.io and MetalLB's objects)"));
    }
  }
}

void CheckPoolOverlaps(const Config& config, Reporter& r) {
  struct Entry {
    IpRange range;
    const AddressPool* pool;
    size_t index;
  };
  std::vector<Entry> all;
  for (const auto& pool : config.pools) {
    for (size_t i = 0; i < pool.ranges.size(); ++i) all.push_back({pool.ranges[i], &pool, i});
  }
  std::sort(all.begin(), all.end(), [](const Entry& a, const Entry& b) {
    return std::tie(a.range.first(), a.range.last()) < std::tie(b.range.first(), b.range.last());
  });
  // Sweep: compare each range with the one reaching furthest among those before it.
  const Entry* reach = nullptr;
  for (const Entry& e : all) {
    if (reach != nullptr && reach->range.family() == e.range.family() &&
        e.range.first() <= reach->range.last()) {
      const std::string field = absl::StrCat("spec.addresses[", e.index, "]");
      if (reach->pool == e.pool) {
        r.Error("AddressPool", e.pool->meta, field,
                absl::StrCat(e.range.ToString(), " overlaps ", reach->range.ToString(),
                             " of the same pool"));
      } else {
        r.Error("AddressPool", e.pool->meta, field,
                absl::StrCat(e.range.ToString(), " overlaps ", reach->range.ToString(),
                             " of pool \"", reach->pool->meta.name, "\"", Where(reach->pool->meta),
                             "; an address can belong to one pool only"));
      }
    }
    if (reach == nullptr || reach->range.family() != e.range.family() ||
        reach->range.last() < e.range.last()) {
      reach = &e;
    }
  }
}

// As in MetalLB, an advertisement naming a pool that does not exist applies to the pools that
// do; the missing one is named, as it is most likely a typo or a file not applied yet.
void CheckPoolRefs(absl::string_view kind, const ObjectMeta& meta,
                   const std::vector<std::string>& pools, const Config& config, Reporter& r) {
  for (size_t i = 0; i < pools.size(); ++i) {
    if (config.FindPool(pools[i]) == nullptr) {
      r.Warning(kind, meta, absl::StrCat("spec.ipAddressPools[", i, "]"),
                absl::StrCat("no address pool is named \"", pools[i],
                             "\"; the advertisement applies to the pools that exist"));
    }
  }
}

void CheckAggregation(const BGPAdvertisement& adv, const Config& config, Reporter& r) {
  if (!adv.aggregation_length && !adv.aggregation_length_v6) return;
  for (const AddressPool* pool :
       PoolsSelectedBy(config, adv.ip_address_pools, adv.ip_address_pool_selectors)) {
    for (const IpRange& range : pool->ranges) {
      const std::optional<int>& agg =
          range.family() == IpFamily::kV4 ? adv.aggregation_length : adv.aggregation_length_v6;
      if (!agg) continue;
      for (const IpPrefix& p : range.ToPrefixes()) {
        if (p.length() > *agg) {
          r.Error("BGPAdvertisement", adv.meta,
                  range.family() == IpFamily::kV4 ? "spec.aggregationLength"
                                                  : "spec.aggregationLengthV6",
                  absl::StrCat("/", *agg, " is shorter than ", p.ToString(), " in pool \"",
                               pool->meta.name,
                               "\": the routers would be sent addresses outside the pool; use "
                               "at least /",
                               p.length()));
          break;
        }
      }
    }
  }
}

void CheckPeers(const Config& config, Reporter& r) {
  std::map<std::string, const BGPPeer*> asn_by_vrf;
  std::map<std::tuple<std::string, IpAddress>, const BGPPeer*> by_address;
  for (const BGPPeer& p : config.bgp_peers) {
    if (!p.bfd_profile.empty() && config.FindBfdProfile(p.bfd_profile) == nullptr) {
      // MetalLB refuses such a peer too: a session without its BFD would fail over slowly.
      r.Error("BGPPeer", p.meta, "spec.bfdProfile",
              absl::StrCat("no BFDProfile is named \"", p.bfd_profile, "\""));
    }
    if (p.my_asn != 0) {
      auto [it, inserted] = asn_by_vrf.emplace(p.vrf, &p);
      if (!inserted && it->second->my_asn != p.my_asn) {
        r.Error("BGPPeer", p.meta, "spec.myASN",
                absl::StrCat(p.my_asn, " differs from myASN ", it->second->my_asn, " of BGPPeer \"",
                             it->second->meta.name, "\"", Where(it->second->meta),
                             ": FRR runs one BGP instance, with one AS number, per VRF"));
      }
    }
    if (p.node_selectors.empty() && p.interface.empty()) {
      auto [it, inserted] = by_address.emplace(std::make_tuple(p.vrf, p.peer_address), &p);
      if (!inserted) {
        r.Error("BGPPeer", p.meta, "spec.peerAddress",
                absl::StrCat(p.peer_address.ToString(), " is also the address of BGPPeer \"",
                             it->second->meta.name, "\"", Where(it->second->meta),
                             "; a node can hold one session per neighbor address"));
      }
    }
  }
}

void CheckPortForwards(const Config& config, Reporter& r) {
  // (outside address or "if:NAME", protocol, port) -> owner
  std::map<std::tuple<std::string, Protocol, uint16_t>, std::pair<const PortForward*, size_t>> used;
  for (const PortForward& pf : config.port_forwards) {
    std::vector<std::string> outsides;
    for (const auto& a : pf.addresses) outsides.push_back(a.ToString());
    for (const auto& i : pf.interfaces) outsides.push_back(absl::StrCat("interface ", i));
    for (size_t t = 0; t < pf.targets.size(); ++t) {
      const ForwardTarget& ft = pf.targets[t];
      const std::string field = absl::StrCat("spec.targets[", t, "]");
      if (ft.port == 0) continue;
      if (pf.interfaces.empty() && !pf.addresses.empty() &&
          std::none_of(pf.addresses.begin(), pf.addresses.end(),
                       [&](const IpAddress& a) { return a.family() == ft.address.family(); })) {
        r.Error("PortForward", pf.meta, field,
                absl::StrCat("target ", ft.address.ToString(), " is ",
                             IpFamilyName(ft.address.family()),
                             " but the group has no outside address of that family"));
      }
      for (const std::string& outside : outsides) {
        auto key = std::make_tuple(outside, ft.protocol, ft.port);
        auto [it, inserted] = used.emplace(key, std::make_pair(&pf, t));
        if (inserted) continue;
        const auto& [other, other_t] = it->second;
        const ForwardTarget& o = other->targets[other_t];
        if (other == &pf && o.address == ft.address && o.target_port == ft.target_port &&
            o.backends == ft.backends) {
          continue;
        }
        r.Error("PortForward", pf.meta, field,
                absl::StrCat(ProtocolName(ft.protocol), "/", ft.port, " on ", outside,
                             " is already forwarded by ",
                             other == &pf ? std::string("this group")
                                          : absl::StrCat("PortForward \"", other->meta.name, "\""),
                             " (spec.targets[", other_t, "] to ", o.address.ToString(), ":",
                             o.target_port, ")"));
      }
    }
  }
}

}  // namespace

std::vector<const AddressPool*> PoolsSelectedBy(const Config& config,
                                                const std::vector<std::string>& names,
                                                const std::vector<LabelSelector>& selectors) {
  std::vector<const AddressPool*> out;
  for (const AddressPool& pool : config.pools) {
    const bool named = std::find(names.begin(), names.end(), pool.meta.name) != names.end();
    const bool selected =
        std::any_of(selectors.begin(), selectors.end(),
                    [&](const LabelSelector& s) { return s.Matches(pool.meta.labels); });
    if (named || selected || (names.empty() && selectors.empty())) out.push_back(&pool);
  }
  return out;
}

void ValidateConfig(const Config& config, std::vector<Diagnostic>* diagnostics) {
  Reporter r(diagnostics);
  CheckDuplicateNames("AddressPool", config.pools, r);
  CheckDuplicateNames("L2Advertisement", config.l2_advertisements, r);
  CheckDuplicateNames("BGPAdvertisement", config.bgp_advertisements, r);
  CheckDuplicateNames("BGPPeer", config.bgp_peers, r);
  CheckDuplicateNames("BFDProfile", config.bfd_profiles, r);
  CheckDuplicateNames("PortForward", config.port_forwards, r);
  CheckDuplicateNames("Community", config.community_aliases, r);
  CheckPoolOverlaps(config, r);
  for (const auto& adv : config.l2_advertisements) {
    CheckPoolRefs("L2Advertisement", adv.meta, adv.ip_address_pools, config, r);
    // A passing local check travels in the speakers' adverts as a label named after the
    // advertisement (one byte of length).
    if (adv.local_check && adv.meta.name.size() > kMaxLocalCheckAdvertisementName) {
      r.Error("L2Advertisement", adv.meta, "metadata.name",
              absl::StrCat("longer than ", kMaxLocalCheckAdvertisementName,
                           " characters: with a localCheck the name travels in the speakers' "
                           "adverts"));
    }
  }
  for (const auto& adv : config.bgp_advertisements) {
    CheckPoolRefs("BGPAdvertisement", adv.meta, adv.ip_address_pools, config, r);
    for (size_t i = 0; i < adv.peers.size(); ++i) {
      if (config.FindPeer(adv.peers[i]) == nullptr) {
        r.Warning("BGPAdvertisement", adv.meta, absl::StrCat("spec.peers[", i, "]"),
                  absl::StrCat("no BGPPeer is named \"", adv.peers[i],
                               "\"; the advertisement goes to the listed peers that exist"));
      }
    }
    CheckAggregation(adv, config, r);
  }
  CheckPeers(config, r);
  CheckPortForwards(config, r);
}

}  // namespace ironlb::config

#include "speaker/mss_plan.h"

#include <algorithm>
#include <map>
#include <optional>

#include "absl/strings/str_cat.h"
#include "config/values.h"

namespace ironlb::speaker {

namespace {

std::string MssText(const config::TcpMss& m) {
  return m.pmtu ? std::string("pmtu") : std::to_string(m.value);
}

// The stricter of two clamps: a fixed value beats pmtu, the smaller fixed value beats a larger.
config::TcpMss Stricter(const config::TcpMss& a, const config::TcpMss& b) {
  if (a.pmtu) return b;
  if (b.pmtu) return a;
  return a.value <= b.value ? a : b;
}

}  // namespace

MssPlan MssClamps(const config::Config& config, const AssignedServices& services) {
  struct Want {
    config::TcpMss mss;
    std::string from;  // "namespace/name" of the Service that set it
  };
  std::map<IpAddress, Want> by_vip;
  MssPlan out;
  for (const AssignedService& ps : services) {
    if (!ps.assigned()) continue;
    std::optional<config::TcpMss> mss;
    auto ann = ps.service.annotations.find(std::string(kTcpMssAnnotation));
    if (ann != ps.service.annotations.end()) {
      auto parsed = config::ParseTcpMss(ann->second);
      if (parsed.ok()) {
        mss = *parsed;
      } else {
        out.problems.push_back(absl::StrCat("Service ", ps.name, " annotation ", kTcpMssAnnotation,
                                            ": ", parsed.status().message(),
                                            " (not clamped by the annotation)"));
      }
    }
    if (!mss) {
      const config::AddressPool* pool = config.FindPool(ps.allocation.pool);
      if (pool != nullptr && pool->tcp_mss) mss = *pool->tcp_mss;
    }
    if (!mss) continue;
    for (const IpAddress& vip : ps.allocation.addresses) {
      auto [it, inserted] = by_vip.try_emplace(vip, Want{*mss, ps.name});
      if (inserted || it->second.mss == *mss) continue;
      config::TcpMss chosen = Stricter(it->second.mss, *mss);
      out.problems.push_back(absl::StrCat("Services ", it->second.from, " and ", ps.name, " share ",
                                          vip.ToString(), " but ask for TCP MSS ",
                                          MssText(it->second.mss), " and ", MssText(*mss),
                                          "; clamping to ", MssText(chosen)));
      it->second.mss = chosen;
    }
  }
  // Explicit PortForward targets (router hosts) inside a pool with tcpMSS are clamped too.
  // So are balanced targets' backends, and the outside addresses of balanced targets (a router
  // pair holding a VIP from such a pool and spreading it over backends).
  auto clamp_if_pooled = [&](const IpAddress& a, const config::PortForward& pf) {
    if (by_vip.count(a) > 0) return;
    for (const config::AddressPool& pool : config.pools) {
      if (!pool.tcp_mss) continue;
      const bool inside = std::any_of(pool.ranges.begin(), pool.ranges.end(),
                                      [&](const IpRange& r) { return r.Contains(a); });
      if (inside) {
        by_vip.emplace(a, Want{*pool.tcp_mss, "PortForward/" + pf.meta.name});
        return;
      }
    }
  };
  for (const config::PortForward& pf : config.port_forwards) {
    bool balanced = false;
    for (const config::ForwardTarget& t : pf.targets) {
      clamp_if_pooled(t.address, pf);
      for (const config::ForwardBackend& b : t.backends) clamp_if_pooled(b.address, pf);
      balanced = balanced || !t.backends.empty();
    }
    if (balanced) {
      for (const IpAddress& a : pf.addresses) clamp_if_pooled(a, pf);
    }
  }
  for (const auto& [vip, want] : by_vip) {
    out.clamps.push_back({vip, want.mss.pmtu ? 0u : want.mss.value, want.mss.pmtu});
  }
  return out;
}

}  // namespace ironlb::speaker

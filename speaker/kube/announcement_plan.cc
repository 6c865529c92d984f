#include "speaker/kube/announcement_plan.h"

#include <cstdint>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "common/stable_hash.h"

namespace ironlb::speaker {
namespace {

using nlohmann::json;

struct PerService {
  std::set<std::string> interfaces;
  std::set<std::string> peers;
  std::set<IpAddress> addresses;
};

}  // namespace

kube::Resource ServiceAnnouncements() {
  return {"ironlb.io", "v1alpha1", "serviceannouncements", "ServiceAnnouncement", true};
}

namespace {

// Before this was the common stable hash, FitName's FNV-1a started from this number: the offset
// basis without its last digit. Names written with it are still recognised (LegacyFitName).
constexpr uint64_t kLegacyOffsetBasis = 1469598103934665603ull;

std::string FitNameWith(const std::string& text, size_t max, uint64_t basis) {
  if (text.size() <= max) return text;
  const std::string suffix = absl::StrFormat("-%016x", Fnv1a64(text, basis));
  std::string prefix = text.substr(0, max - suffix.size());
  while (!prefix.empty() && (prefix.back() == '-' || prefix.back() == '.')) prefix.pop_back();
  return prefix + suffix;
}

}  // namespace

std::string FitName(const std::string& text, size_t max) {
  return FitNameWith(text, max, kFnv64OffsetBasis);
}

std::string LegacyFitName(const std::string& text, size_t max) {
  return FitNameWith(text, max, kLegacyOffsetBasis);
}

std::map<std::string, json> DesiredAnnouncements(const AnnouncementFacts& facts) {
  std::map<std::string, json> out;
  if (facts.services == nullptr) return out;
  std::map<IpAddress, std::set<std::string>> l2;  // VIP -> our interfaces
  for (const auto& [ifname, vips] : facts.layer2_owned) {
    for (const IpAddress& v : vips) l2[v].insert(ifname);
  }
  std::map<std::string, PerService> services;
  for (const AssignedService& s : *facts.services) {
    if (!s.assigned()) continue;
    for (const IpAddress& ip : s.allocation.addresses) {
      auto owned = l2.find(ip);
      if (owned != l2.end()) {
        PerService& p = services[s.name];
        p.interfaces.insert(owned->second.begin(), owned->second.end());
        p.addresses.insert(ip);
      }
      if (facts.bgp == nullptr) continue;
      for (const bgp::Announcement& a : facts.bgp->announcements) {
        if (a.peers.empty() || !a.prefix.Contains(ip)) continue;
        PerService& p = services[s.name];
        for (const auto& [peer, attrs] : a.peers) p.peers.insert(peer);
        p.addresses.insert(ip);
      }
    }
  }
  for (const auto& [key, p] : services) {
    const size_t slash = key.find('/');
    const std::string ns = key.substr(0, slash);
    const std::string service = key.substr(slash + 1);
    const std::string name = FitName(absl::StrCat(service, "-", facts.node), 253);
    std::vector<std::string> modes;
    if (!p.interfaces.empty()) modes.push_back("layer2");
    if (!p.peers.empty()) modes.push_back("bgp");
    json addresses = json::array();
    for (const IpAddress& a : p.addresses) addresses.push_back(a.ToString());
    json spec = {{"service", service},
                 {"node", facts.node},
                 {"mode", absl::StrJoin(modes, ",")},
                 {"addresses", addresses}};
    if (!p.interfaces.empty()) spec["interfaces"] = p.interfaces;
    if (!p.peers.empty()) spec["peers"] = p.peers;
    json object = {{"apiVersion", "ironlb.io/v1alpha1"},
                   {"kind", "ServiceAnnouncement"},
                   {"metadata",
                    {{"namespace", ns},
                     {"name", name},
                     {"labels",
                      {{kAnnouncementNodeLabel, FitName(facts.node, 63)},
                       {kAnnouncementServiceLabel, service}}}}},
                   {"spec", spec}};
    // Deleting the Service deletes its announcements (garbage collection), even if no
    // speaker is left to do it.
    if (auto uid = facts.service_uids.find(key); uid != facts.service_uids.end()) {
      object["metadata"]["ownerReferences"] = {
          {{"apiVersion", "v1"}, {"kind", "Service"}, {"name", service}, {"uid", uid->second}}};
    }
    out[absl::StrCat(ns, "/", name)] = std::move(object);
  }
  return out;
}

}  // namespace ironlb::speaker

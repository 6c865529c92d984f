#include "bgp/frr_status.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"

namespace ironlb::bgp {
namespace {

using Json = nlohmann::json;

constexpr char kDescriptionPrefix[] = "ironlb:";

absl::StatusOr<Json> Parse(absl::string_view what, absl::string_view text) {
  if (text.empty()) return Json::object();
  Json j = Json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return absl::DataLossError(absl::StrCat(what, " is not JSON"));
  return j;
}

void CountBfd(const Json& j, size_t& up, size_t& total) {
  if (j.is_object()) {
    if (auto it = j.find("local-state"); it != j.end() && it->is_string()) {
      ++total;
      if (it->get<std::string>() == "up") ++up;
    }
    for (const auto& [k, v] : j.items()) CountBfd(v, up, total);
  } else if (j.is_array()) {
    for (const Json& v : j) CountBfd(v, up, total);
  }
}

}  // namespace

absl::StatusOr<std::vector<PeerStatus>> ParseBgpSummary(absl::string_view json) {
  auto j = Parse("FRR bgpd: show bgp summary json", json);
  if (!j.ok()) return j.status();
  std::vector<PeerStatus> out;
  if (!j->is_object()) return out;
  auto families = [&out](const Json& instance, const std::string& vrf) {
    for (const auto& [family, af] : instance.items()) {
      if (!af.is_object() || !af.contains("peers") || !af["peers"].is_object()) continue;
      for (const auto& [address, p] : af["peers"].items()) {
        const std::string desc = p.value("desc", "");
        if (!absl::StartsWith(desc, kDescriptionPrefix)) continue;
        PeerStatus s;
        s.name = desc.substr(sizeof(kDescriptionPrefix) - 1);
        s.address = address;
        s.family = family;
        s.vrf = vrf;
        s.state = p.value("state", "");
        s.prefixes_sent = p.value("pfxSnt", uint64_t{0});
        out.push_back(std::move(s));
      }
    }
  };
  // One instance (`show bgp summary json`: families at the top), or every VRF's (`show bgp vrf
  // all summary json`: instances by VRF name, "default" for the default one).
  bool per_vrf = false;
  for (const auto& [key, value] : j->items()) {
    if (value.is_object() && !value.contains("peers")) {
      for (const auto& [family, af] : value.items()) {
        if (af.is_object() && af.contains("peers")) per_vrf = true;
      }
    }
  }
  if (!per_vrf) {
    families(*j, "");
    return out;
  }
  for (const auto& [vrf, instance] : j->items()) {
    if (instance.is_object()) families(instance, vrf == "default" ? "" : vrf);
  }
  return out;
}

absl::StatusOr<std::pair<size_t, size_t>> ParseBfdSessions(absl::string_view json) {
  auto j = Parse("FRR bfdd: sessions", json);
  if (!j.ok()) return j.status();
  size_t up = 0;
  size_t total = 0;
  CountBfd(*j, up, total);
  return std::make_pair(up, total);
}

}  // namespace ironlb::bgp

#include "test/lab/neighbour.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"

namespace ironlb::lab {

absl::StatusOr<NeighbourEntry> ParseNeighbourJson(const std::string& json, const std::string& vip) {
  const nlohmann::json doc = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_array()) {
    return absl::InternalError(absl::StrCat("ip -j neigh: not a JSON array: ", json));
  }
  for (const nlohmann::json& e : doc) {
    if (!e.is_object() || e.value("dst", "") != vip) continue;
    NeighbourEntry entry;
    entry.mac = absl::AsciiStrToLower(e.value("lladdr", ""));
    if (e.contains("state") && e["state"].is_array() && !e["state"].empty() &&
        e["state"][0].is_string()) {
      entry.state = e["state"][0].get<std::string>();
    }
    return entry;
  }
  return absl::NotFoundError(absl::StrCat("no neighbour entry for ", vip));
}

absl::StatusOr<NeighbourEntry> NeighbourFor(const Lab& lab, const Host& host,
                                            const std::string& vip) {
  auto r = lab.Run(host, {"ip", "-j", "neigh", "show", "to", vip});
  if (!r.ok()) return r.status();
  if (r->exit_code != 0) {
    return absl::InternalError(absl::StrCat("ip -j neigh in ", host.name, ": ", r->output));
  }
  return ParseNeighbourJson(r->output.empty() ? "[]" : r->output, vip);
}

absl::StatusOr<const Host*> NeighbourOwner(const Lab& lab, const Host& host,
                                           const std::string& vip) {
  auto entry = NeighbourFor(lab, host, vip);
  if (!entry.ok()) return entry.status();
  const Host* owner = lab.HostByMac(entry->mac);
  if (owner == nullptr) {
    return absl::NotFoundError(absl::StrCat(host.name, "'s neighbour entry for ", vip, " (",
                                            entry->mac, ", ", entry->state, ") is no lab host"));
  }
  return owner;
}

}  // namespace ironlb::lab

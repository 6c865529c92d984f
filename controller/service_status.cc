#include "controller/service_status.h"

#include "controller/service.h"

namespace ironlb::controller {
namespace {

using nlohmann::json;

const json* Find(const json& object, std::initializer_list<const char*> path) {
  const json* at = &object;
  for (const char* key : path) {
    if (!at->is_object()) return nullptr;
    auto it = at->find(key);
    if (it == at->end()) return nullptr;
    at = &*it;
  }
  return at;
}

// Whether the Service already shows `want`. An entry without ipMode counts as VIP: API servers
// before Kubernetes 1.30 drop the field, and insisting on it would rewrite the status forever.
bool ShowsIngress(const json& service, const json& want) {
  const json* have = Find(service, {"status", "loadBalancer", "ingress"});
  if (have == nullptr || have->is_null()) return want.empty();
  if (!have->is_array() || have->size() != want.size()) return false;
  for (size_t i = 0; i < want.size(); ++i) {
    const json& h = (*have)[i];
    if (!h.is_object() || h.value("ip", json()) != want[i]["ip"]) return false;
    for (const auto& [key, value] : h.items()) {
      if (key == "ip") continue;
      if (key == "ipMode" && value == want[i]["ipMode"]) continue;
      return false;  // hostname, ports, another ipMode: not what ironlb writes
    }
  }
  return true;
}

}  // namespace

json IngressFor(const std::vector<IpAddress>& addresses) {
  json out = json::array();
  for (const IpAddress& ip : addresses) out.push_back({{"ip", ip.ToString()}, {"ipMode", "VIP"}});
  return out;
}

void SetIngress(json& service, const json& ingress) {
  json& lb = service["status"]["loadBalancer"];
  if (!lb.is_object()) lb = json::object();
  if (ingress.empty()) {
    lb.erase("ingress");
  } else {
    lb["ingress"] = ingress;
  }
}

std::optional<std::string> AllocatedFromPool(const json& service) {
  const json* value = Find(service, {"metadata", "annotations", kAllocatedFromPoolAnnotation});
  if (value == nullptr || !value->is_string()) return std::nullopt;
  return value->get<std::string>();
}

std::vector<std::string> IngressAddresses(const json& service) {
  std::vector<std::string> out;
  const json* ingress = Find(service, {"status", "loadBalancer", "ingress"});
  if (ingress == nullptr || !ingress->is_array()) return out;
  for (const json& entry : *ingress) {
    if (entry.is_object() && entry.contains("ip") && entry["ip"].is_string()) {
      out.push_back(entry["ip"].get<std::string>());
    }
  }
  return out;
}

ServiceChange ChangeFor(const json& service, const Allocation& allocation) {
  const std::optional<std::string> pool = AllocatedFromPool(service);
  json ingress = json::array();
  std::optional<std::string> want_pool;
  switch (allocation.status) {
    case AllocationStatus::kAssigned:
      ingress = IngressFor(allocation.addresses);
      want_pool = allocation.pool;
      break;
    case AllocationStatus::kPending:
      break;
    case AllocationStatus::kIgnored:
      if (!pool) return {};  // not ironlb's: somebody else's status
      break;
  }
  ServiceChange change;
  if (!ShowsIngress(service, ingress)) change.ingress = std::move(ingress);
  if (pool != want_pool) change.pool_annotation = want_pool;
  return change;
}

}  // namespace ironlb::controller

#include "speaker/kube/kube_snapshot.h"

#include <map>
#include <utility>

#include "absl/strings/str_cat.h"
#include "config/kinds.h"
#include "controller/manifest_reader.h"

namespace ironlb::speaker {
namespace {

using nlohmann::json;

std::string MetaString(const json& object, const char* key) {
  auto meta = object.find("metadata");
  if (meta == object.end() || !meta->is_object()) return "";
  auto v = meta->find(key);
  return v != meta->end() && v->is_string() ? v->get<std::string>() : "";
}

std::string ServiceNameOfSlice(const json& slice) {
  auto meta = slice.find("metadata");
  if (meta == slice.end() || !meta->is_object()) return "";
  auto labels = meta->find("labels");
  if (labels == meta->end() || !labels->is_object()) return "";
  auto name = labels->find(kServiceNameLabel);
  return name != labels->end() && name->is_string() ? name->get<std::string>() : "";
}

bool Served(const controller::Service& s, const std::optional<std::string>& lb_class) {
  return s.type == "LoadBalancer" && s.load_balancer_class == lb_class;
}

// The pool holding all of `addresses`, or "".
std::string PoolHolding(const config::Config& config, const std::vector<IpAddress>& addresses) {
  for (const config::AddressPool& pool : config.pools) {
    bool all = !addresses.empty();
    for (const IpAddress& a : addresses) {
      bool in = false;
      for (const IpRange& r : pool.ranges) in = in || r.Contains(a);
      all = all && in;
    }
    if (all) return pool.meta.name;
  }
  return "";
}

}  // namespace

const std::vector<kube::Resource>& ConfigKinds() {
  static const auto* kinds = [] {
    auto* out = new std::vector<kube::Resource>;
    for (const config::Kind& k : config::kKinds) {
      out->push_back(
          kube::Resource{config::kApiGroup, config::kApiGroupVersion, k.plural, k.name, true});
    }
    return out;
  }();
  return *kinds;
}

config::LoadResult ReadKubeConfig(const KubeObjects& objects) {
  config::ConfigReader reader;
  for (const auto& o : objects.config) reader.AddJson(*o);
  return std::move(reader).Finish();
}

KubeSnapshot AssembleSnapshot(const KubeObjects& objects, const config::Config& config,
                              const std::optional<std::string>& lb_class) {
  KubeSnapshot out;
  // The manifest reader decodes Services exactly as standalone mode and ironlbctl do.
  json list = {{"apiVersion", "v1"}, {"kind", "List"}, {"items", json::array()}};
  for (const auto& s : objects.services) list["items"].push_back(*s);
  for (const auto& s : objects.services) {
    const std::string uid = MetaString(*s, "uid");
    if (!uid.empty()) {
      out.service_uids[absl::StrCat(MetaString(*s, "namespace"), "/", MetaString(*s, "name"))] =
          uid;
    }
  }
  controller::ManifestReader reader;
  reader.AddText(list.dump(), "api.json");
  controller::ServiceManifests manifests = std::move(reader).Finish();
  for (const config::Diagnostic& d : manifests.diagnostics) {
    out.problems.push_back(absl::StrCat("Service left out: ", d.ToString()));
  }
  auto facts = std::make_shared<ClusterFacts>();
  for (const auto& n : objects.nodes) {
    NodeFacts node = ReadNode(*n);
    if (node.name.empty()) continue;
    if (!node.excluded_because.empty()) facts->excluded_nodes.insert(node.name);
    facts->node_labels[node.name] = std::move(node.labels);
  }
  std::map<std::string, std::vector<const json*>> slices;  // by Service key
  for (const auto& sl : objects.endpoint_slices) {
    const std::string service = ServiceNameOfSlice(*sl);
    if (service.empty()) continue;
    slices[absl::StrCat(MetaString(*sl, "namespace"), "/", service)].push_back(sl.get());
  }

  for (controller::Service& s : manifests.services) {
    if (!Served(s, lb_class)) continue;
    AssignedService assigned{.name = s.Key()};
    controller::Allocation& a = assigned.allocation;
    if (s.current.empty()) {
      a.status = controller::AllocationStatus::kPending;
      a.reason = "no address in status.loadBalancer.ingress yet (the controller assigns it)";
    } else {
      a.addresses = s.current;
      auto annotated = s.annotations.find(kAllocatedFromPoolAnnotation);
      a.pool = annotated != s.annotations.end() ? annotated->second : "";
      if (a.pool.empty() || config.FindPool(a.pool) == nullptr) {
        a.pool = PoolHolding(config, s.current);
      }
      if (a.pool.empty()) {
        a.status = controller::AllocationStatus::kPending;
        a.reason = "its addresses are in no AddressPool";
        out.problems.push_back(absl::StrCat(
            "Service ", s.Key(), ": its addresses are in no AddressPool; not announced"));
      } else {
        a.status = controller::AllocationStatus::kAssigned;
      }
    }
    if (s.traffic_policy == controller::TrafficPolicy::kLocal) {
      auto it = slices.find(s.Key());
      facts->local_endpoint_nodes[s.Key()] =
          it == slices.end() ? std::set<std::string>() : NodesWithEndpoints(it->second);
    }
    assigned.service = std::move(s);
    out.services.push_back(std::move(assigned));
  }
  out.facts = std::move(facts);
  return out;
}

}  // namespace ironlb::speaker

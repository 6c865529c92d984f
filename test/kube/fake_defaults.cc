#include "test/kube/fake_defaults.h"

#include "absl/strings/str_cat.h"

namespace ironlb::kube::testing {
namespace {

using nlohmann::json;

void DefaultService(json& svc, Allocations& alloc) {
  if (!svc.contains("spec") || !svc["spec"].is_object()) svc["spec"] = json::object();
  json& spec = svc["spec"];
  if (!spec.contains("type")) spec["type"] = "ClusterIP";
  const std::string type = spec["type"].is_string() ? spec["type"].get<std::string>() : "";
  if (!spec.contains("sessionAffinity")) spec["sessionAffinity"] = "None";
  if (type != "ExternalName") {
    if (!spec.contains("clusterIP")) {
      const uint32_t n = alloc.next_cluster_ip++;
      spec["clusterIP"] = absl::StrCat("10.96.", (n >> 8) & 0xff, ".", n & 0xff);
    }
    if (!spec.contains("clusterIPs") && spec["clusterIP"] != "None") {
      spec["clusterIPs"] = json::array({spec["clusterIP"]});
    }
    if (!spec.contains("ipFamilies")) spec["ipFamilies"] = json::array({"IPv4"});
    if (!spec.contains("ipFamilyPolicy")) spec["ipFamilyPolicy"] = "SingleStack";
  }
  const bool node_ports = type == "NodePort" || (type == "LoadBalancer" &&
                                                 spec.value("allocateLoadBalancerNodePorts", true));
  if ((type == "NodePort" || type == "LoadBalancer") && !spec.contains("externalTrafficPolicy")) {
    spec["externalTrafficPolicy"] = "Cluster";
  }
  if (spec.contains("ports") && spec["ports"].is_array()) {
    for (json& p : spec["ports"]) {
      if (!p.is_object()) continue;
      if (!p.contains("protocol")) p["protocol"] = "TCP";
      if (!p.contains("targetPort") && p.contains("port")) p["targetPort"] = p["port"];
      if (node_ports && !p.contains("nodePort")) p["nodePort"] = alloc.next_node_port++;
    }
  }
  if (type == "LoadBalancer" && spec.value("externalTrafficPolicy", "") == "Local" &&
      !spec.contains("healthCheckNodePort")) {
    spec["healthCheckNodePort"] = alloc.next_node_port++;
  }
}

}  // namespace

void ApplyCreateDefaults(const std::string& kind, json& object, Allocations& alloc) {
  if (kind == "Service") {
    DefaultService(object, alloc);
  } else if (kind == "Namespace") {
    if (!object.contains("spec")) object["spec"] = {{"finalizers", json::array({"kubernetes"})}};
    object["status"] = {{"phase", "Active"}};
  }
}

}  // namespace ironlb::kube::testing

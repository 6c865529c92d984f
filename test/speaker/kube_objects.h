// Real-shaped Kubernetes objects for the speaker's Kubernetes-mode tests (shapes from the API
// reference: v1 Service with status.loadBalancer.ingress, discovery.k8s.io/v1 EndpointSlice,
// v1 Node with conditions, ironlb.io/v1alpha1 configuration).
#pragma once

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"

namespace ironlb::speaker::testing {

inline nlohmann::json PoolObject(const std::string& ns, const std::string& name,
                                 const std::string& addresses) {
  return {{"apiVersion", "ironlb.io/v1alpha1"},
          {"kind", "AddressPool"},
          {"metadata", {{"namespace", ns}, {"name", name}}},
          {"spec", {{"addresses", {addresses}}}}};
}

inline nlohmann::json L2AdvertisementObject(const std::string& ns, const std::string& name,
                                            const std::string& pool) {
  return {{"apiVersion", "ironlb.io/v1alpha1"},
          {"kind", "L2Advertisement"},
          {"metadata", {{"namespace", ns}, {"name", name}}},
          {"spec", {{"ipAddressPools", {pool}}}}};
}

// A LoadBalancer Service as the API returns it once the controller assigned `ip` ("" = not yet).
inline nlohmann::json ServiceObject(const std::string& ns, const std::string& name,
                                    const std::string& ip, const std::string& policy = "Cluster",
                                    const std::string& pool = "") {
  nlohmann::json s = {{"apiVersion", "v1"},
                      {"kind", "Service"},
                      {"metadata",
                       {{"namespace", ns},
                        {"name", name},
                        {"uid", absl::StrCat("0000-", name)},
                        {"creationTimestamp", "2026-11-20T09:14:03Z"},
                        {"annotations", nlohmann::json::object()}}},
                      {"spec",
                       {{"type", "LoadBalancer"},
                        {"clusterIP", "10.96.12.34"},
                        {"clusterIPs", {"10.96.12.34"}},
                        {"ipFamilies", {"IPv4"}},
                        {"ipFamilyPolicy", "SingleStack"},
                        {"externalTrafficPolicy", policy},
                        {"internalTrafficPolicy", "Cluster"},
                        {"allocateLoadBalancerNodePorts", true},
                        {"selector", {{"app", name}}},
                        {"sessionAffinity", "None"},
                        {"ports",
                         {{{"name", "http"},
                           {"protocol", "TCP"},
                           {"port", 80},
                           {"targetPort", 8080},
                           {"nodePort", 31080}}}}}},
                      {"status", {{"loadBalancer", nlohmann::json::object()}}}};
  if (policy == "Local") s["spec"]["healthCheckNodePort"] = 32123;
  if (!ip.empty()) {
    s["status"]["loadBalancer"]["ingress"] = {{{"ip", ip}, {"ipMode", "VIP"}}};
  }
  if (!pool.empty()) s["metadata"]["annotations"]["ironlb.io/allocated-from-pool"] = pool;
  return s;
}

struct Endpoint {
  std::string node;
  bool ready = true;
  bool terminating = false;
};

inline nlohmann::json EndpointSliceObject(const std::string& ns, const std::string& service,
                                          const std::string& name,
                                          const std::vector<Endpoint>& endpoints) {
  nlohmann::json eps = nlohmann::json::array();
  int i = 0;
  for (const Endpoint& e : endpoints) {
    eps.push_back({{"addresses", {absl::StrCat("10.244.", ++i, ".7")}},
                   {"conditions",
                    {{"ready", e.ready},
                     {"serving", e.ready || e.terminating},
                     {"terminating", e.terminating}}},
                   {"targetRef",
                    {{"kind", "Pod"}, {"namespace", ns}, {"name", absl::StrCat(service, "-", i)}}},
                   {"nodeName", e.node}});
  }
  return {{"apiVersion", "discovery.k8s.io/v1"},
          {"kind", "EndpointSlice"},
          {"metadata",
           {{"namespace", ns},
            {"name", name},
            {"generateName", absl::StrCat(service, "-")},
            {"labels",
             {{"endpointslice.kubernetes.io/managed-by", "endpointslice-controller.k8s.io"},
              {"kubernetes.io/service-name", service}}}}},
          {"addressType", "IPv4"},
          {"endpoints", eps},
          {"ports", {{{"name", "http"}, {"protocol", "TCP"}, {"port", 8080}}}}};
}

inline nlohmann::json NodeObject(const std::string& name, bool exclude_label = false,
                                 bool network_unavailable = false) {
  nlohmann::json labels = {{"kubernetes.io/hostname", name}, {"kubernetes.io/os", "linux"}};
  if (exclude_label) labels["node.kubernetes.io/exclude-from-external-load-balancers"] = "";
  return {{"apiVersion", "v1"},
          {"kind", "Node"},
          {"metadata", {{"name", name}, {"labels", labels}}},
          {"spec", {{"podCIDR", "10.244.1.0/24"}}},
          {"status",
           {{"conditions",
             {{{"type", "NetworkUnavailable"},
               {"status", network_unavailable ? "True" : "False"},
               {"reason", network_unavailable ? "NoRouteCreated" : "RouteCreated"}},
              {{"type", "Ready"}, {"status", "True"}, {"reason", "KubeletReady"}}}}}}};
}

}  // namespace ironlb::speaker::testing

// Kubernetes objects in the API's JSON shape for the controller's tests and benchmark, and
// readers of what the controller wrote (ingress addresses, annotation, Events) from the fake
// API server's store.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"
#include "test/kube/fake_api_server.h"

namespace ironlb::controller::testing {

using nlohmann::json;

inline constexpr char kServices[] = "v1/services";
inline constexpr char kNamespaces[] = "v1/namespaces";
inline constexpr char kEvents[] = "v1/events";
inline constexpr char kPools[] = "ironlb.io/v1alpha1/addresspools";
inline constexpr char kSystemNamespace[] = "ironlb-system";

// A type LoadBalancer Service with TCP ports, as `kubectl get -o json` shows a fresh one.
inline json ServiceJson(const std::string& ns, const std::string& name,
                        std::vector<int> ports = {80},
                        std::map<std::string, std::string> annotations = {}) {
  json port_list = json::array();
  for (int p : ports) {
    port_list.push_back({{"name", absl::StrCat("p", p)},
                         {"protocol", "TCP"},
                         {"port", p},
                         {"targetPort", p},
                         {"nodePort", 30000 + p % 2000}});
  }
  json meta = {{"name", name}, {"namespace", ns}};
  if (!annotations.empty()) meta["annotations"] = annotations;
  return {{"apiVersion", "v1"},
          {"kind", "Service"},
          {"metadata", meta},
          {"spec",
           {{"type", "LoadBalancer"},
            {"selector", {{"app", name}}},
            {"ports", port_list},
            {"clusterIP", "10.96.0.10"},
            {"clusterIPs", {"10.96.0.10"}},
            {"ipFamilies", {"IPv4"}},
            {"ipFamilyPolicy", "SingleStack"},
            {"externalTrafficPolicy", "Cluster"},
            {"internalTrafficPolicy", "Cluster"},
            {"allocateLoadBalancerNodePorts", true},
            {"sessionAffinity", "None"}}},
          {"status", {{"loadBalancer", json::object()}}}};
}

inline json PoolJson(const std::string& name, std::vector<std::string> addresses,
                     json extra_spec = json::object()) {
  json spec = {{"addresses", addresses}};
  spec.update(extra_spec);
  return {{"apiVersion", "ironlb.io/v1alpha1"},
          {"kind", "AddressPool"},
          {"metadata", {{"name", name}, {"namespace", kSystemNamespace}, {"generation", 1}}},
          {"spec", spec}};
}

inline json NamespaceJson(const std::string& name, std::map<std::string, std::string> labels) {
  labels["kubernetes.io/metadata.name"] = name;
  return {{"apiVersion", "v1"},
          {"kind", "Namespace"},
          {"metadata", {{"name", name}, {"labels", labels}}},
          {"spec", {{"finalizers", {"kubernetes"}}}},
          {"status", {{"phase", "Active"}}}};
}

// status.loadBalancer.ingress[].ip of a Service object.
inline std::vector<std::string> IngressIps(const json& service) {
  std::vector<std::string> out;
  const json* at = &service;
  for (const char* key : {"status", "loadBalancer", "ingress"}) {
    if (!at->is_object() || !at->contains(key)) return out;
    at = &(*at)[key];
  }
  if (!at->is_array()) return out;
  for (const json& e : *at) out.push_back(e.value("ip", ""));
  return out;
}

inline std::string PoolAnnotation(const json& service) {
  return service["metadata"]
      .value("annotations", json::object())
      .value("ironlb.io/allocated-from-pool", "");
}

inline std::string KeyOf(const json& object) {
  return absl::StrCat(object["metadata"].value("namespace", ""), "/",
                      object["metadata"].value("name", ""));
}

// "namespace/name" -> the ingress addresses, for every Service that has some.
inline std::map<std::string, std::vector<std::string>> Assigned(
    const kube::testing::FakeApiServer& server) {
  std::map<std::string, std::vector<std::string>> out;
  server.Visit(kServices, [&out](const json& s) {
    std::vector<std::string> ips = IngressIps(s);
    if (!ips.empty()) out[KeyOf(s)] = std::move(ips);
  });
  return out;
}

// Events about the object `kind` ns/name, oldest first, as "Type Reason: message".
inline std::vector<std::string> EventsAbout(const kube::testing::FakeApiServer& server,
                                            const std::string& kind, const std::string& ns,
                                            const std::string& name) {
  std::vector<std::string> out;
  for (const json& e : server.Objects(kEvents)) {
    const json& who = e["involvedObject"];
    if (who.value("kind", "") == kind && who.value("namespace", "") == ns &&
        who.value("name", "") == name) {
      out.push_back(absl::StrCat(e.value("type", ""), " ", e.value("reason", ""), ": ",
                                 e.value("message", "")));
    }
  }
  return out;
}

}  // namespace ironlb::controller::testing

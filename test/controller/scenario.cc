#include "test/controller/scenario.h"

#include <cstdlib>

namespace ironlb::controller::testing {

PoolBuilder::PoolBuilder(std::string name, std::vector<std::string> addresses) {
  pool_.meta.name = std::move(name);
  for (const std::string& a : addresses) {
    auto r = IpRange::Parse(a);
    if (!r.ok()) std::abort();
    pool_.address_texts.push_back(a);
    pool_.ranges.push_back(*r);
  }
}

PoolBuilder& PoolBuilder::NoAutoAssign() {
  pool_.auto_assign = false;
  return *this;
}

PoolBuilder& PoolBuilder::AvoidBuggyIps() {
  pool_.avoid_buggy_ips = true;
  return *this;
}

PoolBuilder& PoolBuilder::SharingWithinNamespace() {
  pool_.allow_sharing_across_namespaces = false;
  return *this;
}

PoolBuilder& PoolBuilder::Allocation(std::optional<int> priority,
                                     std::vector<std::string> namespaces, Labels namespace_labels,
                                     Labels service_labels) {
  config::ServiceAllocation sa;
  sa.priority = priority;
  sa.namespaces = std::move(namespaces);
  if (!namespace_labels.empty()) sa.namespace_selectors.push_back({namespace_labels, {}});
  if (!service_labels.empty()) sa.service_selectors.push_back({service_labels, {}});
  pool_.service_allocation = std::move(sa);
  return *this;
}

ServiceBuilder::ServiceBuilder(const std::string& key) {
  const size_t slash = key.find('/');
  s_.namespace_ = key.substr(0, slash);
  s_.name = key.substr(slash + 1);
  s_.ports = {{PortProtocol::kTCP, 80}};
}

ServiceBuilder& ServiceBuilder::Annotation(const std::string& k, const std::string& v) {
  s_.annotations[k] = v;
  return *this;
}

ServiceBuilder& ServiceBuilder::Label(const std::string& k, const std::string& v) {
  s_.labels[k] = v;
  return *this;
}

ServiceBuilder& ServiceBuilder::LoadBalancerIp(const std::string& ip) {
  s_.load_balancer_ip = ip;
  return *this;
}

ServiceBuilder& ServiceBuilder::Port(PortProtocol protocol, uint16_t port) {
  if (default_port_) s_.ports.clear();
  default_port_ = false;
  s_.ports.push_back({protocol, port});
  return *this;
}

ServiceBuilder& ServiceBuilder::Local(std::map<std::string, std::string> selector) {
  s_.traffic_policy = TrafficPolicy::kLocal;
  s_.selector = std::move(selector);
  return *this;
}

ServiceBuilder& ServiceBuilder::Families(std::vector<IpFamily> families, FamilyPolicy policy) {
  s_.ip_families = std::move(families);
  s_.family_policy = policy;
  return *this;
}

ServiceBuilder& ServiceBuilder::Current(const std::vector<std::string>& ips) {
  for (const std::string& t : ips) {
    auto ip = IpAddress::Parse(t);
    if (!ip.ok()) std::abort();
    s_.current.push_back(*ip);
  }
  return *this;
}

ServiceBuilder& ServiceBuilder::Class(const std::string& c) {
  s_.load_balancer_class = c;
  return *this;
}

ServiceBuilder& ServiceBuilder::Type(const std::string& t) {
  s_.type = t;
  return *this;
}

}  // namespace ironlb::controller::testing

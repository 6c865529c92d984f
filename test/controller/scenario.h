// Builders for allocator tests: pools and Services in one line each.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "config/types.h"
#include "controller/service.h"

namespace ironlb::controller::testing {

class PoolBuilder {
 public:
  PoolBuilder(std::string name, std::vector<std::string> addresses);
  PoolBuilder& NoAutoAssign();
  PoolBuilder& AvoidBuggyIps();
  PoolBuilder& SharingWithinNamespace();
  // serviceAllocation: priority (nullopt = unset), namespaces, namespace and service labels
  // (each non-empty map becomes one matchLabels selector).
  PoolBuilder& Allocation(std::optional<int> priority, std::vector<std::string> namespaces = {},
                          Labels namespace_labels = {}, Labels service_labels = {});
  operator config::AddressPool() const { return pool_; }  // NOLINT: builder

 private:
  config::AddressPool pool_;
};

class ServiceBuilder {
 public:
  // "namespace/name"; one TCP/80 port until Port() is called.
  explicit ServiceBuilder(const std::string& key);
  ServiceBuilder& Annotation(const std::string& k, const std::string& v);
  ServiceBuilder& Label(const std::string& k, const std::string& v);
  ServiceBuilder& LoadBalancerIp(const std::string& ip);
  ServiceBuilder& Port(PortProtocol protocol, uint16_t port);
  ServiceBuilder& Local(std::map<std::string, std::string> selector);
  ServiceBuilder& Families(std::vector<IpFamily> families, FamilyPolicy policy);
  ServiceBuilder& Current(const std::vector<std::string>& ips);
  ServiceBuilder& Class(const std::string& c);
  ServiceBuilder& Type(const std::string& t);
  ServiceBuilder& Share(const std::string& key) { return Annotation("ironlb.io/sharing-key", key); }
  operator Service() const { return s_; }  // NOLINT: builder

 private:
  Service s_;
  bool default_port_ = true;
};

}  // namespace ironlb::controller::testing

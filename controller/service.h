// A Kubernetes Service as the allocation engine sees it: only the fields that decide which
// LoadBalancer IPs it gets. Filled by the manifest reader (ironlbctl plan) or, later, by the
// controller's watch of the API server.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/ip.h"
#include "config/label_selector.h"

namespace ironlb::controller {

using Labels = config::Labels;

enum class PortProtocol : uint8_t { kTCP, kUDP, kSCTP };
absl::string_view PortProtocolName(PortProtocol p);

struct ServicePort {
  PortProtocol protocol = PortProtocol::kTCP;
  uint16_t port = 0;
  friend auto operator<=>(const ServicePort&, const ServicePort&) = default;
};

enum class TrafficPolicy : uint8_t { kCluster, kLocal };
enum class FamilyPolicy : uint8_t { kSingleStack, kPreferDualStack, kRequireDualStack };

struct Service {
  std::string namespace_;
  std::string name;
  Labels labels;
  std::map<std::string, std::string> annotations;
  std::string type = "LoadBalancer";
  std::optional<std::string> load_balancer_class;
  std::string load_balancer_ip;  // spec.loadBalancerIP, as written
  std::vector<ServicePort> ports;
  TrafficPolicy traffic_policy = TrafficPolicy::kCluster;
  std::map<std::string, std::string> selector;
  std::vector<IpFamily> ip_families;  // spec.ipFamilies; empty when not written
  FamilyPolicy family_policy = FamilyPolicy::kSingleStack;
  std::vector<IpAddress> current;  // status.loadBalancer.ingress[].ip
  // metadata.creationTimestamp; unset in hand-written manifests. Decides which of two
  // Services keeps a contested router port (the older).
  std::optional<absl::Time> created;

  // "namespace/name": the identity used in results and messages.
  std::string Key() const { return namespace_ + "/" + name; }

  friend bool operator==(const Service&, const Service&) = default;
};

// Annotation names; the MetalLB spellings are accepted so that existing manifests work.
inline constexpr absl::string_view kAddressesAnnotations[] = {
    "ironlb.io/addresses", "metallb.io/loadBalancerIPs", "metallb.universe.tf/loadBalancerIPs"};
inline constexpr absl::string_view kPoolAnnotations[] = {
    "ironlb.io/pool", "metallb.io/address-pool", "metallb.universe.tf/address-pool"};
inline constexpr absl::string_view kSharingAnnotations[] = {
    "ironlb.io/sharing-key", "metallb.io/allow-shared-ip", "metallb.universe.tf/allow-shared-ip"};
// Written by the controller: the pool a Service's addresses came from.
inline constexpr char kAllocatedFromPoolAnnotation[] = "ironlb.io/allocated-from-pool";

}  // namespace ironlb::controller

// Where this node announces each Service, as the ServiceAnnouncement objects
// (ironlb.io/v1alpha1, namespaced like the Service, one per Service and node) users read with
// `kubectl get serviceannouncements`: the node, the mode (layer2, bgp), the interfaces or
// peers, the addresses. Pure: the publisher writes what this computes.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "bgp/desired_state.h"
#include "common/ip.h"
#include "kube/resource.h"
#include "nlohmann/json.hpp"
#include "speaker/assigned_service.h"
#include "speaker/layer2/layer2_plan.h"

namespace ironlb::speaker {

inline constexpr char kAnnouncementNodeLabel[] = "ironlb.io/node";
inline constexpr char kAnnouncementServiceLabel[] = "ironlb.io/service-name";

kube::Resource ServiceAnnouncements();

struct AnnouncementFacts {
  std::string node;
  const AssignedServices* services = nullptr;
  // The Services behind each VIP (kube mode: the Service's uid for the owner reference).
  std::map<std::string, std::string> service_uids;             // "ns/name" -> metadata.uid
  std::map<std::string, std::vector<IpAddress>> layer2_owned;  // interface -> VIPs we answer
  const bgp::DesiredState* bgp = nullptr;                      // what our FRR announces
};

// The objects this node should have, keyed "namespace/name".
std::map<std::string, nlohmann::json> DesiredAnnouncements(const AnnouncementFacts& facts);

// `label` value for `text`: itself when it fits in `max` characters, else a prefix and a hash
// (object names and label values have length limits a node name may exceed).
std::string FitName(const std::string& text, size_t max);
// What FitName gave before it used the common stable hash (a wrong FNV offset basis). Only for
// finding objects a speaker of that version wrote: the publisher replaces them.
std::string LegacyFitName(const std::string& text, size_t max);

}  // namespace ironlb::speaker

#include "controller/plan.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace ironlb::controller {
namespace {

std::string Ips(std::vector<IpAddress> ips) {
  std::sort(ips.begin(), ips.end());
  return absl::StrJoin(ips, ",",
                       [](std::string* out, const IpAddress& ip) { out->append(ip.ToString()); });
}

}  // namespace

absl::string_view AddressChangeName(AddressChange::Kind kind) {
  switch (kind) {
    case AddressChange::Kind::kKept:
      return "kept";
    case AddressChange::Kind::kMoved:
      return "moved";
    case AddressChange::Kind::kPending:
      return "pending";
    case AddressChange::Kind::kNew:
      return "new";
    case AddressChange::Kind::kIgnored:
      return "ignored";
  }
  return "?";
}

AddressChange ChangeFor(const Service& service, const Allocation& planned) {
  using Kind = AddressChange::Kind;
  const std::string had = Ips(service.current);
  switch (planned.status) {
    case AllocationStatus::kIgnored:
      if (service.current.empty()) return {Kind::kIgnored, planned.reason};
      return {Kind::kPending,
              absl::StrCat("has ", had, " but would not be served: ", planned.reason)};
    case AllocationStatus::kPending:
      if (service.current.empty()) return {Kind::kPending, planned.reason};
      return {
          Kind::kPending,
          absl::StrCat("would lose ", had, ": ",
                       planned.release_reason.empty() ? planned.reason : planned.release_reason)};
    case AllocationStatus::kAssigned:
      break;
  }
  if (service.current.empty()) return {Kind::kNew, ""};
  const std::string now = Ips(planned.addresses);
  if (now == had) return {Kind::kKept, ""};
  return {Kind::kMoved,
          absl::StrCat(
              "would move from ", had, " to ", now,
              planned.release_reason.empty() ? "" : absl::StrCat(": ", planned.release_reason))};
}

PlanOutput Plan(const config::Config& config, const std::map<std::string, Labels>& namespaces,
                const std::vector<Service>& services, const std::optional<std::string>& lb_class,
                AddressChoice choice) {
  Allocator allocator(lb_class, choice);
  allocator.SetConfig(config);
  for (const auto& [ns, labels] : namespaces) allocator.SetNamespaceLabels(ns, labels);
  allocator.UpsertAll(services);
  PlanOutput out;
  for (const Service& s : services) {
    const std::string key = s.Key();
    const Allocation& a = *allocator.Find(key);
    out.services.push_back({key, a, allocator.SharedWith(key), ChangeFor(s, a)});
  }
  out.pools = allocator.Stats();
  return out;
}

}  // namespace ironlb::controller

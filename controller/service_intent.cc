#include "controller/service_intent.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"

namespace ironlb::controller {
namespace {

// Reads the first of `names` that is set. Two spellings with different values are an error:
// silently preferring one would surprise whoever wrote the other.
template <size_t N>
std::optional<std::string> Annotation(const Service& s, const absl::string_view (&names)[N],
                                      std::string* error, std::string* which = nullptr) {
  std::optional<std::string> value;
  std::string from;
  for (absl::string_view name : names) {
    auto it = s.annotations.find(std::string(name));
    if (it == s.annotations.end()) continue;
    if (value && *value != it->second) {
      if (error->empty()) {
        *error = absl::StrCat("annotations ", from, " and ", name, " disagree (\"", *value,
                              "\" vs \"", it->second, "\"); keep one");
      }
      continue;
    }
    if (!value) {
      value = it->second;
      from = std::string(name);
    }
  }
  if (which) *which = from;
  return value;
}

}  // namespace

absl::string_view FamilyPolicyName(FamilyPolicy p) {
  switch (p) {
    case FamilyPolicy::kSingleStack:
      return "SingleStack";
    case FamilyPolicy::kPreferDualStack:
      return "PreferDualStack";
    case FamilyPolicy::kRequireDualStack:
      return "RequireDualStack";
  }
  return "SingleStack";
}

ServiceIntent IntentOf(const Service& s, const std::optional<std::string>& lb_class) {
  ServiceIntent in;
  if (s.type != "LoadBalancer") {
    in.served = false;
    in.not_served_reason =
        absl::StrCat("spec.type is ", s.type.empty() ? "unset" : s.type, ", not LoadBalancer");
    return in;
  }
  if (s.load_balancer_class != lb_class) {
    in.served = false;
    in.not_served_reason =
        s.load_balancer_class
            ? absl::StrCat("spec.loadBalancerClass is \"", *s.load_balancer_class,
                           "\", which ironlb does not serve")
            : absl::StrCat("no spec.loadBalancerClass; ironlb serves class \"", *lb_class, "\"");
    return in;
  }
  in.policy = s.family_policy;
  in.families = s.ip_families;
  if (in.families.size() == 2 && in.families[0] == in.families[1]) in.families.resize(1);

  std::string field;
  std::optional<std::string> addresses = Annotation(s, kAddressesAnnotations, &in.error, &field);
  std::string pool_field;
  if (auto pool = Annotation(s, kPoolAnnotations, &in.error, &pool_field)) {
    if (pool->empty() && in.error.empty()) {
      in.error = absl::StrCat("annotation ", pool_field, " is empty");
    }
    in.pool = *pool;
  }
  if (auto key = Annotation(s, kSharingAnnotations, &in.error)) in.sharing_key = *key;
  if (!in.error.empty()) return in;

  std::vector<std::string> texts;
  if (addresses && !s.load_balancer_ip.empty()) {
    in.error =
        absl::StrCat("both ", field, " and spec.loadBalancerIP request addresses; set only one");
    return in;
  }
  if (addresses) {
    in.requested_field = field;
    for (absl::string_view t : absl::StrSplit(*addresses, ',')) {
      t = absl::StripAsciiWhitespace(t);
      if (!t.empty()) texts.emplace_back(t);
    }
    if (texts.empty()) {
      in.error = absl::StrCat("annotation ", field, " is empty");
      return in;
    }
  } else if (!s.load_balancer_ip.empty()) {
    in.requested_field = "spec.loadBalancerIP";
    texts.push_back(s.load_balancer_ip);
  }
  for (const std::string& t : texts) {
    auto ip = IpAddress::Parse(t);
    if (!ip.ok()) {
      in.error = absl::StrCat(in.requested_field, ": \"", t, "\" is not an IP address");
      return in;
    }
    for (const IpAddress& other : in.requested) {
      if (other.family() == ip->family()) {
        in.error = absl::StrCat(in.requested_field, " requests two ", IpFamilyName(ip->family()),
                                " addresses; at most one per family");
        return in;
      }
    }
    in.requested.push_back(*ip);
  }
  if (!in.requested.empty()) {
    std::vector<IpFamily> req_families;
    for (const IpAddress& ip : in.requested) req_families.push_back(ip.family());
    if (in.families.empty()) in.families = req_families;
    for (IpFamily f : req_families) {
      if (std::find(in.families.begin(), in.families.end(), f) == in.families.end()) {
        in.error = absl::StrCat(in.requested_field, " requests an ", IpFamilyName(f),
                                " address but spec.ipFamilies does not include ", IpFamilyName(f));
        return in;
      }
    }
    if (in.requested.size() == 2 && in.policy == FamilyPolicy::kSingleStack) {
      in.error = absl::StrCat(in.requested_field,
                              " requests two addresses but spec.ipFamilyPolicy is SingleStack");
      return in;
    }
    if (in.requested.size() == 1 && in.policy == FamilyPolicy::kRequireDualStack) {
      in.error = absl::StrCat(in.requested_field,
                              " requests one address but spec.ipFamilyPolicy is "
                              "RequireDualStack (needs one IPv4 and one IPv6)");
      return in;
    }
    if (in.requested.size() == 1 && in.policy == FamilyPolicy::kPreferDualStack &&
        in.families[0] != in.requested[0].family()) {
      // Preferring dual-stack but asking for the secondary family only: take what is asked.
      in.families = {in.requested[0].family()};
    }
  }
  return in;
}

}  // namespace ironlb::controller

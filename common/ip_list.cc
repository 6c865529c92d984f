#include "common/ip_list.h"

#include <algorithm>

#include "absl/strings/str_join.h"

namespace ironlb {

std::string JoinIps(const std::vector<IpAddress>& ips, absl::string_view separator) {
  return absl::StrJoin(ips, separator,
                       [](std::string* o, const IpAddress& ip) { o->append(ip.ToString()); });
}

std::vector<IpAddress> SortedIps(std::vector<IpAddress> ips) {
  std::sort(ips.begin(), ips.end());
  return ips;
}

}  // namespace ironlb

// Lists of addresses in messages and comparisons: "192.0.2.1,2001:db8::1", and in a fixed order.
#pragma once

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "common/ip.h"

namespace ironlb {

std::string JoinIps(const std::vector<IpAddress>& ips, absl::string_view separator = ",");
std::vector<IpAddress> SortedIps(std::vector<IpAddress> ips);

}  // namespace ironlb

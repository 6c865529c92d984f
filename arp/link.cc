#include "arp/link.h"

#include <fnmatch.h>
#include <net/if.h>
#include <net/if_arp.h>

#include <string>

namespace ironlb::arp {
namespace {

bool Matches(const std::string& pattern, const std::string& name) {
  return fnmatch(pattern.c_str(), name.c_str(), 0) == 0;
}

}  // namespace

bool Link::CanAnnounce() const {
  return hardware_type == ARPHRD_ETHER && (flags & IFF_UP) && (flags & IFF_RUNNING) &&
         (flags & IFF_BROADCAST) && !(flags & IFF_NOARP) && !(flags & IFF_LOOPBACK) &&
         !mac.is_zero();
}

std::vector<std::string> DefaultExcludedInterfaces() {
  return {"lo", "veth*", "docker*", "cali*", "lxc*", "kube-ipvs*", "cilium*", "flannel*", "vxlan*"};
}

bool InterfaceSelected(absl::string_view name_view, const std::vector<std::string>& wanted,
                       const std::vector<std::string>& excluded) {
  std::string name(name_view);
  for (const std::string& w : wanted) {
    if (w == name) return true;
  }
  bool by_pattern = wanted.empty();
  for (const std::string& w : wanted) {
    if (Matches(w, name)) {
      by_pattern = true;
      break;
    }
  }
  if (!by_pattern) return false;
  for (const std::string& x : excluded) {
    if (Matches(x, name)) return false;
  }
  return true;
}

}  // namespace ironlb::arp

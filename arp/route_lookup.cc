#include "arp/route_lookup.h"

#include <ifaddrs.h>
#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netinet/in.h>

#include <cerrno>
#include <ctime>
#include <optional>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/errno_status.h"

namespace ironlb::arp {
namespace {

struct RouteReply {
  uint32_t oif = 0;
  bool seen = false;
};

int OnRouteAttr(const nlattr* attr, void* data) {
  auto* reply = static_cast<RouteReply*>(data);
  if (mnl_attr_get_type(attr) == RTA_OIF && mnl_attr_validate(attr, MNL_TYPE_U32) >= 0) {
    reply->oif = mnl_attr_get_u32(attr);
  }
  return MNL_CB_OK;
}

int OnRoute(const nlmsghdr* nlh, void* data) {
  auto* reply = static_cast<RouteReply*>(data);
  if (nlh->nlmsg_type != RTM_NEWROUTE) return MNL_CB_OK;
  reply->seen = true;
  return mnl_attr_parse(nlh, sizeof(rtmsg), OnRouteAttr, data);
}

}  // namespace

absl::StatusOr<std::string> EgressInterface(const IpAddress& destination) {
  const std::string what = absl::StrCat("route lookup for ", destination.ToString());
  mnl_socket* nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
  if (nl == nullptr) return ErrnoToStatus(errno, what);
  std::vector<char> buf(MNL_SOCKET_BUFFER_SIZE);
  nlmsghdr* nlh = mnl_nlmsg_put_header(buf.data());
  nlh->nlmsg_type = RTM_GETROUTE;
  nlh->nlmsg_flags = NLM_F_REQUEST;
  const uint32_t seq = static_cast<uint32_t>(time(nullptr));
  nlh->nlmsg_seq = seq;
  auto* rtm = static_cast<rtmsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(rtmsg)));
  rtm->rtm_family = destination.is_v4() ? AF_INET : AF_INET6;
  rtm->rtm_dst_len = destination.is_v4() ? 32 : 128;
  if (destination.is_v4()) {
    const in_addr a = destination.ToV4();
    mnl_attr_put(nlh, RTA_DST, sizeof(a), &a);
  } else {
    const in6_addr a = destination.ToV6();
    mnl_attr_put(nlh, RTA_DST, sizeof(a), &a);
  }
  absl::Status status;
  RouteReply reply;
  if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) != 0 ||
      mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0) {
    status = ErrnoToStatus(errno, what);
  } else {
    const ssize_t n = mnl_socket_recvfrom(nl, buf.data(), buf.size());
    if (n < 0) {
      status = ErrnoToStatus(errno, what);
    } else if (mnl_cb_run(buf.data(), static_cast<size_t>(n), seq, mnl_socket_get_portid(nl),
                          OnRoute, &reply) < 0) {
      // An NLMSG_ERROR reply: the kernel has no route (ENETUNREACH, EHOSTUNREACH, ...).
      status = absl::NotFoundError(
          absl::StrCat(what, ": no route (", ErrnoToStatus(errno, "kernel").message(), ")"));
    }
  }
  mnl_socket_close(nl);
  if (!status.ok()) return status;
  char name[IF_NAMESIZE] = {};
  if (!reply.seen || reply.oif == 0 || if_indextoname(reply.oif, name) == nullptr) {
    return absl::NotFoundError(absl::StrCat(what, ": the kernel named no interface"));
  }
  return std::string(name);
}

absl::StatusOr<std::string> InterfaceHoldingAddress(const IpAddress& address) {
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) != 0) return ErrnoToStatus(errno, "getifaddrs");
  std::string found;
  for (const ifaddrs* i = list; i != nullptr && found.empty(); i = i->ifa_next) {
    if (i->ifa_addr == nullptr) continue;
    std::optional<IpAddress> a;
    if (i->ifa_addr->sa_family == AF_INET && address.is_v4()) {
      a = IpAddress::FromV4(reinterpret_cast<const sockaddr_in*>(i->ifa_addr)->sin_addr);
    } else if (i->ifa_addr->sa_family == AF_INET6 && address.is_v6()) {
      a = IpAddress::FromV6(reinterpret_cast<const sockaddr_in6*>(i->ifa_addr)->sin6_addr);
    }
    if (a && *a == address) found = i->ifa_name;
  }
  freeifaddrs(list);
  if (found.empty()) {
    return absl::NotFoundError(absl::StrCat("no interface holds ", address.ToString()));
  }
  return found;
}

}  // namespace ironlb::arp

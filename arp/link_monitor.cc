#include "arp/link_monitor.h"

#include <libmnl/libmnl.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <ctime>
#include <set>
#include <vector>

#include "common/errno_status.h"
#include "common/log.h"

namespace ironlb::arp {
namespace {

struct AttrTable {
  const nlattr* by_type[64] = {};
};

int CollectAttr(const nlattr* attr, void* data) {
  auto* table = static_cast<AttrTable*>(data);
  uint16_t type = mnl_attr_get_type(attr);
  if (type < 64) table->by_type[type] = attr;
  return MNL_CB_OK;
}

}  // namespace

absl::StatusOr<std::unique_ptr<LinkMonitor>> LinkMonitor::Create(EventLoop* loop,
                                                                 Callbacks callbacks) {
  auto monitor = std::unique_ptr<LinkMonitor>(new LinkMonitor(loop, std::move(callbacks)));
  monitor->events_ = mnl_socket_open2(NETLINK_ROUTE, SOCK_NONBLOCK | SOCK_CLOEXEC);
  if (monitor->events_ == nullptr) return ErrnoToStatus(errno, "rtnetlink: open");
  unsigned groups = RTMGRP_LINK | RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR;
  if (mnl_socket_bind(monitor->events_, groups, MNL_SOCKET_AUTOPID) != 0) {
    return ErrnoToStatus(errno, "rtnetlink: bind to link and address groups");
  }
  int rcvbuf = 1 << 20;
  setsockopt(mnl_socket_get_fd(monitor->events_), SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf,
             sizeof(rcvbuf));
  // Subscribed before dumping, so no change between the dump and the first event is lost.
  if (absl::Status s = monitor->Resync(); !s.ok()) return s;
  LinkMonitor* raw = monitor.get();
  if (absl::Status s =
          loop->Watch(mnl_socket_get_fd(monitor->events_), [raw] { raw->OnReadable(); });
      !s.ok()) {
    return s;
  }
  return monitor;
}

LinkMonitor::~LinkMonitor() {
  if (events_ != nullptr) {
    loop_->Unwatch(mnl_socket_get_fd(events_));
    mnl_socket_close(events_);
  }
}

absl::Status LinkMonitor::Dump(int type) {
  mnl_socket* nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
  if (nl == nullptr) return ErrnoToStatus(errno, "rtnetlink: open for dump");
  std::vector<char> buf(MNL_SOCKET_BUFFER_SIZE * 4);
  nlmsghdr* nlh = mnl_nlmsg_put_header(buf.data());
  nlh->nlmsg_type = static_cast<uint16_t>(type);
  nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  uint32_t seq = static_cast<uint32_t>(time(nullptr));
  nlh->nlmsg_seq = seq;
  rtgenmsg* gen = static_cast<rtgenmsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(rtgenmsg)));
  gen->rtgen_family = AF_UNSPEC;
  absl::Status status;
  if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) != 0 ||
      mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0) {
    status = ErrnoToStatus(errno, "rtnetlink: send dump request");
  } else {
    uint32_t portid = mnl_socket_get_portid(nl);
    while (true) {
      ssize_t n = mnl_socket_recvfrom(nl, buf.data(), buf.size());
      if (n < 0) {
        status = ErrnoToStatus(errno, "rtnetlink: read dump");
        break;
      }
      int ret = mnl_cb_run(buf.data(), static_cast<size_t>(n), seq, portid, &LinkMonitor::OnMessage,
                           this);
      if (ret == MNL_CB_STOP) break;
      if (ret < 0) {
        status = ErrnoToStatus(errno, "rtnetlink: parse dump");
        break;
      }
    }
  }
  mnl_socket_close(nl);
  return status;
}

absl::Status LinkMonitor::Resync() {
  std::set<int> before;
  for (const auto& entry : links_) before.insert(entry.first);
  // Addresses are rebuilt from the dump.
  for (auto& entry : links_) entry.second.addresses.clear();
  links_.clear();
  if (absl::Status s = Dump(RTM_GETLINK); !s.ok()) return s;
  if (absl::Status s = Dump(RTM_GETADDR); !s.ok()) return s;
  for (int ifindex : before) {
    if (links_.count(ifindex) == 0 && callbacks_.removed) callbacks_.removed(ifindex);
  }
  return absl::OkStatus();
}

void LinkMonitor::OnReadable() {
  std::vector<char> buf(MNL_SOCKET_BUFFER_SIZE * 4);
  for (int i = 0; i < 64; ++i) {  // bounded; level-triggered epoll brings us back
    ssize_t n = mnl_socket_recvfrom(events_, buf.data(), buf.size());
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return;
      if (errno == ENOBUFS) {
        // Notifications were lost: the only safe recovery is a fresh dump.
        IRONLB_LOG(kWarn, "rtnetlink: notifications overran, resyncing links");
        if (absl::Status s = Resync(); !s.ok()) {
          IRONLB_LOG(kError, "rtnetlink: resync failed").With("error", s);
        }
        continue;
      }
      IRONLB_LOG(kError, "rtnetlink: read failed").With("error", ErrnoToStatus(errno, "recv"));
      return;
    }
    mnl_cb_run(buf.data(), static_cast<size_t>(n), 0, 0, &LinkMonitor::OnMessage, this);
  }
}

int LinkMonitor::OnMessage(const nlmsghdr* nlh, void* self) {
  auto* monitor = static_cast<LinkMonitor*>(self);
  switch (nlh->nlmsg_type) {
    case RTM_NEWLINK:
    case RTM_DELLINK:
      monitor->HandleLink(nlh);
      break;
    case RTM_NEWADDR:
    case RTM_DELADDR:
      monitor->HandleAddress(nlh);
      break;
    default:
      break;
  }
  return MNL_CB_OK;
}

void LinkMonitor::HandleLink(const nlmsghdr* nlh) {
  if (mnl_nlmsg_get_payload_len(nlh) < sizeof(ifinfomsg)) return;
  const auto* ifi = static_cast<const ifinfomsg*>(mnl_nlmsg_get_payload(nlh));
  // AF_BRIDGE messages describe bridge-port state; an RTM_DELLINK among them only means the
  // interface left a bridge, not that it vanished.
  if (ifi->ifi_family == AF_BRIDGE) return;
  if (nlh->nlmsg_type == RTM_DELLINK) {
    if (links_.erase(ifi->ifi_index) > 0 && callbacks_.removed) callbacks_.removed(ifi->ifi_index);
    return;
  }
  AttrTable attrs;
  mnl_attr_parse(nlh, sizeof(ifinfomsg), CollectAttr, &attrs);
  Link& link = links_[ifi->ifi_index];
  Link before = link;
  link.ifindex = ifi->ifi_index;
  link.hardware_type = ifi->ifi_type;
  link.flags = ifi->ifi_flags;
  if (const nlattr* a = attrs.by_type[IFLA_IFNAME]; a != nullptr) {
    link.name = mnl_attr_get_str(a);
  }
  if (const nlattr* a = attrs.by_type[IFLA_ADDRESS];
      a != nullptr && mnl_attr_get_payload_len(a) == 6) {
    link.mac = MacAddress::FromBytes(static_cast<const uint8_t*>(mnl_attr_get_payload(a)));
  }
  if (link != before && callbacks_.changed) callbacks_.changed(link);
}

void LinkMonitor::HandleAddress(const nlmsghdr* nlh) {
  if (mnl_nlmsg_get_payload_len(nlh) < sizeof(ifaddrmsg)) return;
  const auto* ifa = static_cast<const ifaddrmsg*>(mnl_nlmsg_get_payload(nlh));
  auto it = links_.find(static_cast<int>(ifa->ifa_index));
  if (it == links_.end()) return;
  AttrTable attrs;
  mnl_attr_parse(nlh, sizeof(ifaddrmsg), CollectAttr, &attrs);
  const nlattr* a =
      attrs.by_type[IFA_LOCAL] != nullptr ? attrs.by_type[IFA_LOCAL] : attrs.by_type[IFA_ADDRESS];
  if (a == nullptr) return;
  auto address = IpAddress::FromBytes(static_cast<const uint8_t*>(mnl_attr_get_payload(a)),
                                      mnl_attr_get_payload_len(a));
  if (!address.ok()) return;
  std::vector<IpAddress>& list = it->second.addresses;
  auto pos = std::find(list.begin(), list.end(), *address);
  if (nlh->nlmsg_type == RTM_NEWADDR && pos == list.end()) {
    list.push_back(*address);
  } else if (nlh->nlmsg_type == RTM_DELADDR && pos != list.end()) {
    list.erase(pos);
  } else {
    return;
  }
  if (callbacks_.changed) callbacks_.changed(it->second);
}

}  // namespace ironlb::arp

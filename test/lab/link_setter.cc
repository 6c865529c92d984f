#include "test/lab/link_setter.h"

#include <libmnl/libmnl.h>
#include <linux/if.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>

#include <cerrno>
#include <cstring>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "test/lab/host_command.h"

namespace ironlb::lab {

absl::StatusOr<std::unique_ptr<LinkSetter>> LinkSetter::Open(const std::string& netns) {
  // Sockets belong to the namespace they were created in: create it on a thread that entered
  // `netns` (setns moves only the calling thread), then use it from anywhere.
  absl::Status status;
  mnl_socket* nl = nullptr;
  std::thread opener([&] {
    status = EnterNetnsForThread(netns);
    if (!status.ok()) return;
    nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
    if (nl == nullptr) {
      status =
          absl::InternalError(absl::StrCat("netlink socket in ", netns, ": ", strerror(errno)));
      return;
    }
    if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) != 0) {
      status = absl::InternalError(absl::StrCat("netlink bind in ", netns, ": ", strerror(errno)));
      mnl_socket_close(nl);
      nl = nullptr;
    }
  });
  opener.join();
  if (!status.ok()) return status;
  return std::unique_ptr<LinkSetter>(new LinkSetter(nl, netns));
}

LinkSetter::~LinkSetter() { mnl_socket_close(nl_); }

absl::Status LinkSetter::SetUp(const std::string& ifname, bool up) {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<char> buf(MNL_SOCKET_BUFFER_SIZE);
  nlmsghdr* nlh = mnl_nlmsg_put_header(buf.data());
  nlh->nlmsg_type = RTM_NEWLINK;
  nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
  nlh->nlmsg_seq = ++seq_;
  auto* ifi = static_cast<ifinfomsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(ifinfomsg)));
  ifi->ifi_family = AF_UNSPEC;
  ifi->ifi_index = 0;  // by name (IFLA_IFNAME)
  ifi->ifi_flags = up ? IFF_UP : 0;
  ifi->ifi_change = IFF_UP;
  mnl_attr_put_strz(nlh, IFLA_IFNAME, ifname.c_str());
  const std::string what = absl::StrCat("link ", ifname, up ? " up" : " down", " in ", netns_);
  if (mnl_socket_sendto(nl_, nlh, nlh->nlmsg_len) < 0) {
    return absl::InternalError(absl::StrCat(what, ": ", strerror(errno)));
  }
  const uint32_t seq = nlh->nlmsg_seq;
  const uint32_t portid = mnl_socket_get_portid(nl_);
  for (int i = 0; i < 16; ++i) {  // bounded: the answer is one ACK (or error) message
    const ssize_t n = mnl_socket_recvfrom(nl_, buf.data(), buf.size());
    if (n < 0) return absl::InternalError(absl::StrCat(what, ": ", strerror(errno)));
    const int ret = mnl_cb_run(buf.data(), static_cast<size_t>(n), seq, portid, nullptr, nullptr);
    if (ret == MNL_CB_ERROR) return absl::InternalError(absl::StrCat(what, ": ", strerror(errno)));
    if (ret == MNL_CB_STOP) return absl::OkStatus();
  }
  return absl::InternalError(absl::StrCat(what, ": no answer from the kernel"));
}

}  // namespace ironlb::lab

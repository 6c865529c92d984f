#include "nft/mnl_transport.h"

#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/netlink.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "common/errno_status.h"
#include "common/status_macros.h"

namespace ironlb::nft {
namespace {

constexpr int kReceiveBuffer = 16 * 1024 * 1024;
constexpr size_t kMinSendBuffer = 4 * 1024 * 1024;

void SetIntOption(int fd, int level, int name, int value) {
  // Best effort: failing to grow a buffer only matters for huge batches, which then report
  // the kernel's error.
  (void)setsockopt(fd, level, name, &value, sizeof(value));
}

}  // namespace

bool ParseNetlinkError(const void* msg, size_t len, NetlinkAck* out) {
  if (len < sizeof(nlmsghdr) + sizeof(nlmsgerr)) return false;
  const auto* nlh = static_cast<const nlmsghdr*>(msg);
  if (nlh->nlmsg_len < sizeof(nlmsghdr) + sizeof(nlmsgerr) || nlh->nlmsg_len > len) return false;
  nlmsgerr err;
  std::memcpy(&err, static_cast<const char*>(msg) + sizeof(nlmsghdr), sizeof(err));
  out->seq = nlh->nlmsg_seq;
  // 64-bit: -INT_MIN must not overflow (found by fuzzing).
  const int64_t e = err.error < 0 ? -static_cast<int64_t>(err.error) : err.error;
  out->error = static_cast<int>(std::min<int64_t>(e, INT32_MAX));
  out->ext_ack_text.clear();
  if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS)) return true;
  // Without NLM_F_CAPPED the kernel echoes the whole offending request before the TLVs.
  size_t offset = sizeof(nlmsghdr) + sizeof(nlmsgerr);
  if (!(nlh->nlmsg_flags & NLM_F_CAPPED)) {
    if (err.msg.nlmsg_len < sizeof(nlmsghdr) || err.msg.nlmsg_len > nlh->nlmsg_len) return true;
    offset += NLMSG_ALIGN(err.msg.nlmsg_len) - sizeof(nlmsghdr);
  }
  while (offset + sizeof(nlattr) <= nlh->nlmsg_len) {
    nlattr attr;
    std::memcpy(&attr, static_cast<const char*>(msg) + offset, sizeof(attr));
    if (attr.nla_len < sizeof(nlattr) || offset + attr.nla_len > nlh->nlmsg_len) break;
    if ((attr.nla_type & NLA_TYPE_MASK) == NLMSGERR_ATTR_MSG) {
      const char* text = static_cast<const char*>(msg) + offset + sizeof(nlattr);
      size_t n = attr.nla_len - sizeof(nlattr);
      out->ext_ack_text.assign(text, strnlen(text, n));
    }
    offset += NLA_ALIGN(attr.nla_len);
  }
  return true;
}

absl::StatusOr<std::unique_ptr<MnlTransport>> MnlTransport::Create() {
  mnl_socket* nl = mnl_socket_open(NETLINK_NETFILTER);
  if (nl == nullptr) {
    const int err = errno;
    return ErrnoToStatus(err, "nft: open NETLINK_NETFILTER socket (is nf_tables available?)");
  }
  if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
    const int err = errno;
    mnl_socket_close(nl);
    return ErrnoToStatus(err, "nft: bind netlink socket");
  }
  const int fd = mnl_socket_get_fd(nl);
  SetIntOption(fd, SOL_NETLINK, NETLINK_EXT_ACK, 1);
  SetIntOption(fd, SOL_NETLINK, NETLINK_CAP_ACK, 1);
  SetIntOption(fd, SOL_SOCKET, SO_RCVBUF, kReceiveBuffer);
  SetIntOption(fd, SOL_SOCKET, SO_RCVBUFFORCE, kReceiveBuffer);
  auto t = std::unique_ptr<MnlTransport>(new MnlTransport(nl));
  IRONLB_RETURN_IF_ERROR(t->EnsureSendBuffer(kMinSendBuffer));
  return t;
}

MnlTransport::~MnlTransport() { mnl_socket_close(socket_); }

absl::Status MnlTransport::EnsureSendBuffer(size_t bytes) {
  if (bytes <= send_buffer_) return absl::OkStatus();
  const int fd = mnl_socket_get_fd(socket_);
  const int value = static_cast<int>(std::min<size_t>(bytes, 1u << 30));
  // SO_SNDBUFFORCE ignores wmem_max (we run with CAP_NET_ADMIN); SO_SNDBUF is the fallback.
  if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &value, sizeof(value)) < 0 &&
      setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &value, sizeof(value)) < 0) {
    return ErrnoToStatus(errno, "nft: grow netlink send buffer");
  }
  send_buffer_ = bytes;
  return absl::OkStatus();
}

absl::StatusOr<std::vector<std::string>> MnlTransport::Dump(const std::string& request) {
  if (request.size() < sizeof(nlmsghdr)) return absl::InvalidArgumentError("nft: short request");
  nlmsghdr hdr;
  std::memcpy(&hdr, request.data(), sizeof(hdr));
  if (mnl_socket_sendto(socket_, request.data(), request.size()) < 0) {
    return ErrnoToStatus(errno, "nft: send dump request");
  }
  const uint32_t portid = mnl_socket_get_portid(socket_);
  std::vector<std::string> out;
  std::vector<char> buf(256 * 1024);
  // Bounded: a dump ends with NLMSG_DONE or an error; the loop cap only guards a broken kernel.
  for (int rounds = 0; rounds < 1000000; ++rounds) {
    ssize_t n = mnl_socket_recvfrom(socket_, buf.data(), buf.size());
    if (n < 0) return ErrnoToStatus(errno, "nft: receive dump");
    size_t len = static_cast<size_t>(n);
    for (auto* nlh = reinterpret_cast<nlmsghdr*>(buf.data()); NLMSG_OK(nlh, len);
         nlh = NLMSG_NEXT(nlh, len)) {
      if (nlh->nlmsg_seq != hdr.nlmsg_seq || nlh->nlmsg_pid != portid) continue;  // stale
      if (nlh->nlmsg_type == NLMSG_DONE) return out;
      if (nlh->nlmsg_type == NLMSG_ERROR) {
        NetlinkAck ack;
        if (!ParseNetlinkError(nlh, nlh->nlmsg_len, &ack)) {
          return absl::InternalError("nft: malformed netlink error in dump reply");
        }
        if (ack.error == 0) return out;
        return ErrnoToStatus(ack.error, "nft: dump");
      }
      out.emplace_back(reinterpret_cast<const char*>(nlh), nlh->nlmsg_len);
    }
  }
  return absl::InternalError("nft: dump did not end");
}

absl::StatusOr<std::vector<NetlinkAck>> MnlTransport::SendBatch(const std::string& batch) {
  IRONLB_RETURN_IF_ERROR(EnsureSendBuffer(batch.size() + 64 * 1024));
  if (mnl_socket_sendto(socket_, batch.data(), batch.size()) < 0) {
    return ErrnoToStatus(errno, "nft: send batch");
  }
  // nfnetlink processes the batch inside sendmsg, so every reply is already queued: drain the
  // socket without blocking, like nftables' mnl_batch_talk.
  std::vector<NetlinkAck> acks;
  std::vector<char> buf(256 * 1024);
  const int fd = mnl_socket_get_fd(socket_);
  for (int rounds = 0; rounds < 1000000; ++rounds) {
    sockaddr_nl from{};
    socklen_t from_len = sizeof(from);
    ssize_t n = recvfrom(fd, buf.data(), buf.size(), MSG_DONTWAIT,
                         reinterpret_cast<sockaddr*>(&from), &from_len);
    if (n >= 0 && from.nl_pid != 0) continue;  // only the kernel answers batches
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) return acks;
      if (errno == EINTR) continue;
      return ErrnoToStatus(errno, "nft: receive batch replies");
    }
    size_t len = static_cast<size_t>(n);
    for (auto* nlh = reinterpret_cast<nlmsghdr*>(buf.data()); NLMSG_OK(nlh, len);
         nlh = NLMSG_NEXT(nlh, len)) {
      if (nlh->nlmsg_type != NLMSG_ERROR) continue;
      NetlinkAck ack;
      if (ParseNetlinkError(nlh, nlh->nlmsg_len, &ack)) acks.push_back(std::move(ack));
    }
  }
  return absl::InternalError("nft: batch replies did not end");
}

}  // namespace ironlb::nft

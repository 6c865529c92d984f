#include "speaker/layer2/host_probe.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

#include "common/sockaddr.h"

namespace ironlb::speaker {
namespace {}  // namespace

HostProbe::~HostProbe() {
  while (!inflight_.empty()) Close(inflight_.begin()->first);
}

void HostProbe::Probe(const std::string& node, const IpAddress& addr, uint16_t port) {
  if (auto it = by_node_.find(node); it != by_node_.end()) {
    // The previous probe's connection was accepted by the kernel (a listener that does not
    // greet: the old process still exiting, its socket still open): the host is up.
    const int fd = it->second;
    sockaddr_storage peer;
    socklen_t plen = sizeof(peer);
    const bool connected = getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &plen) == 0;
    Close(fd);
    if (connected && alive_) alive_(node);
  }
  sockaddr_storage ss;
  const socklen_t len = ToSockaddr(addr, port, &ss);
  const int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return;
  if (connect(fd, reinterpret_cast<sockaddr*>(&ss), len) == 0 || errno == ECONNREFUSED) {
    close(fd);
    if (alive_) alive_(node);
    return;
  }
  if (errno != EINPROGRESS || !loop_->Watch(fd, [this, fd] { OnEvent(fd); }).ok()) {
    close(fd);
    return;
  }
  inflight_[fd] = node;
  by_node_[node] = fd;
}

void HostProbe::OnEvent(int fd) {
  auto it = inflight_.find(fd);
  if (it == inflight_.end()) return;
  const std::string node = it->second;
  int err = 0;
  socklen_t elen = sizeof(err);
  getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen);
  Close(fd);
  // A reset (nothing listens) or an accepted connection (the successor greets at once): the
  // host's kernel answered. Unreachable and the like: no answer.
  if ((err == 0 || err == ECONNREFUSED) && alive_) alive_(node);
}

void HostProbe::Collect() {
  std::vector<int> fds;
  for (const auto& [fd, node] : inflight_) fds.push_back(fd);
  for (int fd : fds) {
    auto it = inflight_.find(fd);
    if (it == inflight_.end()) continue;
    int err = 0;
    socklen_t elen = sizeof(err);
    getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen);
    sockaddr_storage peer;
    socklen_t plen = sizeof(peer);
    const bool connected = getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &plen) == 0;
    if (err != ECONNREFUSED && !connected) continue;  // still waiting (or unreachable)
    const std::string node = it->second;
    Close(fd);
    if (alive_) alive_(node);
  }
}

void HostProbe::Close(int fd) {
  auto it = inflight_.find(fd);
  if (it == inflight_.end()) return;
  by_node_.erase(it->second);
  inflight_.erase(it);
  loop_->Unwatch(fd);
  close(fd);
}

void HostProbe::Retain(const std::vector<std::string>& keep) {
  for (auto it = by_node_.begin(); it != by_node_.end();) {
    const int fd = it->second;
    ++it;
    if (std::find(keep.begin(), keep.end(), inflight_[fd]) == keep.end()) Close(fd);
  }
}

}  // namespace ironlb::speaker

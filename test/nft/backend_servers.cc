#include "test/nft/backend_servers.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

#include "absl/strings/str_cat.h"

namespace ironlb::nft::testing {
namespace {

bool Sockaddr(int family, const std::string& addr, uint16_t port, sockaddr_storage* ss,
              socklen_t* len) {
  std::memset(ss, 0, sizeof(*ss));
  if (family == AF_INET) {
    auto* v4 = reinterpret_cast<sockaddr_in*>(ss);
    v4->sin_family = AF_INET;
    v4->sin_port = htons(port);
    *len = sizeof(*v4);
    return inet_pton(AF_INET, addr.c_str(), &v4->sin_addr) == 1;
  }
  auto* v6 = reinterpret_cast<sockaddr_in6*>(ss);
  v6->sin6_family = AF_INET6;
  v6->sin6_port = htons(port);
  *len = sizeof(*v6);
  return inet_pton(AF_INET6, addr.c_str(), &v6->sin6_addr) == 1;
}

}  // namespace

BackendServers::BackendServers(const ScopedNetns& netns, int family, int type,
                               std::vector<uint16_t> ports)
    : netns_(netns), family_(family), type_(type) {
  if (pipe2(wake_, O_CLOEXEC | O_NONBLOCK) != 0) return;
  for (uint16_t p : ports) {
    if (!Open(p)) return;
  }
  ok_ = true;
  thread_ = std::thread([this] { Loop(); });
}

BackendServers::~BackendServers() {
  stop_ = true;
  if (wake_[1] >= 0) (void)write(wake_[1], "x", 1);
  if (thread_.joinable()) thread_.join();
  for (auto& [p, fd] : listeners_) close(fd);
  for (auto& [fd, p] : connections_) close(fd);
  for (int fd : wake_) {
    if (fd >= 0) close(fd);
  }
}

bool BackendServers::Open(uint16_t port) {
  int fd = -1;
  (void)RunIn(netns_, [&] {
    fd = socket(family_, type_ | SOCK_CLOEXEC, 0);
    if (fd < 0) return;
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    sockaddr_storage ss;
    socklen_t len;
    Sockaddr(family_, family_ == AF_INET ? "0.0.0.0" : "::", port, &ss, &len);
    if (bind(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0 ||
        (type_ == SOCK_STREAM && listen(fd, 512) != 0)) {
      close(fd);
      fd = -1;
    }
  });
  if (fd < 0) return false;
  std::lock_guard<std::mutex> lock(mu_);
  listeners_[port] = fd;
  return true;
}

void BackendServers::Kill(uint16_t port) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = listeners_.find(port);
    if (it != listeners_.end()) {
      close(it->second);
      listeners_.erase(it);
    }
    for (auto c = connections_.begin(); c != connections_.end();) {
      if (c->second == port) {
        close(c->first);
        c = connections_.erase(c);
      } else {
        ++c;
      }
    }
  }
  (void)write(wake_[1], "x", 1);
}

bool BackendServers::Revive(uint16_t port) {
  const bool opened = Open(port);
  (void)write(wake_[1], "x", 1);
  return opened;
}

void BackendServers::Loop() {
  while (!stop_) {
    std::vector<pollfd> fds;
    std::vector<std::pair<int, uint16_t>> meaning;  // (kind 0 listener / 1 conn, port)
    {
      std::lock_guard<std::mutex> lock(mu_);
      fds.push_back({wake_[0], POLLIN, 0});
      meaning.emplace_back(-1, 0);
      for (auto& [p, fd] : listeners_) {
        fds.push_back({fd, POLLIN, 0});
        meaning.emplace_back(0, p);
      }
      for (auto& [fd, p] : connections_) {
        fds.push_back({fd, POLLIN, 0});
        meaning.emplace_back(1, p);
      }
    }
    if (poll(fds.data(), fds.size(), 1000) <= 0) continue;
    std::lock_guard<std::mutex> lock(mu_);
    char buf[2048];
    if (fds[0].revents != 0) {
      while (read(wake_[0], buf, sizeof(buf)) > 0) {
      }
    }
    for (size_t i = 1; i < fds.size(); ++i) {
      if (fds[i].revents == 0) continue;
      const auto [kind, port] = meaning[i];
      const int fd = fds[i].fd;
      const std::string name = absl::StrCat("b", port);
      if (kind == 0) {
        if (listeners_.count(port) == 0 || listeners_[port] != fd) continue;  // killed meanwhile
        if (type_ == SOCK_STREAM) {
          const int c = accept4(fd, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
          if (c >= 0) connections_[c] = port;
        } else {
          sockaddr_storage peer;
          socklen_t plen = sizeof(peer);
          if (recvfrom(fd, buf, sizeof(buf), MSG_DONTWAIT, reinterpret_cast<sockaddr*>(&peer),
                       &plen) >= 0) {
            (void)sendto(fd, name.data(), name.size(), 0, reinterpret_cast<sockaddr*>(&peer), plen);
          }
        }
      } else {
        auto it = connections_.find(fd);
        if (it == connections_.end()) continue;
        const ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
        if (n > 0) {
          (void)send(fd, name.data(), name.size(), MSG_NOSIGNAL);
        } else if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) {
          close(fd);
          connections_.erase(it);
        }
      }
    }
  }
}

HeldConnection::HeldConnection(const ScopedNetns& netns, const std::string& addr, uint16_t port,
                               int timeout_ms)
    : timeout_ms_(timeout_ms) {
  sockaddr_storage ss;
  socklen_t len;
  const int family = addr.find(':') != std::string::npos ? AF_INET6 : AF_INET;
  if (!Sockaddr(family, addr, port, &ss, &len)) return;
  (void)RunIn(netns, [&] { fd_ = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0); });
  if (fd_ < 0) return;
  timeval tv{timeout_ms / 1000, (timeout_ms % 1000) * 1000};
  setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
  if (connect(fd_, reinterpret_cast<sockaddr*>(&ss), len) != 0) {
    close(fd_);
    fd_ = -1;
  }
}

HeldConnection::~HeldConnection() {
  if (fd_ >= 0) close(fd_);
}

absl::StatusOr<std::string> HeldConnection::Ask() {
  if (fd_ < 0) return absl::UnavailableError("not connected");
  if (send(fd_, "who", 3, MSG_NOSIGNAL) != 3) {
    return absl::UnavailableError(absl::StrCat("send: ", strerror(errno)));
  }
  pollfd p{fd_, POLLIN, 0};
  if (poll(&p, 1, timeout_ms_) != 1) return absl::DeadlineExceededError("no answer");
  char buf[64];
  const ssize_t n = recv(fd_, buf, sizeof(buf), 0);
  if (n <= 0) return absl::UnavailableError("connection closed");
  return std::string(buf, static_cast<size_t>(n));
}

}  // namespace ironlb::nft::testing

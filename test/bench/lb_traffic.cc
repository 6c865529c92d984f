#include "test/bench/lb_traffic.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include "test/nft/traffic_util.h"

namespace ironlb::nft::testing {
namespace {

using Clock = std::chrono::steady_clock;

constexpr size_t kBulkChunk = 64 * 1024;

bool ToSockaddr(const std::string& addr, uint16_t port, sockaddr_in* out) {
  std::memset(out, 0, sizeof(*out));
  out->sin_family = AF_INET;
  out->sin_port = htons(port);
  return inet_pton(AF_INET, addr.c_str(), &out->sin_addr) == 1;
}

// Closes with a reset: no TIME_WAIT on either side.
void CloseWithReset(int fd) {
  linger l{.l_onoff = 1, .l_linger = 0};
  setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
  close(fd);
}

// A blocking socket connected to `to` within `timeout_ms`; -1 when that failed.
int Connect(const sockaddr_in& to, int timeout_ms) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  timeval tv{.tv_sec = timeout_ms / 1000, .tv_usec = (timeout_ms % 1000) * 1000};
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  if (connect(fd, reinterpret_cast<const sockaddr*>(&to), sizeof(to)) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

}  // namespace

BenchServers::BenchServers(const ScopedNetns& netns, std::vector<uint16_t> ports, int threads)
    : netns_(netns) {
  for (int i = 0; i < threads; ++i) {
    const int ep = epoll_create1(EPOLL_CLOEXEC);
    if (ep < 0) return;
    epolls_.push_back(ep);
  }
  for (uint16_t p : ports) {
    if (!Listen(p)) return;
  }
  for (int ep : epolls_) threads_.emplace_back([this, ep] { Loop(ep); });
  ok_ = true;
}

BenchServers::~BenchServers() {
  stop_ = true;
  for (std::thread& t : threads_) t.join();
  for (auto& [p, l] : listeners_) close(l->fd);
  for (int ep : epolls_) close(ep);
  // Connections still open are closed with the process's exit or their client's reset.
}

bool BenchServers::Listen(uint16_t port) {
  int fd = -1;
  (void)RunIn(netns_, [&] {
    fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) return;
    const int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    sockaddr_in a;
    ToSockaddr("0.0.0.0", port, &a);
    if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0 || listen(fd, 4096) != 0) {
      close(fd);
      fd = -1;
    }
  });
  if (fd < 0) return false;
  std::lock_guard<std::mutex> lock(mu_);
  auto entry = std::unique_ptr<Entry>(new Entry{.fd = fd, .port = port, .listener = true});
  listeners_[port] = entry.get();
  for (int ep : epolls_) {
    epoll_event ev{.events = EPOLLIN | EPOLLEXCLUSIVE, .data = {.ptr = entry.get()}};
    epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
  }
  all_listeners_.push_back(std::move(entry));
  return true;
}

void BenchServers::Kill(uint16_t port) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = listeners_.find(port);
  if (it == listeners_.end()) return;
  const int fd = it->second->fd.exchange(-1);
  for (int ep : epolls_) epoll_ctl(ep, EPOLL_CTL_DEL, fd, nullptr);
  close(fd);
  listeners_.erase(it);
}

bool BenchServers::Revive(uint16_t port) { return Listen(port); }

void BenchServers::Loop(int epoll_fd) {
  epoll_event events[64];
  while (!stop_) {
    const int n = epoll_wait(epoll_fd, events, 64, 100);
    for (int i = 0; i < n; ++i) {
      auto* e = static_cast<Entry*>(events[i].data.ptr);
      if (e->listener) {
        OnListener(epoll_fd, e);
      } else {
        OnConnection(epoll_fd, e, events[i].events);
      }
    }
  }
}

void BenchServers::OnListener(int epoll_fd, Entry* l) {
  while (true) {
    const int listen_fd = l->fd.load();
    if (listen_fd < 0) return;  // killed meanwhile
    const int fd = accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (fd < 0) return;
    auto* c = new Entry{.fd = fd, .port = l->port, .listener = false};
    sockaddr_in local{};
    socklen_t len = sizeof(local);
    char text[INET_ADDRSTRLEN] = "?";
    if (getsockname(fd, reinterpret_cast<sockaddr*>(&local), &len) == 0) {
      inet_ntop(AF_INET, &local.sin_addr, text, sizeof(text));
    }
    c->reply = "b" + std::string(text) + ":" + std::to_string(l->port) + "\n";
    epoll_event ev{.events = EPOLLIN | EPOLLRDHUP, .data = {.ptr = c}};
    if (epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &ev) != 0) {
      close(fd);
      delete c;
    }
  }
}

void BenchServers::OnConnection(int epoll_fd, Entry* c, uint32_t events) {
  bool done = (events & (EPOLLERR | EPOLLHUP | EPOLLRDHUP)) != 0;
  if (!done && (events & EPOLLIN) != 0) {
    char buf[256];
    const ssize_t n = read(c->fd, buf, sizeof(buf));
    if (n <= 0 && !(n < 0 && errno == EAGAIN)) done = true;
    std::string reply;
    for (ssize_t i = 0; i < n; ++i) {
      if (buf[i] == 'w') reply += c->reply;
      if (buf[i] == 'b' && !c->bulk) {
        c->bulk = true;
        epoll_event ev{.events = EPOLLOUT | EPOLLRDHUP, .data = {.ptr = c}};
        epoll_ctl(epoll_fd, EPOLL_CTL_MOD, c->fd, &ev);
      }
    }
    if (!reply.empty() && write(c->fd, reply.data(), reply.size()) < 0 && errno != EAGAIN) {
      done = true;
    }
  }
  if (!done && c->bulk && (events & EPOLLOUT) != 0) {
    static const std::string chunk(kBulkChunk, 'x');
    const ssize_t n = send(c->fd, chunk.data(), chunk.size(), MSG_NOSIGNAL);
    if (n < 0 && errno != EAGAIN) done = true;
  }
  if (done) {
    epoll_ctl(epoll_fd, EPOLL_CTL_DEL, c->fd, nullptr);
    close(c->fd);
    delete c;
  }
}

RateResult ConnectionRate(const ScopedNetns& netns, const std::string& address, uint16_t port,
                          int threads, double seconds, int64_t max_connections) {
  sockaddr_in to;
  RateResult total;
  if (!ToSockaddr(address, port, &to)) return total;
  std::atomic<int64_t> completed{0};
  std::mutex mu;
  const auto start = Clock::now();
  const auto end = start + std::chrono::duration<double>(seconds);
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&] {
      RateResult mine;
      (void)RunIn(netns, [&] {
        while (Clock::now() < end && (max_connections == 0 || completed.load() < max_connections)) {
          const int fd = Connect(to, 2000);
          if (fd < 0) {
            ++mine.failures;
            continue;
          }
          char buf[64];
          ssize_t n = -1;
          if (write(fd, "w", 1) == 1) n = read(fd, buf, sizeof(buf));
          CloseWithReset(fd);
          if (n <= 1 || buf[n - 1] != '\n') {
            ++mine.failures;
            continue;
          }
          if (max_connections != 0 && completed.fetch_add(1) >= max_connections) break;
          ++mine.connections;
          ++mine.per_backend[std::string(buf, static_cast<size_t>(n - 1))];
        }
      });
      std::lock_guard<std::mutex> lock(mu);
      total.connections += mine.connections;
      total.failures += mine.failures;
      for (auto& [b, k] : mine.per_backend) total.per_backend[b] += k;
    });
  }
  for (std::thread& w : workers) w.join();
  total.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  return total;
}

ThroughputResult Throughput(const ScopedNetns& netns, const std::string& address, uint16_t port,
                            int connections, double seconds) {
  sockaddr_in to;
  ThroughputResult total;
  if (!ToSockaddr(address, port, &to)) return total;
  std::atomic<int64_t> bytes{0};
  std::atomic<int> failed{0};
  const auto start = Clock::now();
  const auto end = start + std::chrono::duration<double>(seconds);
  std::vector<std::thread> workers;
  for (int t = 0; t < connections; ++t) {
    workers.emplace_back([&] {
      (void)RunIn(netns, [&] {
        const int fd = Connect(to, 2000);
        if (fd < 0 || write(fd, "b", 1) != 1) {
          ++failed;
          if (fd >= 0) close(fd);
          return;
        }
        std::vector<char> buf(256 * 1024);
        while (Clock::now() < end) {
          const ssize_t n = read(fd, buf.data(), buf.size());
          if (n <= 0) {
            ++failed;
            break;
          }
          bytes += n;
        }
        CloseWithReset(fd);
      });
    });
  }
  for (std::thread& w : workers) w.join();
  total.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  total.bytes = bytes.load();
  total.failed_connections = failed.load();
  return total;
}

}  // namespace ironlb::nft::testing

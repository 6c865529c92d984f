#include "test/lab/tcp_streams.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <future>

#include "absl/strings/str_cat.h"
#include "test/lab/host_command.h"

namespace ironlb::lab {
namespace {

int PollMs(absl::Duration d) { return static_cast<int>(absl::ToInt64Milliseconds(d)); }

}  // namespace

absl::StatusOr<std::unique_ptr<StreamServer>> StreamServer::Start(const std::string& netns,
                                                                  uint16_t port,
                                                                  absl::Duration period) {
  auto server = std::unique_ptr<StreamServer>(new StreamServer());
  server->period_ = period;
  // The socket belongs to the namespace of the thread that creates it.
  auto made = std::async(std::launch::async, [&]() -> absl::StatusOr<int> {
    if (absl::Status s = EnterNetnsForThread(netns); !s.ok()) return s;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return absl::InternalError("socket failed");
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || listen(fd, 128) != 0) {
      close(fd);
      return absl::InternalError(
          absl::StrCat("stream server: bind/listen ", port, ": ", strerror(errno)));
    }
    return fd;
  });
  absl::StatusOr<int> fd = made.get();
  if (!fd.ok()) return fd.status();
  server->listen_fd_ = *fd;
  server->acceptor_ = std::thread([s = server.get()] {
    while (!s->stop_) {
      pollfd p{s->listen_fd_, POLLIN, 0};
      if (poll(&p, 1, 100) <= 0) continue;
      int c = accept4(s->listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (c < 0) continue;
      std::lock_guard<std::mutex> l(s->mu_);
      s->conns_.emplace_back(&StreamServer::Serve, s, c);
    }
  });
  return server;
}

void StreamServer::Serve(int fd) {
  char mode = 0;
  absl::Time next = absl::Now();
  while (!stop_) {
    pollfd p{fd, POLLIN, 0};
    const int n = poll(&p, 1, PollMs(period_ / 4) + 1);
    if (n > 0) {
      char buf[4096];
      ssize_t got = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
      if (got == 0 || (got < 0 && errno != EAGAIN && errno != EINTR)) break;
      if (got > 0) {
        size_t start = 0;
        if (mode == 0) {
          mode = buf[0];
          start = 2;  // "e\n" / "d\n"
        }
        if (mode == 'e' && static_cast<size_t>(got) > start) {
          if (send(fd, buf + start, static_cast<size_t>(got) - start, MSG_NOSIGNAL) < 0) break;
        }
      }
    }
    if (mode == 'd' && absl::Now() >= next) {
      next = absl::Now() + period_;
      if (send(fd, "t\n", 2, MSG_NOSIGNAL | MSG_DONTWAIT) < 0 && errno != EAGAIN) break;
    }
  }
  close(fd);
}

void StreamServer::Stop() {
  if (stop_.exchange(true)) return;
  if (acceptor_.joinable()) acceptor_.join();
  std::vector<std::thread> conns;
  {
    std::lock_guard<std::mutex> l(mu_);
    conns.swap(conns_);
  }
  for (std::thread& t : conns) t.join();
  if (listen_fd_ >= 0) close(listen_fd_);
  listen_fd_ = -1;
}

StreamServer::~StreamServer() { Stop(); }

absl::StatusOr<std::unique_ptr<TcpStreams>> TcpStreams::Start(const std::string& netns,
                                                              const std::string& address,
                                                              uint16_t port, int count,
                                                              absl::Duration period) {
  auto streams = std::unique_ptr<TcpStreams>(new TcpStreams());
  streams->period_ = period;
  streams->stats_.resize(static_cast<size_t>(count));
  for (size_t i = 0; i < streams->stats_.size(); ++i) streams->stats_[i].download = i % 2 == 1;
  for (size_t i = 0; i < streams->stats_.size(); ++i) {
    streams->threads_.emplace_back(&TcpStreams::Run, streams.get(), i, netns, address, port);
  }
  // Every stream connected and receiving (bounded).
  const absl::Time end = absl::Now() + absl::Seconds(20);
  while (absl::Now() < end) {
    int up = 0;
    for (const StreamStats& s : streams->Stats()) up += s.lines > 0 && !s.reset;
    if (up == count) return streams;
    absl::SleepFor(absl::Milliseconds(20));
  }
  std::string why;
  for (const StreamStats& s : streams->Stats()) {
    if (s.reset) why = s.error;
  }
  return absl::DeadlineExceededError(
      absl::StrCat("streams to ", address, ":", port, " did not all start in 20 s ", why));
}

void TcpStreams::Run(size_t index, std::string netns, std::string address, uint16_t port) {
  auto fail = [&](const std::string& why) {
    std::lock_guard<std::mutex> l(mu_);
    stats_[index].reset = true;
    stats_[index].error = why;
  };
  if (absl::Status s = EnterNetnsForThread(netns); !s.ok()) return fail(s.ToString());
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return fail("socket failed");
  timeval tv{5, 0};
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  inet_pton(AF_INET, address.c_str(), &a.sin_addr);
  bool download;
  {
    std::lock_guard<std::mutex> l(mu_);
    download = stats_[index].download;
  }
  if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      send(fd, download ? "d\n" : "e\n", 2, MSG_NOSIGNAL) != 2) {
    close(fd);
    return fail(absl::StrCat("connect: ", strerror(errno)));
  }
  {
    std::lock_guard<std::mutex> l(mu_);
    stats_[index].connected = true;
    stats_[index].last_line = absl::Now();
  }
  absl::Time next_send = absl::Now();
  while (!stop_) {
    if (!download && absl::Now() >= next_send) {
      next_send = absl::Now() + period_;
      if (send(fd, "x\n", 2, MSG_NOSIGNAL | MSG_DONTWAIT) < 0 && errno != EAGAIN) {
        fail(absl::StrCat("send: ", strerror(errno)));
        break;
      }
    }
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, PollMs(period_ / 4) + 1) <= 0) continue;
    char buf[4096];
    ssize_t got = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
    if (got == 0) {
      fail("closed by the other end");
      break;
    }
    if (got < 0) {
      if (errno == EAGAIN || errno == EINTR) continue;
      fail(absl::StrCat("recv: ", strerror(errno)));
      break;
    }
    int lines = 0;
    for (ssize_t i = 0; i < got; ++i) lines += buf[i] == '\n';
    if (lines == 0) continue;
    const absl::Time now = absl::Now();
    std::lock_guard<std::mutex> l(mu_);
    StreamStats& s = stats_[index];
    s.lines += lines;
    if (now - s.last_line > s.max_gap) s.max_gap = now - s.last_line;
    s.last_line = now;
  }
  close(fd);
}

std::vector<StreamStats> TcpStreams::Stats() const {
  std::lock_guard<std::mutex> l(mu_);
  std::vector<StreamStats> out = stats_;
  const absl::Time now = absl::Now();
  for (StreamStats& s : out) {  // a stall still going on counts too
    if (s.connected && !s.reset && now - s.last_line > s.max_gap) s.max_gap = now - s.last_line;
  }
  return out;
}

void TcpStreams::ResetGaps() {
  std::lock_guard<std::mutex> l(mu_);
  for (StreamStats& s : stats_) s.max_gap = absl::ZeroDuration();
}

bool TcpStreams::WaitAllFlowingSince(absl::Time since, absl::Duration limit) const {
  const absl::Time end = absl::Now() + limit;
  while (true) {
    bool all = true;
    for (const StreamStats& s : Stats()) all = all && (s.reset || s.last_line > since);
    if (all) return true;
    if (absl::Now() >= end) return false;
    absl::SleepFor(absl::Milliseconds(20));
  }
}

void TcpStreams::Stop() {
  if (stop_.exchange(true)) return;
  for (std::thread& t : threads_) t.join();
}

TcpStreams::~TcpStreams() { Stop(); }

}  // namespace ironlb::lab

#include "test/lab/held_connection.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <thread>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "test/lab/host_command.h"

namespace ironlb::lab {
namespace {

int PollMs(absl::Time deadline) {
  const int64_t ms = absl::ToInt64Milliseconds(deadline - absl::Now());
  return ms < 0 ? 0 : static_cast<int>(ms);
}

// Reads until `want` bytes arrived or a newline when `want` is 0; bounded by `deadline`.
absl::StatusOr<std::string> ReadReply(int fd, size_t want, absl::Time deadline) {
  std::string got;
  while (true) {
    if (want > 0 ? got.size() >= want : got.find('\n') != std::string::npos) return got;
    pollfd p{.fd = fd, .events = POLLIN, .revents = 0};
    const int n = poll(&p, 1, PollMs(deadline));
    if (n == 0) return absl::DeadlineExceededError(absl::StrCat("timeout, got \"", got, "\""));
    if (n < 0 && errno != EINTR) return absl::InternalError(strerror(errno));
    char buf[4096];
    const ssize_t r = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
    if (r == 0)
      return absl::UnavailableError(absl::StrCat("closed by the peer after \"", got, "\""));
    if (r < 0) {
      if (errno == EAGAIN || errno == EINTR) continue;
      return absl::UnavailableError(strerror(errno));
    }
    got.append(buf, static_cast<size_t>(r));
  }
}

}  // namespace

absl::StatusOr<std::unique_ptr<HeldConnection>> HeldConnection::Open(const std::string& netns,
                                                                     const std::string& address,
                                                                     uint16_t port,
                                                                     uint16_t source_port,
                                                                     absl::Duration timeout) {
  sockaddr_storage to{};
  sockaddr_storage from{};
  socklen_t len = 0;
  int family = AF_INET;
  auto* v4 = reinterpret_cast<sockaddr_in*>(&to);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&to);
  if (inet_pton(AF_INET, address.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(port);
    len = sizeof(sockaddr_in);
    auto* f = reinterpret_cast<sockaddr_in*>(&from);
    f->sin_family = AF_INET;
    f->sin_port = htons(source_port);
  } else if (inet_pton(AF_INET6, address.c_str(), &v6->sin6_addr) == 1) {
    family = AF_INET6;
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(port);
    len = sizeof(sockaddr_in6);
    auto* f = reinterpret_cast<sockaddr_in6*>(&from);
    f->sin6_family = AF_INET6;
    f->sin6_port = htons(source_port);
  } else {
    return absl::InvalidArgumentError(absl::StrCat("held connection: bad address ", address));
  }
  const absl::Time deadline = absl::Now() + timeout;
  absl::StatusOr<int> fd = absl::UnknownError("not run");
  // The socket is made in the namespace (by a thread that entered it) and stays there.
  std::thread t([&] {
    if (absl::Status s = EnterNetnsForThread(netns); !s.ok()) {
      fd = s;
      return;
    }
    const int s = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (s < 0) {
      fd = absl::InternalError(absl::StrCat("socket: ", strerror(errno)));
      return;
    }
    fd = s;
  });
  t.join();
  if (!fd.ok()) return fd.status();
  auto conn = std::unique_ptr<HeldConnection>(new HeldConnection(*fd, ""));
  const std::string what = absl::StrCat("held connection ", address, ":", port, " from ", netns);
  if (source_port != 0) {
    const int one = 1;
    setsockopt(*fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (bind(*fd, reinterpret_cast<sockaddr*>(&from), len) != 0) {
      return absl::UnavailableError(
          absl::StrCat(what, ": bind port ", source_port, ": ", strerror(errno)));
    }
  }
  // A blocking connect bounded by the socket's send timeout.
  const int64_t us = std::max<int64_t>(1000, absl::ToInt64Microseconds(timeout));
  timeval tv{.tv_sec = us / 1000000, .tv_usec = us % 1000000};
  setsockopt(*fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
  if (connect(*fd, reinterpret_cast<sockaddr*>(&to), len) != 0) {
    return absl::UnavailableError(absl::StrCat(what, ": connect: ", strerror(errno)));
  }
  auto name = ReadReply(*fd, 0, deadline);
  if (!name.ok()) return absl::UnavailableError(absl::StrCat(what, ": ", name.status().message()));
  conn->backend_ = std::string(absl::StripAsciiWhitespace(*name));
  return conn;
}

HeldConnection::~HeldConnection() {
  if (fd_ >= 0) close(fd_);
}

absl::Status HeldConnection::Echo(const std::string& payload, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  if (send(fd_, payload.data(), payload.size(), MSG_NOSIGNAL) !=
      static_cast<ssize_t>(payload.size())) {
    return absl::UnavailableError(
        absl::StrCat("connection to ", backend_, ": send: ", strerror(errno)));
  }
  auto got = ReadReply(fd_, payload.size(), deadline);
  if (!got.ok()) {
    return absl::UnavailableError(
        absl::StrCat("connection to ", backend_, ": ", got.status().message()));
  }
  if (*got != payload) {
    return absl::DataLossError(
        absl::StrCat("connection to ", backend_, ": sent \"", payload, "\", got \"", *got, "\""));
  }
  return absl::OkStatus();
}

}  // namespace ironlb::lab

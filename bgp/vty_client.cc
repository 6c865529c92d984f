#include "bgp/vty_client.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/errno_status.h"

namespace ironlb::bgp {
namespace {

constexpr int kCmdSuccess = 0;
constexpr int kCmdSuccessDaemon = 10;
constexpr size_t kMaxReplyBytes = 64 << 20;  // a full BGP table in JSON can be large

}  // namespace

bool VtyResultOk(int code) { return code == kCmdSuccess || code == kCmdSuccessDaemon; }

absl::StatusOr<std::unique_ptr<VtyClient>> VtyClient::Connect(std::string daemon,
                                                              std::string socket_path,
                                                              absl::Duration timeout) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (socket_path.size() >= sizeof(addr.sun_path)) {
    return absl::InvalidArgumentError(absl::StrCat("vty socket path too long: ", socket_path));
  }
  std::memcpy(addr.sun_path, socket_path.c_str(), socket_path.size() + 1);
  const int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return ErrnoToStatus(errno, absl::StrCat("FRR ", daemon, ": vty socket"));
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    const int err = errno;
    close(fd);
    return ErrnoToStatus(err, absl::StrCat("FRR ", daemon, ": connect to ", socket_path, " (is ",
                                           daemon, " running?)"));
  }
  std::unique_ptr<VtyClient> c(new VtyClient(std::move(daemon), fd, timeout));
  auto enable = c->Execute("enable");
  if (!enable.ok()) return enable.status();
  return c;
}

VtyClient::~VtyClient() { close(fd_); }

absl::StatusOr<std::pair<int, std::string>> VtyClient::Exchange(absl::string_view command) {
  const absl::Time deadline = absl::Now() + timeout_;
  std::string out(command);
  out.push_back('\0');
  size_t sent = 0;
  while (sent < out.size()) {
    const ssize_t n = send(fd_, out.data() + sent, out.size() - sent, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoToStatus(errno, absl::StrCat("FRR ", daemon_, ": send \"", command, "\""));
    }
    sent += static_cast<size_t>(n);
  }
  std::string reply;
  char buf[16384];
  while (true) {
    // The reply ends with three NULs and the result code.
    const size_t nul = reply.find('\0');
    if (nul != std::string::npos && reply.size() >= nul + 4) {
      const int code = static_cast<unsigned char>(reply[nul + 3]);
      reply.resize(nul);
      return std::make_pair(code, std::move(reply));
    }
    const absl::Duration left = deadline - absl::Now();
    if (left <= absl::ZeroDuration()) {
      return absl::DeadlineExceededError(absl::StrCat("FRR ", daemon_, ": no answer to \"", command,
                                                      "\" within ",
                                                      absl::FormatDuration(timeout_)));
    }
    pollfd p{fd_, POLLIN, 0};
    const int r = poll(&p, 1, static_cast<int>(absl::ToInt64Milliseconds(left)) + 1);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) continue;
    const ssize_t n = recv(fd_, buf, sizeof(buf), 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      return absl::UnavailableError(
          absl::StrCat("FRR ", daemon_, ": connection closed during \"", command, "\""));
    }
    reply.append(buf, static_cast<size_t>(n));
    if (reply.size() > kMaxReplyBytes) {
      return absl::ResourceExhaustedError(
          absl::StrCat("FRR ", daemon_, ": reply to \"", command, "\" is over 64 MiB"));
    }
  }
}

absl::StatusOr<std::vector<std::pair<int, std::string>>> VtyClient::ExchangeAll(
    const std::vector<std::string>& commands) {
  const absl::Time deadline = absl::Now() + timeout_;
  std::string out;
  for (const std::string& c : commands) {
    out.append(c);
    out.push_back('\0');
  }
  std::vector<std::pair<int, std::string>> answers;
  answers.reserve(commands.size());
  std::string reply;
  size_t sent = 0;
  char buf[65536];
  // Writing and reading interleave: bgpd answers while it reads, and neither side may block on
  // a full socket buffer.
  while (answers.size() < commands.size()) {
    const absl::Duration left = deadline - absl::Now();
    if (left <= absl::ZeroDuration()) {
      return absl::DeadlineExceededError(absl::StrCat(
          "FRR ", daemon_, ": no answer to a batch of ", commands.size(), " commands within ",
          absl::FormatDuration(timeout_), " (", answers.size(), " answered)"));
    }
    pollfd p{fd_, static_cast<short>(POLLIN | (sent < out.size() ? POLLOUT : 0)), 0};
    const int r = poll(&p, 1, static_cast<int>(absl::ToInt64Milliseconds(left)) + 1);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) continue;
    if ((p.revents & POLLOUT) && sent < out.size()) {
      const ssize_t n =
          send(fd_, out.data() + sent, out.size() - sent, MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n < 0 && errno != EINTR && errno != EAGAIN) {
        return ErrnoToStatus(errno, absl::StrCat("FRR ", daemon_, ": send a batch of ",
                                                 commands.size(), " commands"));
      }
      if (n > 0) sent += static_cast<size_t>(n);
    }
    if (p.revents & (POLLIN | POLLHUP | POLLERR)) {
      const ssize_t n = recv(fd_, buf, sizeof(buf), MSG_DONTWAIT);
      if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
      if (n <= 0) {
        return absl::UnavailableError(absl::StrCat("FRR ", daemon_,
                                                   ": connection closed during a batch of ",
                                                   commands.size(), " commands"));
      }
      reply.append(buf, static_cast<size_t>(n));
      if (reply.size() > kMaxReplyBytes) {
        return absl::ResourceExhaustedError(
            absl::StrCat("FRR ", daemon_, ": reply to a batch is over 64 MiB"));
      }
      // Each answer: output, three NULs, the result code.
      size_t start = 0;
      while (answers.size() < commands.size()) {
        const size_t nul = reply.find('\0', start);
        if (nul == std::string::npos || reply.size() < nul + 4) break;
        answers.emplace_back(static_cast<unsigned char>(reply[nul + 3]),
                             reply.substr(start, nul - start));
        start = nul + 4;
      }
      reply.erase(0, start);
    }
  }
  return answers;
}

absl::Status VtyClient::ConfigureAll(const std::vector<std::string>& lines) {
  std::vector<std::string> commands;
  commands.reserve(lines.size() + 2);
  commands.push_back("configure terminal");
  commands.insert(commands.end(), lines.begin(), lines.end());
  commands.push_back("end");
  auto answers = ExchangeAll(commands);
  if (!answers.ok()) return answers.status();
  for (size_t i = 0; i + 1 < answers->size(); ++i) {
    const auto& [code, text] = (*answers)[i];
    if (!VtyResultOk(code)) {
      return absl::InvalidArgumentError(absl::StrCat("FRR ", daemon_, " refused \"", commands[i],
                                                     "\" (code ", code,
                                                     "): ", absl::StripAsciiWhitespace(text)));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> VtyClient::Execute(absl::string_view command) {
  auto r = Exchange(command);
  if (!r.ok()) return r.status();
  if (!VtyResultOk(r->first)) {
    return absl::InvalidArgumentError(absl::StrCat("FRR ", daemon_, " refused \"", command,
                                                   "\" (code ", r->first,
                                                   "): ", absl::StripAsciiWhitespace(r->second)));
  }
  return std::move(r->second);
}

absl::Status VtyClient::Configure(const std::vector<std::string>& lines) {
  auto conf = Execute("configure terminal");
  if (!conf.ok()) return conf.status();
  absl::Status result = absl::OkStatus();
  for (const std::string& line : lines) {
    auto r = Execute(line);
    if (!r.ok()) {
      result = r.status();
      break;
    }
  }
  auto end = Exchange("end");
  if (result.ok() && !end.ok()) return end.status();
  return result;
}

}  // namespace ironlb::bgp

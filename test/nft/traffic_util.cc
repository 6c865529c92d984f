#include "test/nft/traffic_util.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <regex>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace ironlb::nft::testing {

absl::Status RunIn(const ScopedNetns& netns, const std::function<void()>& fn) {
  const int saved = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
  const int target = open(("/run/netns/" + netns.name()).c_str(), O_RDONLY | O_CLOEXEC);
  if (saved < 0 || target < 0 || setns(target, CLONE_NEWNET) != 0) {
    if (saved >= 0) close(saved);
    if (target >= 0) close(target);
    return absl::InternalError("cannot enter netns " + netns.name());
  }
  close(target);
  fn();
  const int rc = setns(saved, CLONE_NEWNET);
  close(saved);
  return rc == 0 ? absl::OkStatus() : absl::InternalError("cannot return from netns");
}

absl::StatusOr<NftIn> ReconcilerIn(const ScopedNetns& netns) {
  absl::StatusOr<std::unique_ptr<MnlTransport>> transport =
      absl::InternalError("no transport opened");
  absl::Status entered = RunIn(netns, [&transport] { transport = MnlTransport::Create(); });
  if (!entered.ok()) return entered;
  if (!transport.ok()) return transport.status();
  NftIn nft;
  nft.transport = std::move(*transport);
  nft.reconciler = std::make_unique<Reconciler>(nft.transport.get());
  return nft;
}

Lab::Lab() {
  if (!client.ok() || !router.ok() || !server.ok()) return;
  const std::string c = client.Exec(), r = router.Exec(), s = server.Exec();
  const std::vector<std::string> cmds = {
      "ip link add c-r netns " + client.name() + " type veth peer name r-c netns " + router.name(),
      "ip link add s-r netns " + server.name() + " type veth peer name r-s netns " + router.name(),
      c + "ip addr add 10.0.1.2/24 dev c-r",
      c + "ip addr add fd00:1::2/64 dev c-r nodad",
      c + "ip link set c-r up",
      c + "ip route add default via 10.0.1.1",
      c + "ip -6 route add default via fd00:1::1",
      r + "ip addr add 10.0.1.1/24 dev r-c",
      r + "ip addr add fd00:1::1/64 dev r-c nodad",
      r + "ip addr add 10.0.2.1/24 dev r-s",
      r + "ip addr add fd00:2::1/64 dev r-s nodad",
      r + "ip link set r-c up",
      r + "ip link set r-s up",
      r + "sysctl -qw net.ipv4.ip_forward=1",
      r + "sysctl -qw net.ipv6.conf.all.forwarding=1",
      s + "ip addr add 10.0.2.2/24 dev s-r",
      s + "ip addr add fd00:2::2/64 dev s-r nodad",
      s + "ip link set s-r up",
  };
  for (const std::string& cmd : cmds) {
    if (!Run(cmd).ok()) return;
  }
  ok = true;
}

namespace {

bool ToSockaddr(const std::string& addr, uint16_t port, sockaddr_storage* ss, socklen_t* len) {
  std::memset(ss, 0, sizeof(*ss));
  auto* v4 = reinterpret_cast<sockaddr_in*>(ss);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(ss);
  if (inet_pton(AF_INET, addr.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(port);
    *len = sizeof(*v4);
    return true;
  }
  if (inet_pton(AF_INET6, addr.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(port);
    *len = sizeof(*v6);
    return true;
  }
  return false;
}

std::string AddrText(const sockaddr_storage& ss) {
  char buf[INET6_ADDRSTRLEN] = {};
  if (ss.ss_family == AF_INET) {
    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(&ss)->sin_addr, buf, sizeof(buf));
  } else {
    inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(&ss)->sin6_addr, buf, sizeof(buf));
  }
  return buf;
}

bool WaitReadable(int fd, int timeout_ms) {
  pollfd p{fd, POLLIN, 0};
  return poll(&p, 1, timeout_ms) == 1;
}

}  // namespace

EchoServer::EchoServer(const ScopedNetns& netns, int family, int type, uint16_t port,
                       int timeout_ms)
    : type_(type), timeout_ms_(timeout_ms) {
  (void)RunIn(netns, [&] {
    fd_ = socket(family, type | SOCK_CLOEXEC, 0);
    if (fd_ < 0) return;
    int one = 1;
    setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    sockaddr_storage ss;
    socklen_t len;
    ToSockaddr(family == AF_INET ? "0.0.0.0" : "::", port, &ss, &len);
    if (bind(fd_, reinterpret_cast<sockaddr*>(&ss), len) != 0 ||
        (type == SOCK_STREAM && listen(fd_, 4) != 0)) {
      close(fd_);
      fd_ = -1;
    }
  });
  if (fd_ < 0) return;
  thread_ = std::thread([this] {
    if (!WaitReadable(fd_, timeout_ms_)) return;
    sockaddr_storage peer;
    socklen_t plen = sizeof(peer);
    char buf[2048];
    if (type_ == SOCK_STREAM) {
      const int c = accept4(fd_, reinterpret_cast<sockaddr*>(&peer), &plen, SOCK_CLOEXEC);
      if (c < 0) return;
      peer_ = AddrText(peer);
      if (WaitReadable(c, timeout_ms_)) {
        const ssize_t n = recv(c, buf, sizeof(buf), 0);
        if (n > 0) {
          std::string reply = "echo:" + std::string(buf, static_cast<size_t>(n));
          (void)send(c, reply.data(), reply.size(), MSG_NOSIGNAL);
        }
      }
      close(c);
    } else {
      const ssize_t n =
          recvfrom(fd_, buf, sizeof(buf), 0, reinterpret_cast<sockaddr*>(&peer), &plen);
      if (n < 0) return;
      peer_ = AddrText(peer);
      std::string reply = "echo:" + std::string(buf, static_cast<size_t>(n));
      (void)sendto(fd_, reply.data(), reply.size(), 0, reinterpret_cast<sockaddr*>(&peer), plen);
    }
  });
}

EchoServer::~EchoServer() {
  Finish();
  if (fd_ >= 0) close(fd_);
}

std::string EchoServer::Finish() {
  if (thread_.joinable()) thread_.join();
  return peer_;
}

absl::StatusOr<std::string> Exchange(const ScopedNetns& netns, const std::string& addr,
                                     uint16_t port, int type, const std::string& payload,
                                     int timeout_ms) {
  sockaddr_storage ss;
  socklen_t len;
  if (!ToSockaddr(addr, port, &ss, &len)) return absl::InvalidArgumentError("bad address");
  int fd = -1;
  absl::Status entered =
      RunIn(netns, [&] { fd = socket(ss.ss_family, type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0); });
  if (!entered.ok()) return entered;
  if (fd < 0) return absl::InternalError("socket failed");
  std::string reply;
  absl::Status status = absl::OkStatus();
  if (connect(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0 && errno != EINPROGRESS) {
    status = absl::UnavailableError(absl::StrCat("connect: ", strerror(errno)));
  } else {
    pollfd p{fd, POLLOUT, 0};
    if (poll(&p, 1, timeout_ms) != 1) {
      status = absl::DeadlineExceededError("connect timed out");
    } else {
      int err = 0;
      socklen_t elen = sizeof(err);
      getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen);
      if (err != 0) {
        status = absl::UnavailableError(absl::StrCat("connect: ", strerror(err)));
      } else if (send(fd, payload.data(), payload.size(), MSG_NOSIGNAL) < 0) {
        status = absl::UnavailableError(absl::StrCat("send: ", strerror(errno)));
      } else if (!WaitReadable(fd, timeout_ms)) {
        status = absl::DeadlineExceededError("no reply");
      } else {
        char buf[2048];
        const ssize_t n = recv(fd, buf, sizeof(buf), 0);
        if (n <= 0) {
          status = absl::UnavailableError("recv failed");
        } else {
          reply.assign(buf, static_cast<size_t>(n));
        }
      }
    }
  }
  close(fd);
  if (!status.ok()) return status;
  return reply;
}

Capture::Capture(const ScopedNetns& netns, const std::string& interface,
                 const std::string& filter) {
  file_ = absl::StrCat("/tmp/", netns.name(), "-", interface, ".pcap");
  pid_ = fork();
  if (pid_ == 0) {
    const int devnull = open("/dev/null", O_WRONLY);
    if (devnull >= 0) dup2(devnull, STDERR_FILENO);
    execlp("ip", "ip", "netns", "exec", netns.name().c_str(), "tcpdump", "-q", "-i",
           interface.c_str(), "-U", "--immediate-mode", "-w", file_.c_str(), filter.c_str(),
           static_cast<char*>(nullptr));
    _exit(127);
  }
  // Wait (bounded: 30 s, a hung test only) until tcpdump has created its file, i.e. the capture
  // is running.
  for (int i = 0; i < 300 && access(file_.c_str(), F_OK) != 0; ++i) usleep(100 * 1000);
  usleep(200 * 1000);
}

Capture::~Capture() { (void)Stop(); }

absl::StatusOr<std::string> Capture::StopWhen(const std::function<bool(const std::string&)>& seen) {
  if (pid_ <= 0) return absl::FailedPreconditionError("capture not running");
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    auto text = Run("tcpdump -nn -v -r " + file_ + " 2>/dev/null || true");
    if (text.ok() && seen(*text)) break;
    usleep(50 * 1000);
  }
  return Stop();
}

absl::StatusOr<std::string> Capture::Stop() {
  if (pid_ <= 0) return absl::FailedPreconditionError("capture not running");
  usleep(300 * 1000);  // let the last packets reach the file
  kill(pid_, SIGTERM);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
  auto text = Run("tcpdump -nn -v -r " + file_);
  std::remove(file_.c_str());
  return text;
}

SynMss ParseSynMss(const std::string& text) {
  SynMss out;
  // tcpdump -v prints the IP line, then "src > dst: Flags [S.], ... options [mss 1000,...".
  static const std::regex kLine(R"(Flags \[(S|S\.)\].*mss (\d+))");
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    std::match_results<absl::string_view::const_iterator> m;
    if (std::regex_search(line.begin(), line.end(), m, kLine)) {
      const int mss = std::stoi(m[2].str());
      if (m[1].str() == "S") {
        out.syn = mss;
      } else {
        out.syn_ack = mss;
      }
    }
  }
  return out;
}

}  // namespace ironlb::nft::testing

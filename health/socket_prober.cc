// The real prober. TCP: a non-blocking connect, polled until the timeout. UDP: a connected
// socket (so an ICMP port-unreachable comes back as ECONNREFUSED), send, wait for a reply.
// HTTP(S): cpp-httplib's client with connect/read/write timeouts; HTTPS does not verify the
// backend's certificate (backends are addressed by IP, usually with self-signed certificates):
// the check is of liveness, not identity.
#include <arpa/inet.h>
#include <httplib.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstring>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "health/probe.h"

namespace ironlb::health {
namespace {

using Clock = std::chrono::steady_clock;

ProbeResult Up(std::string d = "ok") { return {ProbeResult::Kind::kUp, std::move(d)}; }
ProbeResult Down(std::string d) { return {ProbeResult::Kind::kDown, std::move(d)}; }
ProbeResult Local(std::string d) { return {ProbeResult::Kind::kLocalError, std::move(d)}; }

socklen_t Sockaddr(const IpAddress& a, uint16_t port, sockaddr_storage* ss) {
  std::memset(ss, 0, sizeof(*ss));
  if (a.is_v4()) {
    auto* v4 = reinterpret_cast<sockaddr_in*>(ss);
    v4->sin_family = AF_INET;
    v4->sin_port = htons(port);
    v4->sin_addr = a.ToV4();
    return sizeof(*v4);
  }
  auto* v6 = reinterpret_cast<sockaddr_in6*>(ss);
  v6->sin6_family = AF_INET6;
  v6->sin6_port = htons(port);
  v6->sin6_addr = a.ToV6();
  return sizeof(*v6);
}

int RemainingMs(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return left.count() > 0 ? static_cast<int>(left.count()) : 0;
}

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) close(fd_);
  }
  int get() const { return fd_; }

 private:
  int fd_;
};

// Connects a non-blocking socket of `type`; "" on success, else why not.
std::string Connect(int fd, const IpAddress& a, uint16_t port, Clock::time_point deadline) {
  sockaddr_storage ss;
  const socklen_t len = Sockaddr(a, port, &ss);
  if (connect(fd, reinterpret_cast<sockaddr*>(&ss), len) == 0) return "";
  if (errno != EINPROGRESS) return absl::StrCat("connect: ", strerror(errno));
  pollfd p{fd, POLLOUT, 0};
  const int n = poll(&p, 1, RemainingMs(deadline));
  if (n == 0) return "connect: timed out";
  if (n < 0) return absl::StrCat("poll: ", strerror(errno));
  int err = 0;
  socklen_t elen = sizeof(err);
  getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen);
  return err == 0 ? "" : absl::StrCat("connect: ", strerror(err));
}

ProbeResult ProbeTcp(const IpAddress& a, uint16_t port, Clock::time_point deadline) {
  Fd fd(socket(a.is_v4() ? AF_INET : AF_INET6, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (fd.get() < 0) return Local(absl::StrCat("cannot open a TCP socket: ", strerror(errno)));
  // Close with RST: a check every 200 ms should not leave TIME_WAIT sockets behind.
  linger lg{1, 0};
  setsockopt(fd.get(), SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
  std::string err = Connect(fd.get(), a, port, deadline);
  return err.empty() ? Up("connected") : Down(err);
}

ProbeResult ProbeUdp(const config::HealthCheck& c, const IpAddress& a, uint16_t port,
                     Clock::time_point deadline) {
  Fd fd(socket(a.is_v4() ? AF_INET : AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (fd.get() < 0) return Local(absl::StrCat("cannot open a UDP socket: ", strerror(errno)));
  std::string err = Connect(fd.get(), a, port, deadline);
  if (!err.empty()) return Local(err);
  if (send(fd.get(), c.send.data(), c.send.size(), 0) < 0) {
    return errno == ECONNREFUSED ? Down("port unreachable")
                                 : Down(absl::StrCat("send: ", strerror(errno)));
  }
  pollfd p{fd.get(), POLLIN, 0};
  const int n = poll(&p, 1, RemainingMs(deadline));
  if (n == 0) {
    return c.expect.empty() ? Up("no reply and no error") : Down("no reply within the timeout");
  }
  char buf[2048];
  const ssize_t got = recv(fd.get(), buf, sizeof(buf), 0);
  if (got < 0) {
    return errno == ECONNREFUSED ? Down("port unreachable")
                                 : Down(absl::StrCat("recv: ", strerror(errno)));
  }
  if (!c.expect.empty() &&
      !absl::StrContains(absl::string_view(buf, static_cast<size_t>(got)), c.expect)) {
    return Down("reply does not contain the expected text");
  }
  return Up("replied");
}

ProbeResult ProbeHttp(const config::HealthCheck& c, const IpAddress& a, uint16_t port) {
  const std::string host = a.is_v6() ? absl::StrCat("[", a.ToString(), "]") : a.ToString();
  const bool tls = c.type == config::HealthCheckType::kHTTPS;
  std::unique_ptr<httplib::Client> client;
  const std::string base = absl::StrCat(tls ? "https://" : "http://", host, ":", port);
  client = std::make_unique<httplib::Client>(base);
  if (tls) client->enable_server_certificate_verification(false);
  const auto t = std::chrono::milliseconds(c.timeout_ms);
  client->set_connection_timeout(t);
  client->set_read_timeout(t);
  client->set_write_timeout(t);
  client->set_keep_alive(false);
  httplib::Headers headers;
  if (!c.host.empty()) headers.emplace("Host", c.host);
  headers.emplace("User-Agent", "ironlb-health-check");
  auto res = client->Get(c.path, headers);
  if (!res) return Down(absl::StrCat("HTTP: ", httplib::to_string(res.error())));
  if (static_cast<uint32_t>(res->status) != c.expect_status) {
    return Down(absl::StrCat("HTTP ", res->status, ", want ", c.expect_status));
  }
  return Up(absl::StrCat("HTTP ", res->status));
}

class SocketProber : public Prober {
 public:
  ProbeResult Probe(const config::HealthCheck& check, const IpAddress& address,
                    uint16_t port) override {
    const uint16_t p = check.port != 0 ? check.port : port;
    const auto deadline = Clock::now() + std::chrono::milliseconds(check.timeout_ms);
    switch (check.type) {
      case config::HealthCheckType::kTCP:
        return ProbeTcp(address, p, deadline);
      case config::HealthCheckType::kUDP:
        return ProbeUdp(check, address, p, deadline);
      case config::HealthCheckType::kHTTP:
      case config::HealthCheckType::kHTTPS:
        return ProbeHttp(check, address, p);
      case config::HealthCheckType::kNone:
        return Up("not checked");
    }
    return Local("unknown check type");
  }
};

}  // namespace

std::unique_ptr<Prober> MakeSocketProber() { return std::make_unique<SocketProber>(); }

}  // namespace ironlb::health

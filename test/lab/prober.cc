#include "test/lab/prober.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <future>
#include <list>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "test/lab/host_command.h"

namespace ironlb::lab {
namespace {

struct Endpoint {
  sockaddr_storage addr{};
  socklen_t len = 0;
  int family = AF_INET;
};

absl::StatusOr<Endpoint> ParseEndpoint(const std::string& address, uint16_t port) {
  Endpoint e;
  auto* v4 = reinterpret_cast<sockaddr_in*>(&e.addr);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&e.addr);
  if (inet_pton(AF_INET, address.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(port);
    e.len = sizeof(sockaddr_in);
    e.family = AF_INET;
  } else if (inet_pton(AF_INET6, address.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(port);
    e.len = sizeof(sockaddr_in6);
    e.family = AF_INET6;
  } else {
    return absl::InvalidArgumentError(absl::StrCat("prober: vip \"", address, "\" is not an IP"));
  }
  return e;
}

// One request in flight: TCP connect + read the name until EOF, or UDP send + one reply.
class Request {
 public:
  Request(const Endpoint& to, Protocol protocol, absl::Time now, absl::Duration timeout)
      : protocol_(protocol), deadline_(now + timeout) {
    result_.sent = now;
    const int type = protocol == Protocol::kTcp ? SOCK_STREAM : SOCK_DGRAM;
    fd_ = socket(to.family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd_ < 0) {
      Fail(absl::StrCat("socket: ", strerror(errno)), now);
      return;
    }
    if (connect(fd_, reinterpret_cast<const sockaddr*>(&to.addr), to.len) != 0 &&
        errno != EINPROGRESS) {
      Fail(absl::StrCat("connect: ", strerror(errno)), now);
      return;
    }
    if (protocol == Protocol::kUdp) {
      connected_ = true;
      if (send(fd_, "?", 1, 0) != 1) Fail(absl::StrCat("send: ", strerror(errno)), now);
    }
  }
  ~Request() { CloseFd(); }
  Request(const Request&) = delete;
  Request& operator=(const Request&) = delete;

  bool finished() const { return finished_; }
  int fd() const { return fd_; }
  short events() const { return connected_ ? POLLIN : POLLOUT; }
  absl::Time deadline() const { return deadline_; }
  const ProbeResult& result() const { return result_; }

  void OnReady(absl::Time now) {
    if (!connected_) {
      int err = 0;
      socklen_t len = sizeof(err);
      getsockopt(fd_, SOL_SOCKET, SO_ERROR, &err, &len);
      if (err != 0) return Fail(absl::StrCat("connect: ", strerror(err)), now);
      connected_ = true;
      return;
    }
    char buf[256];
    const ssize_t n = recv(fd_, buf, sizeof(buf), 0);
    if (n < 0) {
      if (errno == EAGAIN || errno == EINTR) return;
      return Fail(absl::StrCat("recv: ", strerror(errno)), now);
    }
    reply_.append(buf, static_cast<size_t>(n));
    if (protocol_ == Protocol::kUdp || n == 0 || reply_.find('\n') != std::string::npos) {
      const std::string name(absl::StripAsciiWhitespace(reply_));
      if (name.empty()) return Fail("empty reply", now);
      result_.ok = true;
      result_.host = name;
      Finish(now);
    }
  }
  void OnDeadline(absl::Time now) { Fail("timeout", now); }

 private:
  void Fail(std::string why, absl::Time now) {
    result_.ok = false;
    result_.error = std::move(why);
    // A reset rather than a FIN: nothing lingers in the client's namespace.
    if (fd_ >= 0) {
      linger l{.l_onoff = 1, .l_linger = 0};
      setsockopt(fd_, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
    }
    Finish(now);
  }
  void Finish(absl::Time now) {
    result_.done = now;
    finished_ = true;
    CloseFd();
  }
  void CloseFd() {
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
  }

  Protocol protocol_;
  absl::Time deadline_;
  int fd_ = -1;
  bool connected_ = false;
  bool finished_ = false;
  std::string reply_;
  ProbeResult result_;
};

int PollTimeoutMs(absl::Duration d) {
  if (d <= absl::ZeroDuration()) return 0;
  return static_cast<int>(absl::ToInt64Milliseconds(d + absl::Microseconds(999)));
}

}  // namespace

absl::StatusOr<std::string> ProbeOnce(const std::string& netns, const std::string& address,
                                      uint16_t port, Protocol protocol, absl::Duration timeout) {
  auto to = ParseEndpoint(address, port);
  if (!to.ok()) return to.status();
  absl::StatusOr<std::string> answer = absl::UnknownError("not run");
  // The thread, not the process, enters the namespace; it ends with the probe.
  std::thread t([&] {
    if (absl::Status s = EnterNetnsForThread(netns); !s.ok()) {
      answer = s;
      return;
    }
    Request r(*to, protocol, absl::Now(), timeout);
    while (!r.finished()) {
      pollfd p{.fd = r.fd(), .events = r.events(), .revents = 0};
      const int n = poll(&p, 1, PollTimeoutMs(r.deadline() - absl::Now()));
      if (n > 0) {
        r.OnReady(absl::Now());
      } else if (n == 0 || absl::Now() >= r.deadline()) {
        r.OnDeadline(absl::Now());
      }
    }
    if (r.result().ok) {
      answer = r.result().host;
    } else {
      answer = absl::UnavailableError(
          absl::StrCat("probe ", address, ":", port, " from ", netns, ": ", r.result().error));
    }
  });
  t.join();
  return answer;
}

absl::StatusOr<std::unique_ptr<Prober>> Prober::Start(const std::string& netns,
                                                      ProbeOptions options) {
  auto to = ParseEndpoint(options.vip, options.port);
  if (!to.ok()) return to.status();
  if (options.interval <= absl::ZeroDuration() || options.max_requests <= 0) {
    return absl::InvalidArgumentError("prober: interval and max_requests must be positive");
  }
  auto prober = std::unique_ptr<Prober>(new Prober(std::move(options)));
  std::promise<absl::Status> started;
  std::future<absl::Status> ready = started.get_future();
  prober->thread_ = std::thread(&Prober::Run, prober.get(), netns, &started);
  if (absl::Status s = ready.get(); !s.ok()) {
    prober->thread_.join();
    return s;
  }
  return prober;
}

Prober::~Prober() { Stop(); }

void Prober::Stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

void Prober::Run(std::string netns, std::promise<absl::Status>* started) {
  absl::Status s = EnterNetnsForThread(netns);
  const Endpoint to = *ParseEndpoint(options_.vip, options_.port);
  started->set_value(s);
  if (!s.ok()) return;
  std::list<Request> in_flight;
  const absl::Time begin = absl::Now();
  const absl::Time end = begin + options_.max_duration;
  absl::Time next_send = begin;
  int sent = 0;
  auto sending = [&](absl::Time now) {
    return !stop_.load() && sent < options_.max_requests && now < end;
  };
  while (true) {
    absl::Time now = absl::Now();
    if (sending(now) && now >= next_send) {
      in_flight.emplace_back(to, options_.protocol, now, options_.timeout);
      ++sent;
      // Keep the schedule (no drift), but never burst to catch up after a stall.
      next_send = std::max(next_send + options_.interval, now);
    }
    if (!sending(now) && in_flight.empty()) break;
    std::vector<pollfd> fds;
    std::vector<Request*> owners;
    absl::Time wake = sending(now) ? next_send : now + absl::Seconds(1);
    for (Request& r : in_flight) {
      if (r.finished()) continue;
      fds.push_back({.fd = r.fd(), .events = r.events(), .revents = 0});
      owners.push_back(&r);
      wake = std::min(wake, r.deadline());
    }
    const int n = poll(fds.data(), fds.size(), PollTimeoutMs(wake - now));
    now = absl::Now();
    for (size_t i = 0; n > 0 && i < fds.size(); ++i) {
      if (fds[i].revents != 0) owners[i]->OnReady(now);
    }
    for (Request& r : in_flight) {
      if (!r.finished() && now >= r.deadline()) r.OnDeadline(now);
    }
    std::lock_guard<std::mutex> lock(mu_);
    for (auto it = in_flight.begin(); it != in_flight.end();) {
      if (!it->finished()) {
        ++it;
        continue;
      }
      results_.push_back(it->result());
      it = in_flight.erase(it);
    }
  }
}

std::vector<ProbeResult> Prober::Results() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<ProbeResult> out = results_;
  std::stable_sort(out.begin(), out.end(),
                   [](const ProbeResult& a, const ProbeResult& b) { return a.sent < b.sent; });
  return out;
}

absl::StatusOr<ProbeResult> Prober::WaitForAnswerFrom(absl::Time since, const std::string& not_host,
                                                      absl::Duration timeout) const {
  const absl::Time deadline = absl::Now() + timeout;
  size_t checked = 0;
  while (true) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      for (; checked < results_.size(); ++checked) {
        const ProbeResult& r = results_[checked];
        if (r.ok && r.done >= since && (not_host.empty() || r.host != not_host)) return r;
      }
    }
    if (absl::Now() >= deadline) {
      return absl::DeadlineExceededError(absl::StrCat("prober: no answer from a host other than \"",
                                                      not_host, "\" within ",
                                                      absl::FormatDuration(timeout)));
    }
    absl::SleepFor(absl::Milliseconds(5));
  }
}

}  // namespace ironlb::lab

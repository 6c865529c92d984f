// The lab's backend: answers on every given port, TCP and UDP, IPv4 and IPv6, bound to the
// wildcard address (so it answers on a VIP as soon as the VIP is local to its host), with its
// host name and a newline. UDP replies leave from the address the request was sent to (a VIP
// on lo), or the client would drop them.
//   ironlb_lab_backend --name s0 --port 8080 [--port 8081 ...] [--hold]
// With --hold a TCP connection stays open after the name and echoes what the client sends until
// the client closes it (long-lived connections that a test can check across a change).
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

struct Listener {
  int fd;
  bool tcp;
  int family;
};

int Open(int family, int type, uint16_t port) {
  const int fd = socket(family, type | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  const int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sockaddr_storage ss{};
  socklen_t len;
  if (family == AF_INET) {
    auto* a = reinterpret_cast<sockaddr_in*>(&ss);
    a->sin_family = AF_INET;
    a->sin_port = htons(port);
    len = sizeof(*a);
    if (type == SOCK_DGRAM) setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one));
  } else {
    auto* a = reinterpret_cast<sockaddr_in6*>(&ss);
    a->sin6_family = AF_INET6;
    a->sin6_port = htons(port);
    len = sizeof(*a);
    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
    if (type == SOCK_DGRAM) setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof(one));
  }
  if (bind(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0) return -1;
  if (type == SOCK_STREAM && listen(fd, 512) != 0) return -1;
  return fd;
}

// Returns the connection's fd when it is held open (--hold), else -1.
int AnswerTcp(int listen_fd, const std::string& reply, bool hold) {
  const int fd = accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
  if (fd < 0) return -1;
  (void)!write(fd, reply.data(), reply.size());
  if (hold) return fd;
  close(fd);
  return -1;
}

// A held connection: echoes what came; false once the client closed it (or it failed).
bool Echo(int fd) {
  char buf[4096];
  const ssize_t n = read(fd, buf, sizeof(buf));
  if (n < 0 && (errno == EINTR || errno == EAGAIN)) return true;
  if (n <= 0) return false;
  return write(fd, buf, static_cast<size_t>(n)) == n;
}

// Replies with the request's destination address as source (IP_PKTINFO / IPV6_PKTINFO).
void AnswerUdp(int fd, const std::string& reply) {
  char data[512];
  char control[256];
  sockaddr_storage peer{};
  iovec iov{.iov_base = data, .iov_len = sizeof(data)};
  msghdr msg{};
  msg.msg_name = &peer;
  msg.msg_namelen = sizeof(peer);
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof(control);
  if (recvmsg(fd, &msg, MSG_DONTWAIT) < 0) return;
  char out_control[256] = {};
  msghdr out{};
  iovec out_iov{.iov_base = const_cast<char*>(reply.data()), .iov_len = reply.size()};
  out.msg_name = &peer;
  out.msg_namelen = msg.msg_namelen;
  out.msg_iov = &out_iov;
  out.msg_iovlen = 1;
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
      in_pktinfo info;
      memcpy(&info, CMSG_DATA(c), sizeof(info));
      info.ipi_spec_dst = info.ipi_addr;
      info.ipi_ifindex = 0;
      out.msg_control = out_control;
      out.msg_controllen = CMSG_SPACE(sizeof(info));
      cmsghdr* oc = CMSG_FIRSTHDR(&out);
      oc->cmsg_level = IPPROTO_IP;
      oc->cmsg_type = IP_PKTINFO;
      oc->cmsg_len = CMSG_LEN(sizeof(info));
      memcpy(CMSG_DATA(oc), &info, sizeof(info));
    } else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
      in6_pktinfo info;
      memcpy(&info, CMSG_DATA(c), sizeof(info));
      info.ipi6_ifindex = 0;
      out.msg_control = out_control;
      out.msg_controllen = CMSG_SPACE(sizeof(info));
      cmsghdr* oc = CMSG_FIRSTHDR(&out);
      oc->cmsg_level = IPPROTO_IPV6;
      oc->cmsg_type = IPV6_PKTINFO;
      oc->cmsg_len = CMSG_LEN(sizeof(info));
      memcpy(CMSG_DATA(oc), &info, sizeof(info));
    }
  }
  (void)sendmsg(fd, &out, MSG_DONTWAIT);
}

int Usage() {
  fprintf(stderr, "usage: ironlb_lab_backend --name NAME --port PORT [--port PORT ...] [--hold]\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::string name;
  std::vector<uint16_t> ports;
  bool hold = false;
  int args = argc;
  if (argc > 1 && std::string(argv[argc - 1]) == "--hold") {
    hold = true;
    --args;
  }
  for (int i = 1; i + 1 < args; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--name") {
      name = argv[i + 1];
    } else if (flag == "--port") {
      const long p = strtol(argv[i + 1], nullptr, 10);
      if (p <= 0 || p > 65535) return Usage();
      ports.push_back(static_cast<uint16_t>(p));
    } else {
      return Usage();
    }
  }
  if (name.empty() || ports.empty() || args % 2 == 0) return Usage();
  signal(SIGPIPE, SIG_IGN);
  const std::string reply = name + "\n";
  std::vector<Listener> listeners;
  for (uint16_t port : ports) {
    for (int family : {AF_INET, AF_INET6}) {
      for (bool tcp : {true, false}) {
        const int fd = Open(family, tcp ? SOCK_STREAM : SOCK_DGRAM, port);
        if (fd < 0) {
          fprintf(stderr, "backend %s: port %u: %s\n", name.c_str(), port, strerror(errno));
          return 1;
        }
        listeners.push_back({fd, tcp, family});
      }
    }
  }
  std::vector<pollfd> fds;
  for (const Listener& l : listeners) fds.push_back({.fd = l.fd, .events = POLLIN, .revents = 0});
  // Runs until killed: the lab owns this process and kills it by PID.
  while (true) {
    if (poll(fds.data(), fds.size(), -1) < 0) {
      if (errno == EINTR) continue;
      return 1;
    }
    const size_t polled = fds.size();
    for (size_t i = 0; i < polled; ++i) {
      if (fds[i].revents == 0) continue;
      if (i >= listeners.size()) {  // a held connection
        if (!Echo(fds[i].fd)) {
          close(fds[i].fd);
          fds[i].fd = -1;  // poll skips it; removed below
        }
      } else if (listeners[i].tcp) {
        const int held = AnswerTcp(fds[i].fd, reply, hold);
        if (held >= 0) fds.push_back({.fd = held, .events = POLLIN, .revents = 0});
      } else {
        AnswerUdp(fds[i].fd, reply);
      }
    }
    std::erase_if(fds, [](const pollfd& p) { return p.fd < 0; });
  }
}

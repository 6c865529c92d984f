#include "speaker/layer2/membership/liveness_mesh.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "common/errno_status.h"
#include "common/log.h"
#include "common/sockaddr.h"

namespace ironlb::speaker {
namespace {

constexpr size_t kNonce = 16;
constexpr size_t kMac = 32;
constexpr auto kHandshakeTimeout = std::chrono::seconds(2);
// Connections not yet authenticated: at most this many from one address (refused beyond),
// and this many in all (the oldest is dropped for a newcomer, so a stranger holding idle
// connections cannot keep a restarting speaker out).
constexpr size_t kStrangersPerAddress = 4;
constexpr size_t kStrangersInAll = 64;
// A refused address is logged at most once per window (with how many were not logged).
constexpr auto kLogWindow = std::chrono::seconds(10);
constexpr size_t kLogMemory = 1024;  // addresses remembered for that
constexpr char kContext[] = "ironlb-liveness";
// Sent before closing on purpose: the peer does not mistake our Drop() (we count it gone, e.g.
// after missing its adverts while this host was busy) for our death and take our VIPs.
constexpr char kFarewell = 'F';

bool Proof(const std::string& key, const uint8_t* nonce, const std::string& name,
           uint8_t out[kMac]) {
  std::string msg(kContext);
  msg.append(reinterpret_cast<const char*>(nonce), kNonce);
  msg.append(name);
  size_t len = 0;
  return EVP_Q_mac(nullptr, "HMAC", nullptr, "SHA256", nullptr, key.data(), key.size(),
                   reinterpret_cast<const unsigned char*>(msg.data()), msg.size(), out, kMac,
                   &len) != nullptr &&
         len == kMac;
}

std::string AddressOf(const sockaddr_storage& ss) {
  if (ss.ss_family == AF_INET) {
    return IpAddress::FromV4(reinterpret_cast<const sockaddr_in&>(ss).sin_addr).ToString();
  }
  if (ss.ss_family == AF_INET6) {
    return IpAddress::FromV6(reinterpret_cast<const sockaddr_in6&>(ss).sin6_addr).ToString();
  }
  return "unknown";
}

// The peer of an accepted connection has already closed it (or reset it): a host probe
// answered by our kernel while this speaker was busy, a port scan. Nothing to keep.
bool PeerGone(int fd) {
  char c;
  const ssize_t n = recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);
  return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR);
}

void SetNoDelay(int fd) {
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

}  // namespace

struct LivenessMesh::Conn {
  int fd = -1;
  std::string expected_peer;  // set when we dialled
  std::string remote;         // the other end's address (accepted connections)
  uint64_t accepted = 0;      // order of acceptance, to drop the oldest stranger
  std::string peer;           // from its HELLO; trusted only once authenticated
  uint8_t my_nonce[kNonce];
  uint8_t peer_nonce[kNonce];
  std::string inbuf;
  bool hello_sent = false;
  bool hello_seen = false;
  bool authenticated = false;
  bool farewell = false;  // the peer closed on purpose (it counts us as gone), not a death
  EventLoop::TimerId handshake_timer = 0;
};

LivenessMesh::LivenessMesh(EventLoop* loop, std::string self, std::string key, int listen_fd,
                           uint16_t port, LostFn on_lost)
    : loop_(loop),
      self_(std::move(self)),
      key_(std::move(key)),
      listen_fd_(listen_fd),
      port_(port),
      on_lost_(std::move(on_lost)) {}

absl::StatusOr<std::unique_ptr<LivenessMesh>> LivenessMesh::Create(EventLoop* loop,
                                                                   std::string self,
                                                                   std::string key,
                                                                   const IpAddress& listen_addr,
                                                                   uint16_t port, LostFn on_lost) {
  if (key.empty()) {
    return absl::InvalidArgumentError("liveness: a shared key is required to authenticate peers");
  }
  sockaddr_storage ss;
  const socklen_t len = ToSockaddr(listen_addr, port, &ss);
  const int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return ErrnoToStatus(errno, "liveness: socket");
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  // A deep accept queue: while this speaker is starved of CPU (or restarting), its peers'
  // host probes complete in the kernel and wait there, one per peer and advert interval; a
  // full queue would drop them and make a live host look gone (net.core.somaxconn caps it).
  if (bind(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0 || listen(fd, SOMAXCONN) != 0) {
    const int err = errno;
    close(fd);
    return ErrnoToStatus(
        err, "liveness: listen on " + listen_addr.ToString() + ":" + std::to_string(port));
  }
  socklen_t got = sizeof(ss);
  getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &got);
  const uint16_t bound =
      ntohs(ss.ss_family == AF_INET ? reinterpret_cast<sockaddr_in*>(&ss)->sin_port
                                    : reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port);
  std::unique_ptr<LivenessMesh> m(
      new LivenessMesh(loop, std::move(self), std::move(key), fd, bound, std::move(on_lost)));
  LivenessMesh* raw = m.get();
  if (absl::Status st = loop->Watch(fd, [raw] { raw->OnAccept(); }); !st.ok()) return st;
  return m;
}

LivenessMesh::~LivenessMesh() {
  while (!conns_.empty()) Close(conns_.begin()->first, /*report=*/false);
  loop_->Unwatch(listen_fd_);
  close(listen_fd_);
}

void LivenessMesh::OnAccept() {
  while (true) {
    sockaddr_storage ss{};
    socklen_t len = sizeof(ss);
    const int fd =
        accept4(listen_fd_, reinterpret_cast<sockaddr*>(&ss), &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) return;  // EAGAIN: drained
    if (PeerGone(fd)) {
      // The peers' host probes queue up here while this speaker is starved or restarting;
      // those already closed must not count against their address (its speaker's own mesh
      // connection comes from there too).
      close(fd);
      continue;
    }
    std::string remote = AddressOf(ss);
    size_t from_remote = 0, strangers = 0;
    const Conn* oldest = nullptr;
    auto count = [&] {
      from_remote = strangers = 0;
      oldest = nullptr;
      for (const auto& [other_fd, c] : conns_) {
        if (c->authenticated || !c->expected_peer.empty()) continue;
        ++strangers;
        if (c->remote == remote) ++from_remote;
        if (oldest == nullptr || c->accepted < oldest->accepted) oldest = c.get();
      }
    };
    count();
    if (from_remote >= kStrangersPerAddress || strangers >= kStrangersInAll) {
      // At the cap: first let go of strangers whose peers have closed since they were adopted
      // (probes accepted in the same burst), then judge.
      std::vector<int> gone;
      for (const auto& [other_fd, c] : conns_) {
        if (!c->authenticated && c->expected_peer.empty() && PeerGone(other_fd)) {
          gone.push_back(other_fd);
        }
      }
      for (int g : gone) Close(g, /*report=*/false);
      count();
    }
    if (from_remote >= kStrangersPerAddress) {
      close(fd);
      Refused(remote, "too many unauthenticated connections from this address");
      continue;
    }
    if (strangers >= kStrangersInAll && oldest != nullptr) {
      Refused(oldest->remote, "too many unauthenticated connections; the oldest was dropped");
      Close(oldest->fd, /*report=*/false);
    }
    Adopt(fd, "", std::move(remote));
  }
}

size_t LivenessMesh::unauthenticated() const {
  size_t n = 0;
  for (const auto& [fd, c] : conns_) n += c->authenticated ? 0 : 1;
  return n;
}

void LivenessMesh::Refused(const std::string& remote, absl::string_view reason) {
  const auto now = std::chrono::steady_clock::now();
  if (refused_.size() >= kLogMemory && refused_.count(remote) == 0) {
    std::erase_if(refused_, [&](const auto& kv) { return now - kv.second.logged >= kLogWindow; });
    if (refused_.size() >= kLogMemory) refused_.clear();
  }
  auto [it, fresh] = refused_.try_emplace(remote);
  RefusedAddress& r = it->second;
  if (!fresh && now - r.logged < kLogWindow) {
    ++r.suppressed;
    return;
  }
  // Only what we know for sure: the address and our reason. Nothing the stranger sent.
  IRONLB_LOG(kWarn, "liveness: connection refused")
      .With("remote", remote)
      .With("reason", reason)
      .With("not_logged_before", r.suppressed);
  r.logged = now;
  r.suppressed = 0;
}

void LivenessMesh::Adopt(int fd, std::string expected_peer, std::string remote) {
  SetNoDelay(fd);
  auto c = std::make_unique<Conn>();
  c->fd = fd;
  c->expected_peer = std::move(expected_peer);
  c->remote = std::move(remote);
  c->accepted = ++accepted_;
  RAND_bytes(c->my_nonce, kNonce);
  // An accepted connection is up: greet now. A dial in progress greets when the acceptor's
  // HELLO arrives (the kernel cannot queue data before the connection is established).
  if (c->expected_peer.empty() && !SendHello(*c)) {
    close(fd);
    return;
  }
  c->handshake_timer = loop_->RunAfter(kHandshakeTimeout, [this, fd] { ExpireHandshake(fd); });
  conns_[fd] = std::move(c);
  if (!loop_->Watch(fd, [this, fd] { OnReadable(fd); }).ok()) Close(fd, false);
}

bool LivenessMesh::SendHello(Conn& c) {
  std::string hello(reinterpret_cast<const char*>(c.my_nonce), kNonce);
  hello.push_back(static_cast<char>(self_.size()));
  hello.append(self_);
  c.hello_sent = true;
  // 300 bytes always fit a fresh socket's buffer.
  return send(c.fd, hello.data(), hello.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(hello.size());
}

void LivenessMesh::ExpireHandshake(int fd) {
  auto it = conns_.find(fd);
  if (it == conns_.end() || it->second->authenticated) return;
  it->second->handshake_timer = 0;
  if (it->second->expected_peer.empty()) Refused(it->second->remote, "no handshake in time");
  Close(fd, /*report=*/false);
}

void LivenessMesh::OnReadable(int fd) {
  auto it = conns_.find(fd);
  if (it == conns_.end()) return;
  Conn& c = *it->second;
  char buf[512];
  const ssize_t n = recv(fd, buf, sizeof(buf), 0);
  if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
    Close(fd, /*report=*/c.authenticated && !c.farewell);
    return;
  }
  if (n < 0) return;
  if (c.authenticated) {
    // The only thing said after the handshake: the farewell byte of a Drop().
    if (std::memchr(buf, kFarewell, static_cast<size_t>(n)) != nullptr) c.farewell = true;
    return;
  }
  if (!c.hello_sent && !SendHello(c)) {
    Close(fd, false);
    return;
  }
  c.inbuf.append(buf, static_cast<size_t>(n));
  if (c.inbuf.size() > 2 * (kNonce + 1 + 255 + kMac)) {
    Reject(c, "handshake too long");
    return;
  }
  if (!c.hello_seen) {
    if (c.inbuf.size() < kNonce + 1) return;
    const size_t name_len = static_cast<uint8_t>(c.inbuf[kNonce]);
    if (c.inbuf.size() < kNonce + 1 + name_len) return;
    std::memcpy(c.peer_nonce, c.inbuf.data(), kNonce);
    c.peer = c.inbuf.substr(kNonce + 1, name_len);
    c.inbuf.erase(0, kNonce + 1 + name_len);
    c.hello_seen = true;
    if (c.peer.empty() || c.peer == self_ ||
        (!c.expected_peer.empty() && c.peer != c.expected_peer)) {
      Reject(c, "unexpected name in the handshake");
      return;
    }
    uint8_t proof[kMac];
    if (!Proof(key_, c.peer_nonce, self_, proof) ||
        send(fd, proof, kMac, MSG_NOSIGNAL) != static_cast<ssize_t>(kMac)) {
      Close(fd, false);
      return;
    }
  }
  if (c.inbuf.size() < kMac) return;
  uint8_t expected[kMac];
  if (!Proof(key_, c.my_nonce, c.peer, expected) ||
      CRYPTO_memcmp(expected, c.inbuf.data(), kMac) != 0) {
    Reject(c, "failed authentication (not a speaker, or its --layer2-key-file differs)");
    return;
  }
  c.authenticated = true;
  c.inbuf.clear();
  if (c.handshake_timer != 0) loop_->Cancel(c.handshake_timer);
  c.handshake_timer = 0;
  // One connection per pair: a newer one replaces an older (the peer restarted).
  auto old = by_node_.find(c.peer);
  if (old != by_node_.end() && old->second != fd) Close(old->second, false);
  by_node_[c.peer] = fd;
}

void LivenessMesh::Reject(Conn& c, absl::string_view reason) {
  if (c.expected_peer.empty()) {
    Refused(c.remote, reason);
  } else {  // we dialled a speaker its signed adverts named: its name is known, not claimed
    IRONLB_LOG(kWarn, "liveness: handshake with a speaker failed")
        .With("node", c.expected_peer)
        .With("reason", reason)
        .With("action", "check that every speaker has the same --layer2-key-file");
  }
  Close(c.fd, /*report=*/false);
}

void LivenessMesh::Close(int fd, bool report) {
  auto it = conns_.find(fd);
  if (it == conns_.end()) return;
  std::unique_ptr<Conn> c = std::move(it->second);
  conns_.erase(it);
  loop_->Unwatch(fd);
  close(fd);
  if (c->handshake_timer != 0) loop_->Cancel(c->handshake_timer);
  const std::string& name = c->peer.empty() ? c->expected_peer : c->peer;
  auto owner = by_node_.find(name);
  const bool current = owner != by_node_.end() && owner->second == fd;
  if (current) by_node_.erase(owner);
  if (report && current && on_lost_) on_lost_(name);
}

void LivenessMesh::Ensure(const std::string& node, const IpAddress& addr, uint16_t port) {
  if (by_node_.count(node) > 0 || !(self_ < node)) return;  // connected, or theirs to dial
  sockaddr_storage ss;
  const socklen_t len = ToSockaddr(addr, port, &ss);
  const int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return;
  if (connect(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0 && errno != EINPROGRESS) {
    close(fd);
    return;
  }
  by_node_[node] = fd;  // dialling: Ensure() does not dial twice
  Adopt(fd, node);
}

void LivenessMesh::Drop(const std::string& node) {
  auto it = by_node_.find(node);
  if (it == by_node_.end()) return;
  auto c = conns_.find(it->second);
  if (c != conns_.end() && c->second->authenticated) {
    (void)!send(it->second, &kFarewell, 1, MSG_NOSIGNAL | MSG_DONTWAIT);
  }
  Close(it->second, /*report=*/false);
}

bool LivenessMesh::Connected(const std::string& node) const {
  auto it = by_node_.find(node);
  if (it == by_node_.end()) return false;
  auto c = conns_.find(it->second);
  return c != conns_.end() && c->second->authenticated;
}

}  // namespace ironlb::speaker

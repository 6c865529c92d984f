// One authenticated TCP connection between every pair of speakers on a segment. Its only job
// is to close: when a speaker process dies, its kernel closes the connection at once, so the
// others learn of the death in about a round trip instead of waiting for missed adverts.
// (Link cuts and frozen machines close nothing; adverts expiring covers those.)
//
// Handshake, both sides at once: HELLO = nonce(16) | name_len u8 | name; then
// PROOF = HMAC-SHA256(key, "ironlb-liveness" | peer's nonce | own name). A connection counts
// only once the peer's proof checks out, so a stranger can neither pose as a speaker nor make
// one look dead by connecting and hanging up. The lexically smaller name dials.
//
// The port is open to the LAN, so strangers are expected: their connections are capped per
// address and in all, time out after 2 s, and are logged by address and reason only (rate
// limited per address), never with anything they sent.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/event_loop.h"
#include "common/ip.h"

namespace ironlb::speaker {

class LivenessMesh {
 public:
  using LostFn = std::function<void(const std::string& node)>;

  // Listens on `listen:port` (port 0 picks one). `on_lost` runs on the loop when an
  // authenticated connection closes without Drop().
  static absl::StatusOr<std::unique_ptr<LivenessMesh>> Create(EventLoop* loop, std::string self,
                                                              std::string key,
                                                              const IpAddress& listen_addr,
                                                              uint16_t port, LostFn on_lost);
  ~LivenessMesh();
  LivenessMesh(const LivenessMesh&) = delete;
  LivenessMesh& operator=(const LivenessMesh&) = delete;

  uint16_t port() const { return port_; }
  // Keeps a connection with `node` at addr:port (dialling if we are the smaller name). Cheap
  // when it exists; call it for every advert.
  void Ensure(const std::string& node, const IpAddress& addr, uint16_t port);
  // Closes the connection on purpose (the node left or expired): no loss is reported, here or
  // (a farewell byte goes first) at the peer.
  void Drop(const std::string& node);
  // True once the handshake with `node` has completed.
  bool Connected(const std::string& node) const;
  // Connections whose handshake has not completed (strangers and dials in progress).
  size_t unauthenticated() const;

 private:
  struct Conn;
  LivenessMesh(EventLoop* loop, std::string self, std::string key, int listen_fd, uint16_t port,
               LostFn on_lost);
  void OnAccept();
  void Adopt(int fd, std::string expected_peer, std::string remote = "");
  // Logs a refused stranger's address and our reason, at most once per window per address.
  void Refused(const std::string& remote, absl::string_view reason);
  // Closes a connection whose handshake failed, saying why.
  void Reject(Conn& c, absl::string_view reason);
  void OnReadable(int fd);
  bool SendHello(Conn& c);
  void Close(int fd, bool report);
  void ExpireHandshake(int fd);

  EventLoop* loop_;
  std::string self_;
  std::string key_;
  int listen_fd_;
  uint16_t port_;
  LostFn on_lost_;
  std::map<int, std::unique_ptr<Conn>> conns_;  // by fd
  std::map<std::string, int> by_node_;          // authenticated (or dialling) connections
  uint64_t accepted_ = 0;
  struct RefusedAddress {
    std::chrono::steady_clock::time_point logged;
    uint64_t suppressed = 0;
  };
  std::map<std::string, RefusedAddress> refused_;  // by remote address
};

}  // namespace ironlb::speaker

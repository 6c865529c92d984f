// One authenticated TCP connection between every pair of speakers on a segment. Its only job
// is to close: when a speaker process dies, its kernel closes the connection at once, so the
// others learn of the death in about a round trip instead of waiting for missed adverts.
// (Link cuts and frozen machines close nothing; adverts expiring covers those.)
//
// Handshake, both sides at once: HELLO = nonce(16) | name_len u8 | name; then
// PROOF = HMAC-SHA256(key, "ironlb-liveness" | peer's nonce | own name). A connection counts
// only once the peer's proof checks out, so a stranger can neither pose as a speaker nor make
// one look dead by connecting and hanging up. The lexically smaller name dials.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
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

 private:
  struct Conn;
  LivenessMesh(EventLoop* loop, std::string self, std::string key, int listen_fd, uint16_t port,
               LostFn on_lost);
  void OnAccept();
  void Adopt(int fd, std::string expected_peer);
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
};

}  // namespace ironlb::speaker

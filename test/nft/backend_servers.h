// Backends for load-balancing tests: one TCP or UDP socket per port in a test namespace, each
// answering every request with its name ("b<port>"), many connections at once, until stopped.
// Connections stay open until the client closes them, so a test can hold one across a change.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "test/nft/traffic_util.h"

namespace ironlb::nft::testing {

class BackendServers {
 public:
  // Binds `ports` on the wildcard address of `family` in `netns`; type SOCK_STREAM/SOCK_DGRAM.
  BackendServers(const ScopedNetns& netns, int family, int type, std::vector<uint16_t> ports);
  ~BackendServers();
  bool ok() const { return ok_; }
  // Closes the socket of `port` (and its connections): the backend dies.
  void Kill(uint16_t port);
  // Binds `port` again after Kill.
  bool Revive(uint16_t port);

 private:
  void Loop();
  bool Open(uint16_t port);

  const ScopedNetns& netns_;
  int family_;
  int type_;
  bool ok_ = false;
  int wake_[2] = {-1, -1};
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::map<uint16_t, int> listeners_;    // port -> fd
  std::map<int, uint16_t> connections_;  // fd -> port
  std::thread thread_;
};

// A client connection held open: connects to addr:port from `netns`, asks who answers.
class HeldConnection {
 public:
  HeldConnection(const ScopedNetns& netns, const std::string& addr, uint16_t port, int timeout_ms);
  ~HeldConnection();
  // Sends a request and returns the answering backend's name.
  absl::StatusOr<std::string> Ask();

 private:
  int fd_ = -1;
  int timeout_ms_;
};

}  // namespace ironlb::nft::testing

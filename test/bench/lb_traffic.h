// Traffic for lb_bench: backends and a parallel client inside test-created network namespaces.
//
// Backends (BenchServers): one TCP listener per port on the wildcard address, served by a few
// epoll threads, so one listener serves every backend address of the server namespace at the
// same cost however many there are. On a connection, each byte 'w' is answered with
// "b<local address>:<port>\n" (which backend served it);
// the byte 'b' turns the connection into a bulk source that sends until the client closes.
// Clients (ConnectionRate, Throughput): several threads at once, each in the client namespace.
// A finished connection is closed with a reset (SO_LINGER 0), so no side keeps TIME_WAIT
// sockets and a run of hundreds of thousands of connections does not run out of ports.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "test/nft/nft_test_util.h"

namespace ironlb::nft::testing {

class BenchServers {
 public:
  BenchServers(const ScopedNetns& netns, std::vector<uint16_t> ports, int threads = 2);
  ~BenchServers();
  bool ok() const { return ok_; }
  // Closes the listener of `port` (new connections get a reset): the backend dies.
  void Kill(uint16_t port);
  // Listens on `port` again after Kill.
  bool Revive(uint16_t port);

 private:
  // What an epoll event points at: a listener (kept until the destructor, so an event still
  // queued for a killed one finds it) or a connection.
  struct Entry {
    std::atomic<int> fd;
    uint16_t port;
    bool listener;
    bool bulk = false;
    std::string reply;  // connections: "b<local address>:<port>\n"
  };
  void Loop(int epoll_fd);
  bool Listen(uint16_t port);
  void OnListener(int epoll_fd, Entry* l);
  void OnConnection(int epoll_fd, Entry* c, uint32_t events);

  const ScopedNetns& netns_;
  bool ok_ = false;
  std::atomic<bool> stop_{false};
  std::vector<int> epolls_;
  std::vector<std::thread> threads_;
  std::mutex mu_;
  std::map<uint16_t, Entry*> listeners_;               // live ones, by port
  std::vector<std::unique_ptr<Entry>> all_listeners_;  // every one ever made
};

struct RateResult {
  int64_t connections = 0;  // completed: connected, asked, answered
  int64_t failures = 0;
  double seconds = 0;
  std::map<std::string, int64_t> per_backend;  // "b10.0.2.10:9000" -> connections
  double per_second() const { return seconds > 0 ? connections / seconds : 0; }
};

// `threads` clients from `netns`, each opening connections to address:port one after the
// other (connect, ask who, read the answer, reset) for `seconds`, or until `max_connections`
// completed in all (0 = no limit).
RateResult ConnectionRate(const ScopedNetns& netns, const std::string& address, uint16_t port,
                          int threads, double seconds, int64_t max_connections = 0);

struct ThroughputResult {
  int64_t bytes = 0;
  double seconds = 0;
  int failed_connections = 0;
  double gbit_per_second() const { return seconds > 0 ? bytes * 8 / seconds / 1e9 : 0; }
};

// `connections` bulk downloads at once from address:port (one thread each) for `seconds`.
ThroughputResult Throughput(const ScopedNetns& netns, const std::string& address, uint16_t port,
                            int connections, double seconds);

}  // namespace ironlb::nft::testing

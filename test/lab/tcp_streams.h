// Long-lived TCP streams for failover tests (issue 16): a stream server in one namespace and N
// client streams from another, all threads of the test process. Each stream is either an echo
// stream (the client writes a line every `period`, the server echoes it) or a download (the
// server writes a line every `period` unasked). Per stream: whether it was reset (an error or
// EOF on either side), and the longest gap between two lines the client received, so a
// failover shows as a stall, a broken stream as a reset. Bounded: every socket has timeouts,
// Stop() ends everything.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace ironlb::lab {

class StreamServer {
 public:
  static absl::StatusOr<std::unique_ptr<StreamServer>> Start(const std::string& netns,
                                                             uint16_t port, absl::Duration period);
  ~StreamServer();
  void Stop();

 private:
  StreamServer() = default;
  void Serve(int fd);
  int listen_fd_ = -1;
  absl::Duration period_;
  std::atomic<bool> stop_{false};
  std::thread acceptor_;
  std::mutex mu_;
  std::vector<std::thread> conns_;  // guarded by mu_
};

struct StreamStats {
  bool download = false;
  bool connected = false;
  bool reset = false;
  std::string error;       // why it ended, when reset
  int64_t lines = 0;       // received
  absl::Time last_line;    // when the last line came
  absl::Duration max_gap;  // longest gap between received lines since ResetGaps()
};

class TcpStreams {
 public:
  // `count` streams from `netns` to address:port, half echo, half download (odd ones).
  static absl::StatusOr<std::unique_ptr<TcpStreams>> Start(const std::string& netns,
                                                           const std::string& address,
                                                           uint16_t port, int count,
                                                           absl::Duration period);
  ~TcpStreams();
  void Stop();

  std::vector<StreamStats> Stats() const;
  // Starts a new measurement of gaps (call before a failover).
  void ResetGaps();
  // Waits (bounded) until every stream not reset has received a line after `since`; false if
  // one has not by then.
  bool WaitAllFlowingSince(absl::Time since, absl::Duration limit) const;

 private:
  TcpStreams() = default;
  void Run(size_t index, std::string netns, std::string address, uint16_t port);
  absl::Duration period_;
  std::atomic<bool> stop_{false};
  mutable std::mutex mu_;
  std::vector<StreamStats> stats_;  // guarded by mu_
  std::vector<std::thread> threads_;
};

}  // namespace ironlb::lab

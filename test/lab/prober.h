// Client-side probing of a VIP: from a host's namespace, a request to VIP:port every interval
// (10 ms by default), each answered by a lab backend with its host name, so every request says
// whether it succeeded, how long it took and which host served it. Requests run concurrently
// (a lost SYN does not hold up the next request), each bounded by a timeout; the whole run is
// bounded in count and time.
#pragma once

#include <atomic>
#include <cstdint>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace ironlb::lab {

enum class Protocol { kTcp, kUdp };

struct ProbeResult {
  absl::Time sent;
  absl::Time done;  // answer, error or timeout
  bool ok = false;
  std::string host;   // who answered, when ok
  std::string error;  // why not, when !ok
  absl::Duration latency() const { return done - sent; }
};

struct ProbeOptions {
  std::string vip;  // IPv4 or IPv6 literal
  uint16_t port = 8080;
  Protocol protocol = Protocol::kTcp;
  absl::Duration interval = absl::Milliseconds(10);
  absl::Duration timeout = absl::Milliseconds(500);  // per request
  int max_requests = 6000;
  absl::Duration max_duration = absl::Seconds(60);
};

// One request from namespace `netns`; returns the answering host's name.
absl::StatusOr<std::string> ProbeOnce(const std::string& netns, const std::string& address,
                                      uint16_t port, Protocol protocol,
                                      absl::Duration timeout = absl::Milliseconds(500));

class Prober {
 public:
  // Starts probing from `netns` on a thread of its own.
  static absl::StatusOr<std::unique_ptr<Prober>> Start(const std::string& netns,
                                                       ProbeOptions options);
  ~Prober();  // stops
  Prober(const Prober&) = delete;
  Prober& operator=(const Prober&) = delete;

  // Stops sending; requests in flight finish (bounded by their timeout). Idempotent.
  void Stop();
  // Every request so far that has finished, in send order.
  std::vector<ProbeResult> Results() const;
  // Waits (bounded) until a request finished at or after `since` succeeded from a host other than
  // `not_host` (any host when empty); returns that result.
  absl::StatusOr<ProbeResult> WaitForAnswerFrom(absl::Time since, const std::string& not_host,
                                                absl::Duration timeout) const;

 private:
  explicit Prober(ProbeOptions options) : options_(std::move(options)) {}
  void Run(std::string netns, std::promise<absl::Status>* started);

  const ProbeOptions options_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  mutable std::mutex mu_;
  std::vector<ProbeResult> results_;  // guarded by mu_
};

}  // namespace ironlb::lab

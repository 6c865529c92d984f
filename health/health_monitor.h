// Runs the health checks of a set of backends, each on its own thread at its check's interval,
// and keeps each backend's up/down state (CheckState). Targets are replaced as a whole
// (SetTargets); a backend kept across calls keeps its state and its thread. `on_change` is called
// (from a checker thread) whenever a backend goes up or down (and, if asked, at its first result);
// the caller re-plans on its own thread. A check that cannot even open a socket is recorded as a
// problem, never as a crash, and leaves the backend's state alone.
#pragma once

#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/ip.h"
#include "config/backend_types.h"
#include "health/check_state.h"
#include "health/probe.h"

namespace ironlb::health {

struct CheckTarget {
  IpAddress address;
  uint16_t port = 0;
  config::HealthCheck check;

  friend bool operator==(const CheckTarget&, const CheckTarget&) = default;
};

struct BackendHealth {
  std::string key;
  bool up = true;
  bool known = false;  // a first result came in
  std::string detail;  // the last result's text
  uint32_t transitions = 0;
  uint64_t checks = 0;
  uint64_t local_errors = 0;                                  // checks this host could not run
  std::chrono::steady_clock::duration last_down_detection{};  // first failure -> marked down
};

class HealthMonitor {
 public:
  struct Options {
    // What a key names, in log lines ("backend down", "local check down").
    std::string subject = "backend";
    std::string key_field = "backend";  // the log field holding the key
    // Also call on_change when a key's first result comes in, whatever it is (a local check is
    // not passing until it has passed once; a backend is up until found down).
    bool notify_first_result = false;
  };
  HealthMonitor(std::shared_ptr<Prober> prober, std::function<void()> on_change);
  HealthMonitor(std::shared_ptr<Prober> prober, std::function<void()> on_change, Options options);
  ~HealthMonitor();
  HealthMonitor(const HealthMonitor&) = delete;
  HealthMonitor& operator=(const HealthMonitor&) = delete;

  // key -> what to check. Checks of type None are not run (always up).
  void SetTargets(const std::map<std::string, CheckTarget>& targets);
  // True unless the backend's checks found it down (unknown keys are up).
  bool IsUp(const std::string& key) const;
  std::vector<BackendHealth> Snapshot() const;

 private:
  struct Worker;
  void Run(Worker* w);

  std::shared_ptr<Prober> prober_;
  std::function<void()> on_change_;
  Options options_;
  mutable std::mutex mu_;
  std::map<std::string, std::unique_ptr<Worker>> workers_;
};

}  // namespace ironlb::health

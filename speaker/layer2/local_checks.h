// Health-gated layer-2 ownership: the checks a node runs on itself (an L2Advertisement's
// `localCheck`, e.g. its own kube-apiserver on 127.0.0.1:6443), with the backends' checker
// (health::HealthMonitor: interval, timeout, rise/fall, flap damping). The node is eligible for
// the advertisement's VIPs only while its check passes; a check passes from its first good
// result, and not before one. The speaker puts the passing ones in its adverts, so every
// speaker decides ownership from the same facts. Runs the checks on their own threads and
// tells its owner on the loop's thread.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "common/event_loop.h"
#include "config/types.h"
#include "health/health_monitor.h"
#include "health/probe.h"

namespace ironlb::speaker {

struct LocalCheckResult {
  std::string advertisement;  // the L2Advertisement
  std::string check;          // "TCP 127.0.0.1:6443"
  bool known = false;         // a first result came in
  bool passing = false;
  std::string detail;  // the last result's text
};

class LocalChecks {
 public:
  // `changed` runs on `loop`'s thread when a check starts or stops passing, or has its first
  // result. `prober` null: real sockets.
  LocalChecks(EventLoop* loop, std::shared_ptr<health::Prober> prober,
              std::function<void()> changed);
  ~LocalChecks();
  LocalChecks(const LocalChecks&) = delete;
  LocalChecks& operator=(const LocalChecks&) = delete;

  // One check per L2Advertisement with a localCheck; an unchanged check keeps its state.
  void Set(const config::Config& config);
  // The advertisements whose check passes now.
  std::set<std::string> Passing() const;
  // Every check has had its first result (or there are none).
  bool AllKnown() const;
  // The longest timeout of the checks (0 without checks): a first result is in by then.
  std::chrono::milliseconds LongestTimeout() const;
  std::vector<LocalCheckResult> Results() const;

 private:
  EventLoop* loop_;
  std::function<void()> changed_;
  std::map<std::string, config::LocalCheck> checks_;  // by advertisement
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
  std::unique_ptr<health::HealthMonitor> monitor_;
};

}  // namespace ironlb::speaker

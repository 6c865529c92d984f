// The router role's BGP part: keeps the router's own FRR accepting from the speakers' peer group
// only addresses of ironlb's pools (bgp::PoolFilterReconciler: prefix-lists ironlb-pools-v4/-v6
// through bgpd's gRPC northbound, bound inbound on the group through its vty). FRR calls block,
// so they run on a worker thread of their own: a slow or absent FRR never stalls the event
// loop, port forwarding or the HTTP server. The worker applies new pools at once (start,
// SIGHUP), retries failures with backoff, and re-checks FRR periodically (an FRR restarted
// without ironlb's lists gets them back).
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "bgp/northbound_client.h"
#include "bgp/pool_filter_reconciler.h"
#include "bgp/vty_session.h"
#include "common/metrics.h"
#include "config/types.h"

namespace ironlb::speaker {

struct RouterPoolFilterOptions {
  std::string peer_group;                // the speakers' peer group in the router's bgpd
  std::string vty_dir = "/var/run/frr";  // where bgpd.vty is
  std::string bgpd_grpc_target = "127.0.0.1:50052";
  absl::Duration recheck_interval = absl::Seconds(10);
  absl::Duration retry_min = absl::Milliseconds(100);
  absl::Duration retry_max = absl::Seconds(5);
};

class RouterPoolFilter {
 public:
  // Starts the worker. `registry` (optional) gets ironlb_router_pool_filter_* metrics.
  RouterPoolFilter(RouterPoolFilterOptions options, metrics::Registry* registry);
  ~RouterPoolFilter();  // stops the worker; FRR keeps the filter
  RouterPoolFilter(const RouterPoolFilter&) = delete;
  RouterPoolFilter& operator=(const RouterPoolFilter&) = delete;

  // Thread-safe. The newest pools win.
  void SetPools(const config::Config& config);

  // OK when the last pass converged (tests, status).
  absl::Status LastError() const;

 private:
  void Run();

  RouterPoolFilterOptions options_;
  std::unique_ptr<bgp::GrpcNorthboundClient> bgpd_;
  std::unique_ptr<bgp::SocketVtySession> vty_;
  std::unique_ptr<bgp::PoolFilterReconciler> reconciler_;

  mutable std::mutex mu_;
  std::condition_variable wake_;
  std::optional<config::Config> pending_;
  bool stop_ = false;
  absl::Status last_error_ = absl::UnavailableError("not applied yet");

  metrics::Family<metrics::Gauge>* in_sync_ = nullptr;
  metrics::Family<metrics::Gauge>* prefixes_ = nullptr;
  metrics::Family<metrics::Counter>* applies_ = nullptr;

  std::thread worker_;  // last: starts after everything above exists
};

}  // namespace ironlb::speaker

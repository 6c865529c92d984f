// The controller's Prometheus metrics:
//   ironlb_controller_leader                                   1 while this replica leads
//   ironlb_controller_services{state="assigned|pending"}       Services by outcome
//   ironlb_controller_pool_addresses{pool,family}              addresses a pool can hand out
//   ironlb_controller_pool_addresses_in_use{pool,family}       ... of which in use
//   ironlb_controller_allocation_errors_total                  Services that could not get IPs
//   ironlb_controller_reconcile_seconds                        one batch of changes, end to end
//   ironlb_controller_api_errors_total{operation}              failed API writes
//   ironlb_controller_config_objects_rejected                  configuration objects not usable
#pragma once

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "common/metrics.h"
#include "controller/allocation.h"

namespace ironlb::controller {

class ControllerMetrics {
 public:
  explicit ControllerMetrics(metrics::Registry& registry);

  void SetLeader(bool leading) { leader_.Set(leading ? 1 : 0); }
  void SetServices(int64_t assigned, int64_t pending);
  void SetPools(const std::vector<PoolStats>& pools);
  void AllocationError() { allocation_errors_.Increment(); }
  void ObserveReconcile(double seconds) { reconcile_.Observe(seconds); }
  void ApiError(absl::string_view operation);
  void SetRejectedObjects(size_t n) { rejected_.Set(static_cast<double>(n)); }
  // The same families as a --config-dir daemon's (config::ConfigReloader), for one dashboard.
  void ConfigApplied() { generation_.Add(1); }
  void SetConfigOutcome(bool ok, size_t errors) {
    last_ok_.Set(ok ? 1 : 0);
    config_errors_.Set(static_cast<double>(errors));
  }

 private:
  metrics::Gauge& leader_;
  metrics::Family<metrics::Gauge>& services_;
  metrics::Family<metrics::Gauge>& pool_total_;
  metrics::Family<metrics::Gauge>& pool_in_use_;
  metrics::Counter& allocation_errors_;
  metrics::Histogram& reconcile_;
  metrics::Family<metrics::Counter>& api_errors_;
  metrics::Gauge& rejected_;
  metrics::Gauge& generation_;
  metrics::Gauge& last_ok_;
  metrics::Gauge& config_errors_;
};

}  // namespace ironlb::controller

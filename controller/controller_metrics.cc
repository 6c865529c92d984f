#include "controller/controller_metrics.h"

namespace ironlb::controller {

ControllerMetrics::ControllerMetrics(metrics::Registry& registry)
    : leader_(registry
                  .AddGauge("ironlb_controller_leader",
                            "1 while this controller replica is the active one (holds the Lease).")
                  .Get()),
      services_(registry.AddGauge("ironlb_controller_services",
                                  "LoadBalancer Services ironlb serves, by outcome.", {"state"})),
      pool_total_(registry.AddGauge("ironlb_controller_pool_addresses",
                                    "Addresses a pool can hand out, per address family.",
                                    {"pool", "family"})),
      pool_in_use_(registry.AddGauge("ironlb_controller_pool_addresses_in_use",
                                     "Addresses of a pool held by Services, per address family.",
                                     {"pool", "family"})),
      allocation_errors_(
          registry
              .AddCounter("ironlb_controller_allocation_errors_total",
                          "Times a Service was left without addresses (see its Events for why).")
              .Get()),
      reconcile_(registry
                     .AddHistogram("ironlb_controller_reconcile_seconds",
                                   "Time to handle one batch of changes: decide, queue writes.", {},
                                   metrics::LatencyBuckets())
                     .Get()),
      api_errors_(registry.AddCounter("ironlb_controller_api_errors_total",
                                      "Kubernetes API requests that failed, by operation.",
                                      {"operation"})),
      rejected_(registry
                    .AddGauge("ironlb_controller_config_objects_rejected",
                              "ironlb.io configuration objects that fail validation.")
                    .Get()),
      generation_(registry
                      .AddGauge("ironlb_config_generation",
                                "How many configurations were put in force since start.")
                      .Get()),
      last_ok_(registry
                   .AddGauge("ironlb_config_last_reload_successful",
                             "1 when the last configuration had no errors; 0 when (part of) it "
                             "was refused and the previous version stays in force.")
                   .Get()),
      config_errors_(registry
                         .AddGauge("ironlb_config_errors",
                                   "Errors found in the last configuration (0 when it was good).")
                         .Get()) {}

void ControllerMetrics::SetServices(int64_t assigned, int64_t pending) {
  services_.WithLabels({"assigned"}).Set(static_cast<double>(assigned));
  services_.WithLabels({"pending"}).Set(static_cast<double>(pending));
}

void ControllerMetrics::SetPools(const std::vector<PoolStats>& pools) {
  pool_total_.Clear();
  pool_in_use_.Clear();
  for (const PoolStats& p : pools) {
    pool_total_.WithLabels({p.pool, "ipv4"}).Set(static_cast<double>(p.total_v4));
    pool_total_.WithLabels({p.pool, "ipv6"}).Set(static_cast<double>(p.total_v6));
    pool_in_use_.WithLabels({p.pool, "ipv4"}).Set(static_cast<double>(p.in_use_v4));
    pool_in_use_.WithLabels({p.pool, "ipv6"}).Set(static_cast<double>(p.in_use_v6));
  }
}

void ControllerMetrics::ApiError(absl::string_view operation) {
  api_errors_.WithLabels({std::string(operation)}).Increment();
}

}  // namespace ironlb::controller

// The configuration's health as metrics, the same for every source (a --config-dir, or
// ironlb.io objects from the API server):
//   ironlb_config_generation, ironlb_config_last_reload_successful, ironlb_config_errors.
#pragma once

#include <cstddef>

#include "common/metrics.h"
#include "config/config_store.h"

namespace ironlb::config {

class ConfigMetrics {
 public:
  explicit ConfigMetrics(metrics::Registry& registry);

  // After each load offered to `store`: `applied` when it is now in force, `errors` found in it.
  void Record(const ConfigStore& store, bool applied, size_t errors);

 private:
  metrics::Gauge& generation_;
  metrics::Gauge& last_ok_;
  metrics::Gauge& errors_;
};

}  // namespace ironlb::config

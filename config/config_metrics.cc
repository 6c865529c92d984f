#include "config/config_metrics.h"

namespace ironlb::config {

ConfigMetrics::ConfigMetrics(metrics::Registry& registry)
    : generation_(registry
                      .AddGauge("ironlb_config_generation",
                                "How many configurations have been loaded and put in force.")
                      .Get()),
      last_ok_(registry
                   .AddGauge("ironlb_config_last_reload_successful",
                             "1 when the last configuration load had no errors, else 0 (the "
                             "previous configuration stays in force).")
                   .Get()),
      errors_(
          registry.AddGauge("ironlb_config_errors", "Errors found in the last configuration load.")
              .Get()) {}

void ConfigMetrics::Record(const ConfigStore& store, bool applied, size_t errors) {
  errors_.Set(static_cast<double>(errors));
  last_ok_.Set(applied ? 1 : 0);
  generation_.Set(static_cast<double>(store.generation()));
}

}  // namespace ironlb::config

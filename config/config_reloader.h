// A daemon's view of its --config-dir: (re)loads it on request, keeps the last good
// configuration when a new one has errors, logs every problem, and exports
//   ironlb_config_generation, ironlb_config_last_reload_successful, ironlb_config_errors.
#pragma once

#include <string>

#include "common/metrics.h"
#include "config/config_metrics.h"
#include "config/config_store.h"

namespace ironlb::config {

class ConfigReloader {
 public:
  ConfigReloader(std::string dir, metrics::Registry& registry);

  // Reads the directory again. Returns true when the new configuration is in force.
  bool Reload();
  const ConfigStore& store() const { return store_; }
  const std::string& dir() const { return dir_; }

 private:
  std::string dir_;
  ConfigStore store_;
  ConfigMetrics metrics_;
};

}  // namespace ironlb::config

#include "config/config_reloader.h"

#include "common/log.h"

namespace ironlb::config {

ConfigReloader::ConfigReloader(std::string dir, metrics::Registry& registry)
    : dir_(std::move(dir)), metrics_(registry) {}

bool ConfigReloader::Reload() {
  LoadResult result = LoadDirectory(dir_);
  const size_t errors = CountErrors(result.diagnostics);
  for (const Diagnostic& d : result.diagnostics) {
    if (d.is_error()) {
      IRONLB_LOG(kError, "config error").With("where", d.ToString());
    } else {
      IRONLB_LOG(kWarn, "config warning").With("where", d.ToString());
    }
  }
  const size_t pools = result.config.pools.size();
  const bool applied = store_.Offer(std::move(result));
  metrics_.Record(store_, applied, errors);
  if (applied) {
    IRONLB_LOG(kInfo, "configuration loaded")
        .With("dir", dir_)
        .With("generation", store_.generation())
        .With("pools", pools);
  } else if (store_.current()) {
    IRONLB_LOG(kError, "configuration rejected; the previous one stays in force")
        .With("dir", dir_)
        .With("errors", errors)
        .With("action", "fix the errors above, then send SIGHUP or restart");
  } else {
    IRONLB_LOG(kError, "configuration rejected; nothing is configured yet")
        .With("dir", dir_)
        .With("errors", errors)
        .With("action", "fix the errors above, then send SIGHUP or restart");
  }
  return applied;
}

}  // namespace ironlb::config

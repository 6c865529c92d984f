// Turns the ironlb.io objects found in the API into the configuration the engine runs on.
//
// Each object is judged on its own: when the objects as they are now fail validation, the
// objects named by the errors are replaced by their last good version (or left out when they
// never had one) and the rest is validated again, so one bad edit does not hold back the
// others. When even that fails, no configuration is produced and the last one stays in force.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "config/diagnostic.h"
#include "config/types.h"
#include "nlohmann/json.hpp"

namespace ironlb::controller {

struct ConfigAssembly {
  // The configuration to run on; nullopt: keep the one in force.
  std::optional<config::Config> config;
  // Identifies `config`: equal fingerprints mean the same configuration.
  std::string fingerprint;
  // Errors per object ("AddressPool/lan"); an object listed here is not used as it is now.
  std::map<std::string, std::vector<config::Diagnostic>> rejected;
  // Errors that name no object, and warnings.
  std::vector<config::Diagnostic> other;
};

class ConfigAssembler {
 public:
  // `objects`: every ironlb.io object now in the API (kind, apiVersion, metadata, spec).
  ConfigAssembly Assemble(const std::vector<nlohmann::json>& objects);

 private:
  // "Kind/name" -> the object's last version that was part of an applied configuration.
  std::map<std::string, nlohmann::json> last_good_;
};

// "Kind/name" of an API object ("Kind.metallb.io/name" for MetalLB's), as config/ names
// objects in diagnostics.
std::string ConfigObjectKey(const nlohmann::json& object);

}  // namespace ironlb::controller

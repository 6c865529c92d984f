// Tells the operator which configuration objects ironlb cannot use, where they look: a Warning
// Event on the object naming the field and the problem, and an "Accepted" condition in the
// object's status (True when in force, False with the reason when not). Writes only what
// changed, so running it after every configuration change is cheap.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "controller/config_assembler.h"
#include "kube/client.h"
#include "kube/event_recorder.h"
#include "kube/store.h"

namespace ironlb::controller {

class ConfigReporter {
 public:
  ConfigReporter(kube::Client* client, kube::EventRecorder* recorder)
      : client_(client), recorder_(recorder) {}

  // `objects`: the ironlb.io objects now in the API; `assembly`: what was made of them.
  // Returns the number of failed API requests.
  int Report(const std::vector<kube::ObjectPtr>& objects, const ConfigAssembly& assembly);

  // "spec.addresses[1]: ...; spec.tcpMSS: ..." for messages.
  static std::string Describe(const std::vector<config::Diagnostic>& problems);

 private:
  int WriteCondition(const nlohmann::json& object, const std::string& status,
                     const std::string& reason, const std::string& message);

  kube::Client* client_;
  kube::EventRecorder* recorder_;
  std::map<std::string, std::string> evented_;  // "Kind/name" -> the problem last reported
  std::map<std::string, std::string> warned_;   // "Kind/name" -> the warnings last reported
};

}  // namespace ironlb::controller

// Builds the speaker's status message (proto/ironlb_status.proto) from its parts. Runs on the
// event loop's thread; every part is optional (a router host has no layer 2, say).
#pragma once

#include <string>

#include "absl/time/time.h"
#include "config/config_store.h"
#include "proto/ironlb_status.pb.h"
#include "speaker/bgp/bgp_speaker.h"
#include "speaker/layer2/layer2_speaker.h"
#include "speaker/nft_programmer.h"
#include "speaker/router/router_role.h"

namespace ironlb::speaker {

struct StatusParts {
  std::string node;
  config::Labels labels;  // this node's
  absl::Time started;
  std::string config_dir;
  const config::ConfigStore* config = nullptr;
  const Layer2Speaker* layer2 = nullptr;
  const NftProgrammer* nft = nullptr;
  const BgpSpeaker* bgp = nullptr;
  const RouterRole* router = nullptr;
  std::vector<std::string> problems;  // found by the wiring (a missing key, say)
};

status::v1::SpeakerState BuildStatus(const StatusParts& parts);

}  // namespace ironlb::speaker

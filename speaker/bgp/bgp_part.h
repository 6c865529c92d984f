// BGP as a part of the speaker agent: starts the BgpSpeaker (FRR's worker) when the
// configuration first has a BGPPeer, then plans this node's announcements from every new input
// and hands them over. Once started it stays for the process's life (its metrics are registered
// once); a configuration without peers makes it remove ironlb's routes and sessions from FRR.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "bgp/desired_state.h"
#include "common/event_loop.h"
#include "common/metrics.h"
#include "speaker/bgp/bgp_plan.h"
#include "speaker/bgp/bgp_speaker.h"
#include "speaker/speaker_part.h"

namespace ironlb::speaker {

class BgpPart : public SpeakerPart {
 public:
  // `node`: this node as BGP plans it (name, labels, --local-services); in Kubernetes mode the
  // cluster's facts refine it at every apply. `loop` and `registry` outlive the part.
  BgpPart(EventLoop* loop, BgpSpeakerOptions options, BgpNode node, metrics::Registry* registry);

  void Apply(const SpeakerInputs& inputs, std::vector<std::string>& problems) override;
  void Shutdown(std::function<void()> done) override;

  // Null until a BGPPeer was configured.
  const BgpSpeaker* speaker() const { return speaker_.get(); }
  // What was last handed to FRR (nullopt while BGP is off), for ServiceAnnouncements.
  const std::optional<bgp::DesiredState>& desired() const { return desired_; }

 private:
  EventLoop* loop_;
  BgpSpeakerOptions options_;
  BgpNode node_;
  metrics::Registry* registry_;
  std::unique_ptr<BgpSpeaker> speaker_;
  std::optional<bgp::DesiredState> desired_;
};

}  // namespace ironlb::speaker

#include "speaker/bgp/bgp_part.h"

#include <utility>

namespace ironlb::speaker {

BgpPart::BgpPart(EventLoop* loop, BgpSpeakerOptions options, BgpNode node,
                 metrics::Registry* registry)
    : loop_(loop), options_(std::move(options)), node_(std::move(node)), registry_(registry) {}

void BgpPart::Apply(const SpeakerInputs& inputs, std::vector<std::string>& /*problems*/) {
  if (inputs.facts) ApplyClusterFacts(*inputs.facts, &node_);
  if (!speaker_ && !inputs.config->config.bgp_peers.empty()) {
    speaker_ = std::make_unique<BgpSpeaker>(options_, registry_);
  }
  if (!speaker_) return;
  desired_ = PlanBgp(inputs.config->config, inputs.services, node_);
  speaker_->SetDesired(*desired_);
}

void BgpPart::Shutdown(std::function<void()> done) {
  if (!speaker_) {
    done();
    return;
  }
  // The worker calls back from its own thread: come back to the loop's.
  speaker_->Shutdown([loop = loop_, done = std::move(done)] { loop->Post(done); });
}

}  // namespace ironlb::speaker

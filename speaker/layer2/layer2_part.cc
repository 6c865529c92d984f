#include "speaker/layer2/layer2_part.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "arp/counters.h"
#include "common/log.h"

namespace ironlb::speaker {

Layer2Part::Layer2Part(EventLoop* loop, arp::PacketSocketFactory* sockets,
                       Layer2SpeakerOptions options, metrics::Registry* registry)
    : loop_(loop), sockets_(sockets), options_(std::move(options)), registry_(registry) {}

void Layer2Part::Apply(const SpeakerInputs& inputs, std::vector<std::string>& problems) {
  if (!speaker_ && !inputs.config->config.l2_advertisements.empty()) {
    if (options_.key.empty()) {
      IRONLB_LOG(kError, "layer 2 is configured but no key was given; nothing is announced")
          .With("action",
                "pass --layer2-key-file with the key shared by all speakers (in Kubernetes: "
                "create the Secret ironlb-layer2-key, then restart the speakers)");
      problems.push_back(
          "layer 2 is configured but no --layer2-key-file was given; nothing is announced");
      if (on_missing_key_ && !missing_key_reported_) {
        missing_key_reported_ = true;
        for (const config::L2Advertisement& ad : inputs.config->config.l2_advertisements) {
          on_missing_key_(ad);
        }
      }
      return;
    }
    auto l2 = Layer2Speaker::Create(loop_, sockets_, options_, registry_);
    if (!l2.ok()) {
      IRONLB_LOG(kError, "layer 2 cannot start").With("error", l2.status());
      problems.push_back(absl::StrCat("layer 2 cannot start: ", l2.status().message()));
      return;
    }
    speaker_ = std::move(*l2);
    if (registry_ != nullptr) arp::RegisterLayer2Metrics(*registry_, speaker_->counters());
  }
  if (speaker_) speaker_->SetDesired(inputs.config, inputs.services, inputs.facts);
}

void Layer2Part::Shutdown(std::function<void()> done) {
  if (!speaker_) {
    done();
    return;
  }
  speaker_->Shutdown(std::move(done));
}

void Layer2Part::Restart() {
  if (speaker_) speaker_->Restart(nullptr);
}

std::map<std::string, std::vector<IpAddress>> Layer2Part::Owned() const {
  return speaker_ ? speaker_->Owned() : std::map<std::string, std::vector<IpAddress>>();
}

}  // namespace ironlb::speaker

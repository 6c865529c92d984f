// Layer 2 as a part of the speaker agent: starts the Layer2Speaker when the configuration first
// has an L2Advertisement (it needs the shared key), then hands it every new input. Once started
// it stays for the process's life (its metrics are registered once); a configuration without
// L2Advertisements leaves it owning nothing.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "arp/packet_socket.h"
#include "common/event_loop.h"
#include "common/metrics.h"
#include "speaker/layer2/layer2_speaker.h"
#include "speaker/speaker_part.h"

namespace ironlb::speaker {

class Layer2Part : public SpeakerPart {
 public:
  // `options.key` empty: layer 2 cannot start (a problem, not an error: BGP and the router role
  // go on). `loop`, `sockets` and `registry` outlive the part.
  Layer2Part(EventLoop* loop, arp::PacketSocketFactory* sockets, Layer2SpeakerOptions options,
             metrics::Registry* registry);

  void Apply(const SpeakerInputs& inputs, std::vector<std::string>& problems) override;
  void Shutdown(std::function<void()> done) override;
  // Restarting: the speaker keeps its VIPs for the next process (Layer2Speaker::Restart).
  void Restart();

  // Called once per process, for each L2Advertisement, when layer 2 is configured but there is
  // no key (Kubernetes: a Warning Event where `kubectl describe` shows it).
  void OnMissingKey(std::function<void(const config::L2Advertisement&)> report) {
    on_missing_key_ = std::move(report);
  }

  // Null until started.
  const Layer2Speaker* speaker() const { return speaker_.get(); }
  // VIPs this node answers for now, per interface (empty when layer 2 is off).
  std::map<std::string, std::vector<IpAddress>> Owned() const;

 private:
  EventLoop* loop_;
  arp::PacketSocketFactory* sockets_;
  Layer2SpeakerOptions options_;
  metrics::Registry* registry_;
  std::unique_ptr<Layer2Speaker> speaker_;
  std::function<void(const config::L2Advertisement&)> on_missing_key_;
  bool missing_key_reported_ = false;
};

}  // namespace ironlb::speaker

// What the speaker agent (speaker_agent.h) tells each of its subsystems (layer 2, BGP, the
// router role): the inputs in force after every change, and "stop" on a graceful shutdown.
// Each subsystem folder has one SpeakerPart; the agent knows nothing else of their insides.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "config/loader.h"
#include "speaker/assigned_service.h"
#include "speaker/cluster_facts.h"

namespace ironlb::speaker {

// Everything a subsystem plans from. Built by the agent from the directory or the cluster.
struct SpeakerInputs {
  std::shared_ptr<const config::LoadResult> config;  // never null
  const AssignedServices& services;
  // Kubernetes (and router-with-cluster) mode: nodes and endpoints; null in standalone mode.
  std::shared_ptr<const ClusterFacts> facts;
};

class SpeakerPart {
 public:
  virtual ~SpeakerPart() = default;

  // On the loop's thread, after every change of the inputs. A subsystem that is not
  // configured starts nothing; one that cannot start appends why to `problems` (shown by
  // `ironlbctl status`) and the others go on.
  virtual void Apply(const SpeakerInputs& inputs, std::vector<std::string>& problems) = 0;

  // Graceful stop (SIGTERM): hand over, withdraw; `done` runs on the loop's thread once this
  // part has let go. The part is destroyed after the loop stopped.
  virtual void Shutdown(std::function<void()> done) { done(); }
};

}  // namespace ironlb::speaker

// The router role as a part of the speaker agent: port forwarding (RouterRole) starts when the
// configuration first has a PortForward (it needs nftables); with a speakers' peer group, the
// router's FRR pool filter (RouterPoolFilter) runs from the start. Both stay for the
// process's life; a configuration without PortForwards removes the forwards.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/event_loop.h"
#include "common/metrics.h"
#include "speaker/nft_programmer.h"
#include "speaker/router/router_pool_filter.h"
#include "speaker/router/router_role.h"
#include "speaker/speaker_part.h"

namespace ironlb::speaker {

class RouterPart : public SpeakerPart {
 public:
  // `nft` null: nftables is unavailable, so forwarding cannot start (a problem when a
  // PortForward is configured). `pool_filter` empty peer_group: no pool filter. `loop`, `nft`
  // and `registry` outlive the part.
  RouterPart(EventLoop* loop, NftProgrammer* nft, absl::Status nft_error,
             RouterPoolFilterOptions pool_filter, RouterRole::Options role,
             metrics::Registry* registry);

  void Apply(const SpeakerInputs& inputs, std::vector<std::string>& problems) override;

  // Null until a PortForward was configured.
  const RouterRole* role() const { return role_.get(); }
  // Whether this router's FRR is driven (its gRPC ports must then be guarded).
  bool filters_pools() const { return pool_filter_ != nullptr; }

 private:
  EventLoop* loop_;
  NftProgrammer* nft_;
  absl::Status nft_error_;
  RouterRole::Options role_options_;
  metrics::Registry* registry_;
  std::unique_ptr<RouterPoolFilter> pool_filter_;
  std::unique_ptr<RouterRole> role_;
};

}  // namespace ironlb::speaker

// The router role as a part of the speaker agent: port forwarding (RouterRole) starts when the
// configuration first has a PortForward (it needs nftables); with a speakers' peer group, the
// router's FRR pool filter (RouterPoolFilter) runs from the start. Both stay for the
// process's life; a configuration without PortForwards removes the forwards. With conntrackd
// configured, the part tells it (ConntrackSync) at every change of layer-2 ownership whether
// this router holds one of the PortForwards' outside addresses.
#pragma once

#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "common/event_loop.h"
#include "common/metrics.h"
#include "speaker/nft_programmer.h"
#include "speaker/router/conntrack_sync.h"
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
             metrics::Registry* registry, ConntrackSyncOptions conntrack = {},
             std::unique_ptr<CommandRunner> runner = nullptr);

  void Apply(const SpeakerInputs& inputs, std::vector<std::string>& problems) override;

  // Layer 2 is about to answer for exactly `owned` (every interface): conntrackd's role follows
  // (the commit of a new primary runs before this returns). Loop's thread.
  void OwnershipChanging(const std::set<IpAddress>& owned);
  const ConntrackSync* conntrack() const { return conntrack_.get(); }

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
  std::unique_ptr<ConntrackSync> conntrack_;  // null: no conntrackd configured
  std::set<IpAddress> outside_addresses_;     // of every PortForward, at the last Apply
  std::set<IpAddress> owned_;                 // what layer 2 last said
};

}  // namespace ironlb::speaker

#include "speaker/router/router_part.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/log.h"

namespace ironlb::speaker {

RouterPart::RouterPart(EventLoop* loop, NftProgrammer* nft, absl::Status nft_error,
                       RouterPoolFilterOptions pool_filter, RouterRole::Options role,
                       metrics::Registry* registry, ConntrackSyncOptions conntrack,
                       std::unique_ptr<CommandRunner> runner)
    : loop_(loop),
      nft_(nft),
      nft_error_(std::move(nft_error)),
      role_options_(std::move(role)),
      registry_(registry) {
  if (!pool_filter.peer_group.empty()) {
    pool_filter_ = std::make_unique<RouterPoolFilter>(std::move(pool_filter), registry_);
  }
  if (!conntrack.config.empty()) {
    conntrack_ = std::make_unique<ConntrackSync>(
        std::move(conntrack), runner ? std::move(runner) : MakeProcessRunner(), registry_);
    conntrack_->SetRole(ConntrackRole::kBackup);  // until layer 2 says we hold an address
  }
}

void RouterPart::OwnershipChanging(const std::set<IpAddress>& owned) {
  owned_ = owned;
  if (!conntrack_) return;
  bool primary = false;
  for (const IpAddress& a : outside_addresses_) primary = primary || owned.count(a) > 0;
  conntrack_->SetRole(primary ? ConntrackRole::kPrimary : ConntrackRole::kBackup);
}

void RouterPart::Apply(const SpeakerInputs& inputs, std::vector<std::string>& problems) {
  const config::Config& config = inputs.config->config;
  if (pool_filter_) pool_filter_->SetPools(config);
  outside_addresses_.clear();
  for (const config::PortForward& pf : config.port_forwards) {
    outside_addresses_.insert(pf.addresses.begin(), pf.addresses.end());
  }
  if (conntrack_) OwnershipChanging(owned_);  // the addresses may have changed
  if (!role_ && !config.port_forwards.empty()) {
    auto r = nft_ != nullptr ? RouterRole::Create(loop_, nft_, registry_, role_options_)
                             : absl::StatusOr<std::unique_ptr<RouterRole>>(nft_error_);
    if (r.ok()) {
      role_ = std::move(*r);
    } else {
      IRONLB_LOG(kError, "PortForward configured but the router role cannot start")
          .With("error", r.status())
          .With("action", "give the speaker CAP_NET_ADMIN (ironlb-router.service does)");
      problems.push_back(absl::StrCat("nothing is forwarded: ", r.status().message()));
    }
  }
  if (role_) role_->SetDesired(config, inputs.services);
}

}  // namespace ironlb::speaker

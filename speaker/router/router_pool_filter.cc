#include "speaker/router/router_pool_filter.h"

#include <chrono>

#include "absl/strings/str_join.h"
#include "common/log.h"
#include "common/retry_tracker.h"

namespace ironlb::speaker {
namespace {

std::chrono::steady_clock::time_point After(absl::Duration d) {
  return std::chrono::steady_clock::now() + absl::ToChronoNanoseconds(d);
}

}  // namespace

RouterPoolFilter::RouterPoolFilter(RouterPoolFilterOptions options, metrics::Registry* registry)
    : options_(std::move(options)) {
  bgpd_ = bgp::GrpcNorthboundClient::Create("bgpd", options_.bgpd_grpc_target);
  vty_ = std::make_unique<bgp::SocketVtySession>("bgpd", options_.vty_dir + "/bgpd.vty");
  reconciler_ =
      std::make_unique<bgp::PoolFilterReconciler>(bgpd_.get(), vty_.get(), options_.peer_group);
  if (registry != nullptr) {
    in_sync_ = &registry->AddGauge(
        "ironlb_router_pool_filter_in_sync",
        "1 when the router's bgpd accepts from the speakers' peer group only the pools' "
        "addresses (prefix-lists ironlb-pools-v4/-v6 bound inbound); 0 while FRR is unreachable "
        "or refuses.");
    prefixes_ = &registry->AddGauge("ironlb_router_pool_filter_prefixes",
                                    "Pool CIDRs in the router's inbound filter.", {"family"});
    applies_ = &registry->AddCounter("ironlb_router_pool_filter_applies_total",
                                     "Passes that changed FRR, by result (ok, error).", {"result"});
    in_sync_->WithLabels({}).Set(0);
  }
  worker_ = std::thread([this] { Run(); });
}

RouterPoolFilter::~RouterPoolFilter() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  wake_.notify_all();
  if (worker_.joinable()) worker_.join();
}

void RouterPoolFilter::SetPools(const config::Config& config) {
  config::Config pools;
  pools.pools = config.pools;  // only the pools matter here, and whether routes are weighted
  pools.bgp_advertisements = config.bgp_advertisements;
  {
    std::lock_guard<std::mutex> lock(mu_);
    pending_ = std::move(pools);
  }
  wake_.notify_all();
}

absl::Status RouterPoolFilter::LastError() const {
  std::lock_guard<std::mutex> lock(mu_);
  return last_error_;
}

void RouterPoolFilter::Run() {
  std::optional<config::Config> current;
  RetryTracker retry(
      {.failing = "pool filter: router's FRR not in sync; retrying",
       .recovered = "pool filter: router's FRR in sync again",
       .action = "check that bgpd runs with -M grpc:PORT on the port given with "
                 "--frr-grpc-ports, that --frr-vty-dir holds bgpd.vty, and FRR's message above",
       .backoff = {.initial = options_.retry_min, .max = options_.retry_max},
       .in_sync = in_sync_ != nullptr ? &in_sync_->WithLabels({}) : nullptr});
  auto next_pass = std::chrono::steady_clock::now();
  std::string weighting_blocked;  // last reported
  while (true) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      wake_.wait_until(lock, next_pass, [&] { return stop_ || pending_.has_value(); });
      if (stop_) return;
      if (pending_) {
        current = std::move(*pending_);
        pending_.reset();
        retry.Reset();  // new pools are tried at once
      } else if (std::chrono::steady_clock::now() < next_pass) {
        continue;
      }
    }
    if (!current) {
      next_pass = After(options_.recheck_interval);
      continue;
    }
    auto result = reconciler_->Apply(*current);
    if (result.ok()) {
      retry.Succeeded();
      next_pass = After(options_.recheck_interval);
      if (result->Changed()) {
        IRONLB_LOG(kInfo, "pool filter: router's FRR updated")
            .With("peer_group", options_.peer_group)
            .With("prefixes_v4", result->prefixes_v4)
            .With("prefixes_v6", result->prefixes_v6)
            .With("northbound_edits", result->edits)
            .With("vty", absl::StrJoin(result->vty_commands, " / "));
        if (applies_ != nullptr) applies_->WithLabels({"ok"}).Increment();
      }
      if (result->weighting_blocked != weighting_blocked) {
        weighting_blocked = result->weighting_blocked;
        if (!weighting_blocked.empty()) {
          IRONLB_LOG(kWarn, "weighted ECMP: this router's FRR will not weigh the speakers' routes")
              .With("reason", weighting_blocked)
              .With("action",
                    "remove that line from the router's FRR configuration (see docs/bgp.md, "
                    "weighted ECMP), or set weightByEndpoints: false");
        }
      }
      if (prefixes_ != nullptr) {
        prefixes_->WithLabels({"ipv4"}).Set(static_cast<double>(result->prefixes_v4));
        prefixes_->WithLabels({"ipv6"}).Set(static_cast<double>(result->prefixes_v6));
      }
    } else {
      next_pass = After(retry.Failed(result.status()));
      if (applies_ != nullptr) applies_->WithLabels({"error"}).Increment();
    }
    std::lock_guard<std::mutex> lock(mu_);
    last_error_ = result.status();
  }
}

}  // namespace ironlb::speaker

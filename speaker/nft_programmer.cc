#include "speaker/nft_programmer.h"

#include <algorithm>
#include <set>

#include "absl/strings/str_cat.h"
#include "common/log.h"
#include "common/retry_tracker.h"
#include "nft/mnl_transport.h"

namespace ironlb::speaker {

namespace {

RetryTracker::Options RetryOptions() {
  return {.failing = "cannot program nftables; will retry",
          .recovered = "nftables programmed again",
          .action = "check that the speaker has CAP_NET_ADMIN and the kernel nf_tables support",
          .backoff = {.initial = absl::Milliseconds(100), .max = absl::Seconds(30)}};
}

}  // namespace

absl::StatusOr<std::unique_ptr<NftProgrammer>> NftProgrammer::Create(EventLoop* loop,
                                                                     metrics::Registry* registry) {
  auto transport = nft::MnlTransport::Create();
  if (!transport.ok()) return transport.status();
  auto p = std::make_unique<NftProgrammer>(loop, transport->get(), registry);
  p->owned_transport_ = std::move(*transport);
  return p;
}

NftProgrammer::NftProgrammer(EventLoop* loop, nft::NetlinkTransport* transport,
                             metrics::Registry* registry)
    : loop_(loop), reconciler_(transport), retry_(RetryOptions()) {
  if (registry == nullptr) return;
  latency_ = &registry
                  ->AddHistogram("ironlb_nft_reconcile_seconds",
                                 "Time to converge ironlb's nftables table (read, diff, commit).",
                                 {}, metrics::LatencyBuckets())
                  .Get();
  failures_ = &registry
                   ->AddCounter("ironlb_nft_reconcile_failures_total",
                                "nftables reconciles the kernel refused (retried with backoff).")
                   .Get();
  clamped_gauge_ =
      &registry->AddGauge("ironlb_nft_clamped_vips", "VIPs whose TCP MSS is clamped.").Get();
  forwards_gauge_ =
      &registry->AddGauge("ironlb_nft_port_forwards", "Port forwards programmed.").Get();
}

NftProgrammer::~NftProgrammer() {
  if (timer_ != 0) loop_->Cancel(timer_);
}

void NftProgrammer::SetClampedVips(std::vector<nft::ClampedVip> vips) {
  clamped_ = std::move(vips);
  Schedule(std::chrono::milliseconds(0));
}

void NftProgrammer::SetForwards(std::vector<nft::PortForwardEntry> forwards) {
  forwards_ = std::move(forwards);
  Schedule(std::chrono::milliseconds(0));
}

void NftProgrammer::SetGuardedTcpPorts(const std::string& author, std::vector<uint16_t> ports) {
  if (ports.empty()) {
    guarded_.erase(author);
  } else {
    guarded_[author] = std::move(ports);
  }
  Schedule(std::chrono::milliseconds(0));
}

void NftProgrammer::Schedule(std::chrono::milliseconds delay) {
  if (timer_ != 0) {
    // A retry is pending: a new desired state is worth trying at once.
    if (delay.count() != 0) return;
    loop_->Cancel(timer_);
  }
  timer_ = loop_->RunAfter(delay, [this] {
    timer_ = 0;
    (void)ApplyNow();
  });
}

nft::DesiredState NftProgrammer::Merge() {
  nft::DesiredState want;
  dropped_.clear();
  std::set<IpAddress> seen_vips;
  for (const nft::ClampedVip& v : clamped_) {
    if (absl::Status st = nft::ValidateClampedVip(v); !st.ok()) {
      dropped_.push_back(std::string(st.message()));
      continue;
    }
    if (!seen_vips.insert(v.vip).second) {
      dropped_.push_back(
          absl::StrCat("MSS clamp for ", v.vip.ToString(), " given twice; first kept"));
      continue;
    }
    want.clamped_vips.push_back(v);
  }
  for (size_t i = 0; i < forwards_.size(); ++i) {
    if (absl::Status st = nft::ValidateForward(forwards_[i], i); !st.ok()) {
      dropped_.push_back(std::string(st.message()));
      continue;
    }
    want.forwards.push_back(forwards_[i]);
  }
  std::set<uint16_t> ports;
  for (const auto& [author, list] : guarded_) ports.insert(list.begin(), list.end());
  want.guarded_tcp_ports.assign(ports.begin(), ports.end());
  // Conflicting forwards (same outside key, different targets) are the author's to resolve;
  // if any slipped through, the whole-state check names them and nothing is applied.
  return want;
}

absl::Status NftProgrammer::ApplyNow() {
  nft::DesiredState want = Merge();
  for (const std::string& d : dropped_) {
    IRONLB_LOG(kError, "nftables entry dropped").With("problem", d);
  }
  const auto start = std::chrono::steady_clock::now();
  auto result = reconciler_.Reconcile(want);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (latency_ != nullptr) latency_->Observe(seconds);
  if (!result.ok()) {
    last_error_ = result.status();
    converged_ = false;
    if (failures_ != nullptr) failures_->Increment();
    const absl::Duration wait = retry_.Failed(last_error_);
    Schedule(std::max(
        std::chrono::milliseconds(1),
        std::chrono::duration_cast<std::chrono::milliseconds>(absl::ToChronoMilliseconds(wait))));
    return last_error_;
  }
  if (!converged_ || result->operations > 0) {
    IRONLB_LOG(kInfo, "nftables programmed")
        .With("clamped_vips", want.clamped_vips.size())
        .With("forwards", want.forwards.size())
        .With("operations", result->operations);
  }
  applied_ = std::move(want);
  last_error_ = absl::OkStatus();
  converged_ = true;
  retry_.Succeeded();
  if (clamped_gauge_ != nullptr)
    clamped_gauge_->Set(static_cast<double>(applied_.clamped_vips.size()));
  if (forwards_gauge_ != nullptr)
    forwards_gauge_->Set(static_cast<double>(applied_.forwards.size()));
  return absl::OkStatus();
}

}  // namespace ironlb::speaker

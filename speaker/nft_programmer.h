// The speaker's nftables table has several authors: MSS clamps (every mode), port forwards
// (router role), loopback-only ports (FRR's gRPC). Each sets its own part; the programmer merges
// the parts into one nft::DesiredState and converges the kernel on the event loop, coalescing
// the changes of one loop turn into one batch and retrying with backoff when the kernel refuses.
// A bad entry is dropped with an error naming it; the rest is applied.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/event_loop.h"
#include "common/metrics.h"
#include "common/retry_tracker.h"
#include "nft/desired_state.h"
#include "nft/netlink_transport.h"
#include "nft/reconciler.h"

namespace ironlb::speaker {

class NftProgrammer {
 public:
  // The real kernel (NETLINK_NETFILTER). `registry` may be null.
  static absl::StatusOr<std::unique_ptr<NftProgrammer>> Create(EventLoop* loop,
                                                               metrics::Registry* registry);
  // Any transport (tests pass a fake); `transport` must outlive the programmer.
  NftProgrammer(EventLoop* loop, nft::NetlinkTransport* transport, metrics::Registry* registry);
  ~NftProgrammer();

  void SetClampedVips(std::vector<nft::ClampedVip> vips);
  void SetForwards(std::vector<nft::PortForwardEntry> forwards);
  // Ports are kept per author ("frr-grpc", ...), so authors do not overwrite each other.
  void SetGuardedTcpPorts(const std::string& author, std::vector<uint16_t> ports);

  // What the kernel was last made to hold, the last apply's error (OK when it converged) and
  // the problems of dropped entries.
  const nft::DesiredState& applied() const { return applied_; }
  const absl::Status& last_error() const { return last_error_; }
  const std::vector<std::string>& dropped() const { return dropped_; }
  bool converged() const { return converged_; }
  nft::Reconciler& reconciler() { return reconciler_; }

  // Applies now, on the caller's thread (the loop's): for tests and for the first apply.
  absl::Status ApplyNow();

 private:
  void Schedule(std::chrono::milliseconds delay);
  nft::DesiredState Merge();

  EventLoop* loop_;
  std::unique_ptr<nft::NetlinkTransport> owned_transport_;
  nft::Reconciler reconciler_;
  std::vector<nft::ClampedVip> clamped_;
  std::vector<nft::PortForwardEntry> forwards_;
  std::map<std::string, std::vector<uint16_t>> guarded_;
  nft::DesiredState applied_;
  absl::Status last_error_;
  std::vector<std::string> dropped_;
  bool converged_ = false;
  EventLoop::TimerId timer_ = 0;
  RetryTracker retry_;

  metrics::Histogram* latency_ = nullptr;
  metrics::Counter* failures_ = nullptr;
  metrics::Gauge* clamped_gauge_ = nullptr;
  metrics::Gauge* forwards_gauge_ = nullptr;
};

}  // namespace ironlb::speaker

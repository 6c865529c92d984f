// The BGP half of the speaker: keeps this node's FRR equal to the latest bgp::DesiredState.
// FRR calls block (gRPC deadlines, vty replies), so they run on a worker thread of their own:
// a slow or dead FRR never stalls the event loop, layer 2 or the HTTP server. The worker
// applies each new desired state at once, retries failures with exponential backoff, audits
// FRR periodically (re-applying everything after an FRR restart), and on shutdown withdraws
// this node's routes and waits (bounded) until bgpd has sent the withdrawals.
#pragma once

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "bgp/desired_state.h"
#include "bgp/frr_reconciler.h"
#include "bgp/frr_status.h"
#include "bgp/northbound_client.h"
#include "bgp/vty_session.h"
#include "common/metrics.h"
#include "speaker/bgp/peer_secrets.h"

namespace ironlb::speaker {

struct BgpSpeakerOptions {
  std::string vty_dir = "/var/run/frr";  // where bgpd.vty is
  std::string grpc_host = "127.0.0.1";
  int staticd_grpc_port = 50051;
  int bgpd_grpc_port = 50052;
  int bfdd_grpc_port = 50053;  // 0: no bfdd (BFDProfiles are then refused)
  absl::Duration audit_interval = absl::Seconds(2);
  absl::Duration retry_min = absl::Milliseconds(100);
  absl::Duration retry_max = absl::Seconds(5);
  absl::Duration withdraw_wait = absl::Seconds(1);
  // Each FRR call's deadline. Generous: a commit of thousands of VIPs takes a good part of a
  // second (see docs/bgp.md), a slow machine more, and the calls run on the worker thread.
  absl::Duration call_deadline = absl::Seconds(30);
  // BGPPeer passwordSecret: where the passwords come from (null: such peers are left out, with
  // a problem reported). Read on the worker thread when a new state arrives, and again every
  // secret_refresh (a changed password is applied then).
  std::shared_ptr<SecretReader> secrets;
  absl::Duration secret_refresh = absl::Seconds(30);
  // Called on the worker thread with each problem of a secret, when the set of problems changes
  // (also logged).
  std::function<void(const PeerSecretProblem&)> on_secret_problem;
};

// --frr-vty-dir and --frr-grpc-ports ("staticd,bgpd,bfdd") into options; errors name the flag.
absl::StatusOr<BgpSpeakerOptions> ParseBgpFlags(const std::string& vty_dir,
                                                const std::string& grpc_ports);
// FRR's gRPC ports, which listen on every address without TLS: the nft/ port guard lets only
// loopback reach them.
std::vector<uint16_t> FrrGrpcPorts(const BgpSpeakerOptions& options);

// After the routes were removed from FRR: waits (at most until `deadline`) for bgpd to report
// no prefix sent to any peer. OK when that is confirmed; else why not (FRR's status cannot
// be read, or prefixes are still being sent at the deadline).
absl::Status AwaitWithdrawn(const std::function<absl::StatusOr<bgp::FrrStatus>()>& read_status,
                            absl::Time deadline);

class BgpSpeaker {
 public:
  // Starts the worker. `registry` (optional) gets the BGP metrics.
  BgpSpeaker(BgpSpeakerOptions options, metrics::Registry* registry);
  ~BgpSpeaker();  // stops the worker without withdrawing (use Shutdown for that)
  BgpSpeaker(const BgpSpeaker&) = delete;
  BgpSpeaker& operator=(const BgpSpeaker&) = delete;

  // Thread-safe. The newest state wins; intermediate ones may be skipped.
  void SetDesired(bgp::DesiredState desired);
  // Withdraws every route, waits until bgpd reports nothing sent (at most withdraw_wait), then
  // calls `done` from the worker thread and stops.
  void Shutdown(std::function<void()> done);

  // The last error (OK when the last pass converged) and FRR's view, for status and tests.
  absl::Status LastError() const;
  std::optional<bgp::FrrStatus> LastStatus() const;

 private:
  void Run();
  void PublishMetrics(const bgp::FrrStatus& status);
  void Withdraw();

  BgpSpeakerOptions options_;
  std::unique_ptr<bgp::GrpcNorthboundClient> staticd_;
  std::unique_ptr<bgp::GrpcNorthboundClient> bgpd_;
  std::unique_ptr<bgp::GrpcNorthboundClient> bfdd_;
  std::unique_ptr<bgp::SocketVtySession> vty_;
  std::unique_ptr<bgp::FrrReconciler> reconciler_;

  mutable std::mutex mu_;
  std::condition_variable wake_;
  std::optional<bgp::DesiredState> pending_;  // newer than what the worker applies
  std::function<void()> shutdown_done_;
  bool shutdown_ = false;
  bool stop_ = false;
  absl::Status last_error_;
  std::optional<bgp::FrrStatus> last_status_;

  metrics::Family<metrics::Gauge>* session_up_ = nullptr;
  metrics::Family<metrics::Gauge>* prefixes_sent_ = nullptr;
  metrics::Family<metrics::Gauge>* frr_ok_ = nullptr;
  metrics::Family<metrics::Counter>* applies_ = nullptr;

  std::thread worker_;  // last: starts after everything above exists
};

}  // namespace ironlb::speaker

#include "speaker/bgp/bgp_speaker.h"

#include <chrono>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/log.h"
#include "common/retry_tracker.h"

namespace ironlb::speaker {
namespace {

std::chrono::steady_clock::time_point After(absl::Duration d) {
  return std::chrono::steady_clock::now() + absl::ToChronoNanoseconds(d);
}

}  // namespace

absl::StatusOr<BgpSpeakerOptions> ParseBgpFlags(const std::string& vty_dir,
                                                const std::string& grpc_ports) {
  BgpSpeakerOptions o;
  if (vty_dir.empty()) return absl::InvalidArgumentError("--frr-vty-dir must not be empty");
  o.vty_dir = vty_dir;
  std::vector<std::string> parts = absl::StrSplit(grpc_ports, ',');
  if (parts.size() != 3) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--frr-grpc-ports: want three ports, staticd,bgpd,bfdd (bfdd 0 = none); got \"", grpc_ports,
        "\""));
  }
  int* ports[] = {&o.staticd_grpc_port, &o.bgpd_grpc_port, &o.bfdd_grpc_port};
  for (size_t i = 0; i < 3; ++i) {
    int v = 0;
    if (!absl::SimpleAtoi(parts[i], &v) || v < 0 || v > 65535 || (v == 0 && i < 2)) {
      return absl::InvalidArgumentError(
          absl::StrCat("--frr-grpc-ports: \"", parts[i], "\" is not a port (1..65535)"));
    }
    *ports[i] = v;
  }
  return o;
}

std::vector<uint16_t> FrrGrpcPorts(const BgpSpeakerOptions& options) {
  std::vector<uint16_t> out;
  for (int p : {options.staticd_grpc_port, options.bgpd_grpc_port, options.bfdd_grpc_port}) {
    if (p > 0) out.push_back(static_cast<uint16_t>(p));
  }
  return out;
}

BgpSpeaker::BgpSpeaker(BgpSpeakerOptions options, metrics::Registry* registry)
    : options_(std::move(options)) {
  auto target = [this](int port) { return absl::StrCat(options_.grpc_host, ":", port); };
  const absl::Duration deadline = options_.call_deadline;
  staticd_ =
      bgp::GrpcNorthboundClient::Create("staticd", target(options_.staticd_grpc_port), deadline);
  bgpd_ = bgp::GrpcNorthboundClient::Create("bgpd", target(options_.bgpd_grpc_port), deadline);
  if (options_.bfdd_grpc_port != 0) {
    bfdd_ = bgp::GrpcNorthboundClient::Create("bfdd", target(options_.bfdd_grpc_port), deadline);
  }
  vty_ = std::make_unique<bgp::SocketVtySession>("bgpd", options_.vty_dir + "/bgpd.vty");
  reconciler_ = std::make_unique<bgp::FrrReconciler>(
      bgp::FrrClients{staticd_.get(), bgpd_.get(), bfdd_.get(), vty_.get()});
  if (registry != nullptr) {
    session_up_ = &registry->AddGauge("ironlb_bgp_session_up",
                                      "1 when FRR's BGP session to the peer is Established.",
                                      {"peer", "address"});
    prefixes_sent_ = &registry->AddGauge("ironlb_bgp_prefixes_sent",
                                         "Prefixes FRR has sent to the peer (its pfxSnt).",
                                         {"peer", "address", "family"});
    frr_ok_ = &registry->AddGauge(
        "ironlb_bgp_frr_in_sync",
        "1 when FRR holds ironlb's desired BGP state; 0 while FRR is unreachable or refuses it.");
    applies_ = &registry->AddCounter("ironlb_bgp_applies_total",
                                     "Passes that changed FRR, by result (ok, error).", {"result"});
  }
  worker_ = std::thread([this] { Run(); });
}

BgpSpeaker::~BgpSpeaker() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  wake_.notify_all();
  if (worker_.joinable()) worker_.join();
}

void BgpSpeaker::SetDesired(bgp::DesiredState desired) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    pending_ = std::move(desired);
  }
  wake_.notify_all();
}

void BgpSpeaker::Shutdown(std::function<void()> done) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    shutdown_ = true;
    shutdown_done_ = std::move(done);
  }
  wake_.notify_all();
}

absl::Status BgpSpeaker::LastError() const {
  std::lock_guard<std::mutex> lock(mu_);
  return last_error_;
}

std::optional<bgp::FrrStatus> BgpSpeaker::LastStatus() const {
  std::lock_guard<std::mutex> lock(mu_);
  return last_status_;
}

void BgpSpeaker::PublishMetrics(const bgp::FrrStatus& status) {
  if (session_up_ == nullptr) return;
  session_up_->Clear();
  prefixes_sent_->Clear();
  for (const bgp::PeerStatus& p : status.peers) {
    session_up_->WithLabels({p.name, p.address}).Set(p.established() ? 1 : 0);
    prefixes_sent_->WithLabels({p.name, p.address, p.family})
        .Set(static_cast<double>(p.prefixes_sent));
  }
}

absl::Status AwaitWithdrawn(const std::function<absl::StatusOr<bgp::FrrStatus>()>& read_status,
                            absl::Time deadline) {
  while (true) {
    auto status = read_status();
    if (!status.ok()) {
      return absl::UnavailableError(
          absl::StrCat("cannot read FRR's status to confirm: ", status.status().message()));
    }
    std::vector<std::string> sending;
    for (const bgp::PeerStatus& p : status->peers) {
      if (p.prefixes_sent > 0) sending.push_back(absl::StrCat(p.name, " (", p.prefixes_sent, ")"));
    }
    if (sending.empty()) return absl::OkStatus();
    if (absl::Now() >= deadline) {
      return absl::DeadlineExceededError(
          absl::StrCat("bgpd still reports prefixes sent to ", absl::StrJoin(sending, ", ")));
    }
    absl::SleepFor(absl::Milliseconds(20));
  }
}

void BgpSpeaker::Withdraw() {
  if (absl::Status st = reconciler_->WithdrawAll(); !st.ok()) {
    IRONLB_LOG(kWarn, "BGP: could not withdraw routes before stopping").With("error", st);
    return;
  }
  // bgpd sends the withdrawals on its own schedule; wait (bounded) until it says so, so FRR
  // going down next does not beat them.
  const absl::Status confirmed = AwaitWithdrawn([this] { return reconciler_->ReadStatus(); },
                                                absl::Now() + options_.withdraw_wait);
  if (confirmed.ok()) {
    IRONLB_LOG(kInfo, "BGP: routes withdrawn");
  } else {
    IRONLB_LOG(kWarn, "BGP: routes removed from FRR; their withdrawal is not confirmed")
        .With("reason", confirmed);
  }
}

void BgpSpeaker::Run() {
  std::optional<bgp::DesiredState> current;
  bool dirty = false;
  RetryTracker retry(
      {.failing = "BGP: FRR not in sync; retrying",
       .recovered = "BGP: FRR in sync again",
       .action = "check that FRR's zebra, bgpd, staticd and bfdd run with -M grpc:PORT on the "
                 "ports given to the speaker, and FRR's message above",
       .backoff = {.initial = options_.retry_min, .max = options_.retry_max},
       .in_sync = frr_ok_ != nullptr ? &frr_ok_->WithLabels({}) : nullptr});
  auto next_try = std::chrono::steady_clock::now();
  auto next_audit = After(options_.audit_interval);
  // `current` with the passwords of its passwordSecret peers read (what FRR is given).
  std::optional<bgp::DesiredState> resolved;
  auto next_secret_read = std::chrono::steady_clock::now();
  std::vector<PeerSecretProblem> secret_problems;
  auto resolve = [&] {
    resolved = *current;
    next_secret_read = After(options_.secret_refresh);
    if (!UsesPasswordSecrets(*resolved)) {
      secret_problems.clear();
      return;
    }
    std::vector<PeerSecretProblem> problems;
    if (options_.secrets) {
      problems = ResolvePeerPasswords(*resolved, *options_.secrets);
    } else {
      DirectorySecretReader none("/nonexistent");
      problems = ResolvePeerPasswords(*resolved, none);
    }
    if (problems == secret_problems) return;
    secret_problems = std::move(problems);
    for (const PeerSecretProblem& p : secret_problems) {
      IRONLB_LOG(kError, "BGP: a peer's password cannot be read")
          .With("peer", p.peer)
          .With("error", p.message)
          .With("action", "create or fix the Secret; the other peers are not affected");
      if (options_.on_secret_problem) options_.on_secret_problem(p);
    }
  };
  while (true) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      const auto deadline = dirty ? std::min(next_try, next_audit) : next_audit;
      wake_.wait_until(lock, deadline, [&] { return stop_ || shutdown_ || pending_.has_value(); });
      if (stop_) return;
      if (shutdown_) {
        auto done = std::move(shutdown_done_);
        lock.unlock();
        Withdraw();
        if (done) done();
        return;
      }
      if (pending_) {
        current = std::move(*pending_);
        pending_.reset();
        dirty = true;
        next_try = std::chrono::steady_clock::now();  // a new state is tried at once
        retry.Reset();
      }
    }
    const auto now = std::chrono::steady_clock::now();
    const bool audit = now >= next_audit;
    if (!current || (!audit && (!dirty || now < next_try))) continue;
    if (dirty || !resolved || (audit && now >= next_secret_read)) resolve();
    auto result = reconciler_->Apply(*resolved, audit);
    if (result.ok()) {
      dirty = false;
      retry.Succeeded();
      if (result->Changed()) {
        IRONLB_LOG(kInfo, "BGP: FRR updated")
            .With("announcements", current->announcements.size())
            .With("peers", current->peers.size())
            .With("staticd_edits", result->staticd_edits)
            .With("bgpd_edits", result->bgpd_edits)
            .With("bfdd_edits", result->bfdd_edits)
            .With("vty", absl::StrJoin(result->vty_commands, " / "))
            .With("audit", audit);
        if (applies_ != nullptr) applies_->WithLabels({"ok"}).Increment();
      }
    } else {
      dirty = true;
      next_try = After(retry.Failed(result.status()));
      if (applies_ != nullptr) applies_->WithLabels({"error"}).Increment();
    }
    std::optional<bgp::FrrStatus> status;
    if (audit) {
      next_audit = After(options_.audit_interval);
      auto s = reconciler_->ReadStatus();
      if (s.ok()) {
        PublishMetrics(*s);
        status = std::move(*s);
      }
    }
    // After a failure the retry reads everything FRR holds: a daemon that failed may have
    // restarted empty (bgpd killed: its route-maps are gone too, though only the vty failed),
    // and a bgpd that came back with its neighbors but not the policy they use would send its
    // End-of-RIB without the routes, so a router helping the restart would drop them.
    if (!result.ok()) next_audit = next_try;
    std::lock_guard<std::mutex> lock(mu_);
    last_error_ = result.status();
    if (status) last_status_ = std::move(status);
  }
}

}  // namespace ironlb::speaker

// The ironlb speaker holding one VIP on the lab's speaker hosts, in standalone layer-2 mode:
// one config directory (pool, L2Advertisement, a Service asking for the VIP) shared by every
// host, as an operator would copy it. The VIP sits on each host's loopback (so the backend
// answers on it) with arp_ignore set, and only the speaker answers ARP for it.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "test/lab/host_command.h"
#include "test/lab/vip_holder.h"

namespace ironlb::lab {

struct IronlbHolderOptions {
  std::string vip = "10.90.0.100";
  uint16_t port = 8080;
  std::string speaker_binary;  // path to ironlb-speaker
  std::string tcp_mss;         // the pool's tcpMSS ("1300", "pmtu"); empty: no clamp
  // --layer2-rebalance: the returning owner takes its VIP back, so every failover trial starts
  // from PreferredOwner(). False: the speakers' default, sticky ownership.
  bool rebalance = true;
  std::vector<std::string> extra_args;  // more speaker flags (e.g. --restart-grace=2s)
  // More fields of the L2Advertisement's spec, in YAML flow style (e.g.
  // "localCheck: {port: 6443}").
  std::string l2_spec_extra;
};

class IronlbHolder : public VipHolder {
 public:
  IronlbHolder(Lab* lab, IronlbHolderOptions options);
  ~IronlbHolder() override;

  std::string name() const override { return "ironlb"; }
  std::string vip() const override { return options_.vip; }
  absl::Status Start(const Host& host) override;
  void Kill(const Host& host) override;
  absl::Status Stop(const Host& host) override;
  absl::Status Restore(const Host& host) override;
  // SIGTERM (a restart: the speaker keeps its VIPs for the next process) and, once it exited,
  // a new speaker process on `host`, as systemd's restart or a DaemonSet's rolling update do.
  // `gap` is how long no speaker process runs there.
  absl::Status Restart(const Host& host, absl::Duration gap = absl::ZeroDuration());
  // SIGTERM only (the speaker says it restarts, and does not come back).
  absl::Status TerminateForRestart(const Host& host);
  // Sends `signal` to `host`'s speaker (SIGSTOP/SIGCONT: a speaker starved of CPU).
  absl::Status Signal(const Host& host, int signal);
  // Where `host`'s speaker leaves its restart state.
  std::string RestartStateFile(const Host& host) const;
  // The rendezvous winner among all speaker hosts.
  const Host& PreferredOwner() const override;
  // Where `host`'s speaker serves its status (each speaker has its own socket).
  std::string StatusSocket(const Host& host) const;
  // The configuration directory every speaker reads (written at the first Start()).
  const std::string& config_dir() const { return dir_; }

 private:
  absl::Status WriteConfig();

  Lab* lab_;
  IronlbHolderOptions options_;
  std::string dir_;
  std::map<std::string, std::unique_ptr<HostProcess>> daemons_;  // by host name
};

// One sample of the speaker's /metrics on `host` (each lab host has its own loopback, so every
// speaker serves 127.0.0.1:7473), e.g. `ironlb_l2_vips_owned{interface="eth0"}`; -1 when absent.
double SpeakerMetric(const Lab& lab, const Host& host, const std::string& sample);
// The sample once `good` accepts it (the speaker refreshes some gauges once a second), or its
// last value when `timeout` passes first.
double WaitForSpeakerMetric(const Lab& lab, const Host& host, const std::string& sample,
                            const std::function<bool(double)>& good,
                            absl::Duration timeout = absl::Seconds(10));

}  // namespace ironlb::lab

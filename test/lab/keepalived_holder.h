// keepalived (VRRPv3) holding one VIP on the lab's speaker hosts: the baseline the ironlb
// speaker is compared with. Priorities s0 254, s1 250, s2 200, ... with preemption: s0 owns the
// VIP whenever it is up and s1 is next in line. keepalived puts the VIP on eth0 (its normal setup),
// where the kernel answers ARP for it; on becoming master it sends gratuitous ARPs.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "test/lab/host_command.h"
#include "test/lab/vip_holder.h"

namespace ironlb::lab {

struct KeepalivedOptions {
  std::string vip = "10.90.0.100";
  absl::Duration advert_interval = absl::Seconds(1);  // keepalived's default
  int virtual_router_id = 51;
};

class KeepalivedHolder : public VipHolder {
 public:
  KeepalivedHolder(Lab* lab, KeepalivedOptions options);
  ~KeepalivedHolder() override;  // kills every keepalived it started

  std::string name() const override;
  std::string vip() const override { return options_.vip; }
  absl::Status Start(const Host& host) override;
  void Kill(const Host& host) override;
  absl::Status Stop(const Host& host) override;
  absl::Status Restore(const Host& host) override;
  const Host& PreferredOwner() const override { return lab_->speaker(0); }

  // The configuration written for `host` (exposed for tests and reports).
  std::string ConfigFor(const Host& host) const;
  // PIDs of every keepalived process it runs now (parents and their VRRP children).
  std::vector<pid_t> Pids() const;
  // Whether `host` has the VIP on its LAN interface now.
  bool HasVip(const Host& host) const;

 private:
  int Priority(const Host& host) const;

  Lab* lab_;
  KeepalivedOptions options_;
  std::map<std::string, std::unique_ptr<HostProcess>> daemons_;  // by host name
};

}  // namespace ironlb::lab

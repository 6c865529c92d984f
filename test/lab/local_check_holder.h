// The ironlb speaker holding a VIP only while a local check passes on its host (health-gated
// layer-2 ownership, the control-plane VIP recipe): every speaker host runs a stand-in for its
// kube-apiserver (the lab backend on 127.0.0.1's port 6443) and the L2Advertisement has
// `localCheck: {port: 6443}` at the default timings. For this holder a "kill" is the stand-in
// dying on the owner (its check fails, so the VIP must move while the speaker runs on), and
// Restore() starts the stand-in again.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "test/lab/host_command.h"
#include "test/lab/ironlb_holder.h"
#include "test/lab/vip_holder.h"

namespace ironlb::lab {

inline constexpr uint16_t kApiServerPort = 6443;

class LocalCheckHolder : public VipHolder {
 public:
  LocalCheckHolder(Lab* lab, IronlbHolderOptions options);

  std::string name() const override { return "ironlb_local_check"; }
  std::string vip() const override { return speakers_.vip(); }
  // Starts the stand-in, then the speaker.
  absl::Status Start(const Host& host) override;
  // The stand-in dies (SIGKILL): the host's local check fails.
  void Kill(const Host& host) override { stand_ins_.erase(host.name); }
  absl::Status Stop(const Host& host) override;
  // The link back (after a cut) and the stand-in running again.
  absl::Status Restore(const Host& host) override;
  const Host& PreferredOwner() const override { return speakers_.PreferredOwner(); }

  // The stand-in alone: started (and listening) on `host`, or stopped.
  absl::Status StartStandIn(const Host& host);
  void StopStandIn(const Host& host) { stand_ins_.erase(host.name); }
  IronlbHolder& speakers() { return speakers_; }

 private:
  Lab* lab_;
  IronlbHolder speakers_;
  std::map<std::string, std::unique_ptr<HostProcess>> stand_ins_;  // by host name
};

}  // namespace ironlb::lab

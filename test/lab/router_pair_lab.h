// An HA pair of routers whose forwarded connections survive the owner's death (issue 16), for
// lab_router_conntrack_test and router_conntrack_bench:
//
//   outside client 10.91.0.2 --(outside)-- router 10.91.0.1 / router2 10.91.0.3 --(LAN)-- s0
//
// Both routers run ironlb-speaker with the same standalone configuration: the outside address
// 10.91.0.100 held by the layer-2 election on eth1, a PortForward publishing TCP 9000 on it to
// s0 (10.90.0.11:9000), source NAT to 10.90.0.250 (sourceNATAddresses, held with the outside
// address) and, with `conntrackd`, conntrackd on each router (FTFW over the LAN, UDP 3780) driven
// by the speaker's --conntrackd-config. s0 runs a stream server (tcp_streams.h) in this process.
// Everything is stopped by PID when the object goes.
//
// The keepalived baseline (holder kKeepalived, for the benchmark): the same lab and the same
// nftables forward (ironlb-speaker in the router role, holding nothing), but the outside address
// and the source NAT address held by keepalived (VRRPv3, advert_int 0.1, two instances in a sync
// group: 10.91.0.100 on eth1, 10.90.0.250 on eth0, nopreempt) driving the same conntrackd with
// conntrack-tools' primary-backup.sh commands from its notify scripts: its standard recipe.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "test/lab/lab.h"
#include "test/lab/tcp_streams.h"

namespace ironlb::lab {

enum class RouterPairHolder { kIronlb, kKeepalived };

struct RouterPairOptions {
  std::string speaker_binary;
  bool conntrackd = true;
  RouterPairHolder holder = RouterPairHolder::kIronlb;
  // The routers' net.netfilter.nf_conntrack_tcp_loose (the kernel's default: on). Off, a
  // router takes up no connection in mid-stream: a moved connection lives only if its state
  // was replicated (tests use this, so they fail without the replication).
  bool tcp_loose = true;
};

class RouterPairLab {
 public:
  static constexpr char kOutsideAddress[] = "10.91.0.100";
  static constexpr char kSourceNatAddress[] = "10.90.0.250";
  static constexpr uint16_t kPort = 9000;

  static absl::StatusOr<std::unique_ptr<RouterPairLab>> Create(RouterPairOptions options);
  ~RouterPairLab();

  Lab& lab() { return *lab_; }
  const Host& Router(const std::string& name) const;
  const std::string& Other(const std::string& name) const;
  // The router the outside client's neighbour entry for the outside address names ("" none).
  std::string OwnerSeenOutside() const;
  // Waits (bounded) until a router owns the outside address (its speaker says so, and the
  // outside client's entry names it); returns its name.
  absl::StatusOr<std::string> WaitForOwner(absl::Duration limit) const;

  // Whether `name` holds the outside address now (its speaker says so; keepalived: it is on
  // eth1).
  bool HoldsAddress(const std::string& name) const;

  // conntrackd (when configured; waits for its control socket), then the speaker (and
  // keepalived).
  absl::Status StartRouter(const std::string& name);
  // The machine dies: speaker (keepalived) and conntrackd SIGKILLed, forwarding off, and with
  // keepalived the addresses it left on the interfaces removed (a dead machine answers
  // nothing).
  absl::Status KillRouter(const std::string& name);
  // Forwarding back on, then StartRouter.
  absl::Status ReviveRouter(const std::string& name);
  // The router's outside cable (its port on the outside switch) down / up.
  absl::Status CutOutsideCable(const std::string& name);
  absl::Status RestoreOutsideCable(const std::string& name);

  // Waits (bounded) until `name`'s speaker sees both routers on both segments.
  absl::Status WaitForPeers(const std::string& name, absl::Duration limit) const;
  // Established connections to the forwarded port in `name`'s conntrackd external cache (the
  // other router's, ready to commit); -1 when it cannot be read.
  int ExternalCacheEntries(const std::string& name) const;
  absl::Status WaitForExternalCache(const std::string& name, int entries,
                                    absl::Duration limit) const;
  // Waits (bounded) until ownership is settled for a failover: a router owns the address and
  // the other one (`standby`) holds `entries` of its connections. Two routers that joined the
  // segment within 10 s of each other may still hand the address to the hash winner (the
  // speakers' settling time at start), so with ironlb this first waits out that window; then
  // it looks again until the owner stays the same. Returns the owner.
  absl::StatusOr<std::string> WaitForSettledOwner(int entries, absl::Duration limit) const;
  // Forwarded connections in `name`'s kernel conntrack table.
  int KernelEntries(const std::string& name) const;

  // `name`'s logs (speaker and conntrackd), for a failing test.
  std::string Logs(const std::string& name) const;

 private:
  explicit RouterPairLab(RouterPairOptions options) : options_(std::move(options)) {}
  absl::Status Build();
  std::string ConntrackdConfig(const Host& router, const Host& peer) const;
  std::string Conf(const std::string& name) const;
  std::string KeepalivedConfig(const std::string& name) const;
  absl::Status StartKeepalived(const std::string& name);

  RouterPairOptions options_;
  std::unique_ptr<Lab> lab_;
  std::string dir_;
  std::unique_ptr<StreamServer> server_;
  std::map<std::string, std::unique_ptr<HostProcess>> speakers_;
  std::map<std::string, std::unique_ptr<HostProcess>> conntrackds_;
  std::map<std::string, std::unique_ptr<HostProcess>> keepaliveds_;
  std::map<std::string, int> starts_;  // per router, for log names
  // When each router last joined the outside segment (started, or its cable came back).
  std::map<std::string, absl::Time> joined_;
};

}  // namespace ironlb::lab

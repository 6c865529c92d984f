// The network lab: hosts in network namespaces on one LAN, for lab tests and benchmarks.
//
//   switch ns: bridge br0, one port p-<host> per host (cut a host's link here)
//   speaker hosts s0..sN-1: eth0 10.90.0.(11+i)/24, fd00:90::(11+i)/64, a backend per host
//   client host:            eth0 10.90.0.2/24,      fd00:90::2/64
//   router host (optional): eth0 10.90.0.1/24 on the LAN, eth1 10.91.0.1/24 on "outside",
//                           forwarding on; speakers and client route via it
//   outside client:         eth0 10.91.0.2/24, fd00:91::2/64 (with the router)
//   second router (optional, an HA pair): "router2", eth0 10.90.0.3/24 on the LAN, eth1
//                           10.91.0.3/24 on "outside"; the LAN's default route stays via
//                           "router"
//
// Speaker hosts answer ARP/NDP only for addresses on the interface asked (arp_ignore=1,
// arp_announce=2, as kube-proxy IPVS nodes do), so a VIP on `lo` is served but not claimed on
// the LAN until something (a speaker, keepalived, the test) announces it. Namespace names
// carry the PID and a counter; everything is removed by the destructor, or by CleanupRegistry
// on SIGINT/SIGTERM/SIGABRT.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "test/lab/host_command.h"
#include "test/lab/link_setter.h"

namespace ironlb::lab {

struct Host {
  std::string name;    // "s0", "client", "router", "outside"
  std::string netns;   // unique per run
  std::string lan_if;  // "eth0"
  std::string ipv4;    // on lan_if (the outside segment's for "outside")
  std::string ipv6;
  std::string mac;          // of lan_if, lowercase
  std::string switch_port;  // its port on the bridge (in the switch or outside namespace)
  std::string outside_mac;  // routers: of eth1 on the outside segment, lowercase
};

struct LabOptions {
  int speakers = 3;
  bool router = false;         // adds "router" and "outside" (issue 9)
  bool second_router = false;  // with `router`: adds "router2" too (an HA pair of routers)
  // Ports the per-speaker backends answer on (TCP and UDP); empty = no backends.
  std::vector<uint16_t> backend_ports = {8080};
};

class Lab {
 public:
  static constexpr char kLanPrefix4[] = "10.90.0.";
  static constexpr char kLanPrefix6[] = "fd00:90::";

  static absl::StatusOr<std::unique_ptr<Lab>> Create(const LabOptions& options);
  ~Lab();
  Lab(const Lab&) = delete;
  Lab& operator=(const Lab&) = delete;

  int speaker_count() const { return static_cast<int>(speakers_.size()); }
  const Host& speaker(int i) const { return speakers_[static_cast<size_t>(i)]; }
  const std::vector<Host>& speakers() const { return speakers_; }
  const Host& client() const { return client_; }
  const Host* router() const { return router_.name.empty() ? nullptr : &router_; }
  const Host* second_router() const { return router2_.name.empty() ? nullptr : &router2_; }
  const Host* outside_client() const { return outside_.name.empty() ? nullptr : &outside_; }
  const std::string& switch_netns() const { return switch_netns_; }
  // Every namespace this lab created.
  std::vector<std::string> Namespaces() const;
  // The speaker host whose LAN MAC is `mac`, or nullptr.
  const Host* HostByMac(const std::string& mac) const;
  // Scratch directory for logs and configs of this lab (removed on destruction unless
  // IRONLB_LAB_KEEP_LOGS=1).
  const std::string& work_dir() const { return work_dir_; }
  // PIDs of the backends (for tests of teardown).
  std::vector<pid_t> BackendPids() const;
  // The status socket the lab gives `host`'s speaker: work_dir()/status-NAME.sock.
  std::string StatusSocket(const Host& host) const;
  // A speaker on `host` as the lab runs it: `binary` with its configuration in `config_dir`,
  // the layer-2 key in `config_dir`/key, metrics on the host's loopback port 7473 and
  // StatusSocket(host). Callers append their own flags.
  std::vector<std::string> SpeakerArgv(const std::string& binary, const Host& host,
                                       const std::string& config_dir) const;
  // Prints the logs of the processes spawned with these log names (for a failed test).
  void PrintLogs(const std::vector<std::string>& log_names) const;

  // `argv` in `host`'s namespace; waits for it.
  absl::StatusOr<CommandResult> Run(const Host& host, const std::vector<std::string>& argv,
                                    absl::Duration timeout = absl::Seconds(30)) const;
  // A long-running process in `host`; killed when the handle goes.
  absl::StatusOr<std::unique_ptr<HostProcess>> Spawn(const Host& host,
                                                     const std::vector<std::string>& argv,
                                                     const std::string& log_name = "");

  // The VIP as a local address on `host`'s lo (served, not claimed on the LAN).
  absl::Status AddVip(const Host& host, const std::string& vip);
  absl::Status RemoveVip(const Host& host, const std::string& vip);
  // Gratuitous ARP (IPv4) or unsolicited NA (IPv6) for `vip` from `host`'s LAN interface,
  // which makes `host` the VIP's owner in the client's neighbour table.
  absl::Status AnnounceVip(const Host& host, const std::string& vip);
  // The host's cable: its bridge port down/up (the host sees carrier loss).
  absl::Status CutLink(const Host& host);
  absl::Status RestoreLink(const Host& host);
  // A router's outside cable (eth1's port on the outside segment) down/up.
  absl::Status CutOutsideLink(const Host& router);
  absl::Status RestoreOutsideLink(const Host& router);

 private:
  Lab() = default;
  absl::Status Build(const LabOptions& options);
  absl::Status AddNetns(const std::string& name);
  absl::Status AddHost(Host& host, const std::string& bridge_netns, const std::string& prefix4,
                       const std::string& prefix6, int octet, bool speaker);
  absl::Status AddRouter(Host& router, int octet);
  absl::Status StartBackends(const std::vector<uint16_t>& ports);

  std::string base_;
  std::string switch_netns_;
  std::vector<std::string> namespaces_;
  std::vector<Host> speakers_;
  Host client_;
  Host router_;
  Host router2_;
  Host outside_;
  std::string work_dir_;
  std::vector<std::unique_ptr<HostProcess>> backends_;
  // Cables are cut and restored over this (see link_setter.h), not by starting `ip`.
  std::unique_ptr<LinkSetter> switch_links_;
};

}  // namespace ironlb::lab

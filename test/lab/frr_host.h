// Real FRR daemons on a lab host: started with HostProcess in the host's namespace (so killed
// by PID with the lab, or by CleanupRegistry on a crash), each in the foreground with FRR's
// pathspace -N <host netns>, gRPC on fixed loopback ports of the host's own namespace.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "test/lab/lab.h"

namespace ironlb::lab {

class FrrHost {
 public:
  static constexpr int kStaticdGrpc = 50051;
  static constexpr int kBgpdGrpc = 50052;
  static constexpr int kBfddGrpc = 50053;

  FrrHost(Lab* lab, const Host& host);
  ~FrrHost();  // kills every daemon, removes the pathspace directory

  // zebra (started after this) takes these network namespaces as VRFs (`zebra -n`, FRR's
  // netns VRF backend: a VRF per file in /var/run/netns, named after it). zebra sees only
  // these: it runs with a private /var/run/netns holding just them, so it neither watches nor
  // sweeps routes in any other namespace on the machine.
  void SetNetnsVrfs(std::vector<std::string> netns) { netns_vrfs_ = std::move(netns); }
  // Starts `daemons` (zebra first) and waits until each has its vty (and gRPC port).
  absl::Status Start(const std::vector<std::string>& daemons);
  // SIGKILL, as a crash.
  void Kill(const std::string& daemon);
  void KillAll();
  // vtysh in this host's pathspace; its output.
  absl::StatusOr<std::string> Vtysh(const std::vector<std::string>& commands) const;
  // Where the vty sockets are (--frr-vty-dir for the speaker).
  const std::string& vty_dir() const { return dir_; }
  const Host& host() const { return host_; }

 private:
  int GrpcPort(const std::string& daemon) const;
  std::vector<std::string> WithNetnsVrfs(const std::vector<std::string>& zebra) const;

  Lab* lab_;
  Host host_;
  std::string dir_;
  std::map<std::string, std::unique_ptr<HostProcess>> daemons_;
  std::vector<std::string> netns_vrfs_;
};

}  // namespace ironlb::lab

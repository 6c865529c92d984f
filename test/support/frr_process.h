// Real FRR daemons for tests: started as children of the test (in the test's network
// namespace), with the gRPC northbound on a port of their own, stopped by PID.
#pragma once

#include <sys/types.h>

#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"

namespace ironlb::testing {

// Where packaging/build-frr.sh installed FRR ($IRONLB_FRR_PREFIX or /opt/ironlb/frr).
std::string FrrPrefix();

class FrrInstance {
 public:
  // `name` keeps sockets and pid files apart from other instances (FRR's -N pathspace).
  explicit FrrInstance(std::string name);
  ~FrrInstance();  // kills every daemon it started

  // Starts `daemon` ("zebra", "staticd", "bgpd", "bfdd"); grpc_port 0 = no gRPC module.
  // Waits (bounded) until its vty socket exists.
  absl::Status Start(const std::string& daemon, int grpc_port = 0);
  void Kill(const std::string& daemon);  // SIGKILL, as a crash would
  // Runs vtysh with these commands; returns its output.
  std::string Vtysh(const std::vector<std::string>& commands) const;
  const std::string& name() const { return name_; }

 private:
  std::string name_;
  std::string run_dir_;
  std::map<std::string, pid_t> pids_;
};

// A TCP port on loopback that is free now.
int FreeLoopbackPort();

}  // namespace ironlb::testing

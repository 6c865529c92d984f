// The fake Kubernetes API server (test/kube) listening inside a lab host's namespace, on its
// LAN address, so that daemons in other lab hosts reach it over the lab's network.
#pragma once

#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include <memory>
#include <thread>

#include "absl/status/statusor.h"
#include "test/kube/fake_api_server.h"
#include "test/lab/lab.h"

namespace ironlb::lab {

// The server's sockets are made on a thread that entered `host`'s namespace; it serves from
// there for its whole life.
// `options.bind_address` is set to the host's address.
inline absl::StatusOr<std::unique_ptr<kube::testing::FakeApiServer>> StartApiServerIn(
    const Host& host, kube::testing::FakeApiServer::Options o = {}) {
  absl::StatusOr<std::unique_ptr<kube::testing::FakeApiServer>> out =
      absl::InternalError("not started");
  std::thread t([&] {
    const int ns = open(("/var/run/netns/" + host.netns).c_str(), O_RDONLY | O_CLOEXEC);
    if (ns < 0 || setns(ns, CLONE_NEWNET) != 0) {
      out = absl::InternalError("cannot enter " + host.netns);
      if (ns >= 0) close(ns);
      return;
    }
    close(ns);
    o.bind_address = host.ipv4;
    out = kube::testing::FakeApiServer::Start(o);
  });
  t.join();
  return out;
}

}  // namespace ironlb::lab

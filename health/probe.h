// One health check of one backend, as a blocking call bounded by the check's timeout: TCP
// connect, HTTP(S) GET with an expected status (cpp-httplib), UDP send/expect. Behind a small
// interface so the monitor is unit-tested with a fake and the real prober against real sockets
// in a network namespace.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "common/ip.h"
#include "config/backend_types.h"

namespace ironlb::health {

struct ProbeResult {
  enum class Kind {
    kUp,
    kDown,
    // This host could not even try (no socket, no memory): says nothing about the backend, so
    // its state stays; reported as a problem.
    kLocalError,
  };
  Kind kind = Kind::kDown;
  std::string detail;  // "connect: Connection refused", "HTTP 503, want 200", ...
};

class Prober {
 public:
  virtual ~Prober() = default;
  // Checks `address`:`port` (the check's own port when it sets one) the way `check` says;
  // returns within about check.timeout_ms. Thread-safe: called from several threads at once.
  virtual ProbeResult Probe(const config::HealthCheck& check, const IpAddress& address,
                            uint16_t port) = 0;
};

// Real sockets. Health checks go only to the address given (the configured backend).
std::unique_ptr<Prober> MakeSocketProber();

}  // namespace ironlb::health

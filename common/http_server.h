// The daemons' small HTTP endpoint: /healthz, /readyz and /metrics (Prometheus text format).
// Built on cpp-httplib (Debian's libcpp-httplib-dev): a C++ API with routing and a thread
// pool, nothing to configure, and no second event loop to integrate as civetweb's C API needs.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/metrics.h"

namespace httplib {
class Server;
}

namespace ironlb {

struct HostPort {
  std::string host;  // "" means every address
  int port = 0;
};
// Parses "127.0.0.1:7472", "[::1]:7472" or ":7472" (every address). Port 0 picks a free one.
absl::StatusOr<HostPort> ParseHostPort(absl::string_view text);

class HttpServer {
 public:
  struct Handlers {
    const metrics::Registry* registry = nullptr;
    // OK when the daemon is live (its loop is turning); else the reason, served as 503.
    std::function<absl::Status()> healthy;
    // OK when the daemon is ready to do its job (config loaded, first sync done).
    std::function<absl::Status()> ready;
  };

  // Binds `listen` and serves in a background thread until Stop() or destruction.
  static absl::StatusOr<std::unique_ptr<HttpServer>> Start(absl::string_view listen,
                                                           Handlers handlers);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  int port() const { return port_; }
  void Stop();

 private:
  HttpServer() = default;

  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = 0;
  Handlers handlers_;
};

}  // namespace ironlb

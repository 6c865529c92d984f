// PortForward targets with several backends (router hosts as layer-4 load balancers): the
// backends, how new connections are spread over them, and how their health is checked.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/ip.h"

namespace ironlb::config {

enum class HealthCheckType { kTCP, kHTTP, kHTTPS, kUDP, kNone };
const char* HealthCheckTypeName(HealthCheckType t);  // "TCP", "HTTP", ...

// Defaults: a dead backend is out of the map within fall × interval + timeout = 750 ms (its
// last good check just before it died, then three failed ones), under the 1 s target, with
// 5 checks a second per backend; rise 2 keeps one lucky answer from bringing a backend back.
inline constexpr uint32_t kDefaultCheckIntervalMs = 200;
inline constexpr uint32_t kDefaultCheckTimeoutMs = 150;
inline constexpr uint32_t kDefaultCheckRise = 2;
inline constexpr uint32_t kDefaultCheckFall = 3;

struct HealthCheck {
  HealthCheckType type = HealthCheckType::kTCP;
  uint16_t port = 0;       // 0: the backend's own port
  std::string path = "/";  // HTTP(S): the request path (with query)
  std::string host;        // HTTP(S): Host header; default the backend address
  uint32_t expect_status = 200;
  std::string send;  // UDP: the datagram sent
  // UDP: a substring the reply must contain. Empty: any reply, or none at all, is healthy; only
  // an ICMP port-unreachable (or another socket error) within the timeout is a failure.
  std::string expect;
  uint32_t interval_ms = kDefaultCheckIntervalMs;
  uint32_t timeout_ms = kDefaultCheckTimeoutMs;
  uint32_t rise = kDefaultCheckRise;
  uint32_t fall = kDefaultCheckFall;

  friend bool operator==(const HealthCheck&, const HealthCheck&) = default;
};

struct ForwardBackend {
  IpAddress address;
  uint16_t port = 0;  // defaults to the target's targetPort
  uint32_t weight = 1;
  bool draining = false;  // no new connections; existing ones finish

  friend bool operator==(const ForwardBackend&, const ForwardBackend&) = default;
};

enum class WhenAllDown { kDrop, kReject };

// A check each node runs on itself (L2Advertisement `localCheck`): the node may own the
// advertisement's VIPs only while it passes there, e.g. a control-plane node while its own
// kube-apiserver answers. Checks go only to `address` (default 127.0.0.1), on `check.port`.
struct LocalCheck {
  HealthCheck check;  // type None is not allowed; port is required
  IpAddress address;

  friend bool operator==(const LocalCheck&, const LocalCheck&) = default;
};
// The longest name of an L2Advertisement with a localCheck (the name travels in adverts).
inline constexpr size_t kMaxLocalCheckAdvertisementName = 200;
// "HTTPS 127.0.0.1:6443/readyz", for reasons and status.
std::string DescribeLocalCheck(const LocalCheck& c);

}  // namespace ironlb::config

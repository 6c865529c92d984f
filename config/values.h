// Parsers for the small value types that appear in configuration and Service annotations.
// Each returns an error message an operator can act on.
#pragma once

#include <cstdint>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "config/types.h"

namespace ironlb::config {

inline constexpr int kMinMss = 536;
inline constexpr int kMaxMss = 65495;

// "1300" (536..65495) or "pmtu".
absl::StatusOr<TcpMss> ParseTcpMss(absl::string_view text);
// "65000:100", "large:65000:1:2", or a well-known name ("no-export", "no-advertise",
// "no-peer", "local-as", "blackhole", "graceful-shutdown", "accept-own", "llgr-stale",
// "no-llgr").
absl::StatusOr<Community> ParseCommunity(absl::string_view text);
// A duration such as "90s", "1m30s" or "0s", in whole seconds.
absl::StatusOr<uint32_t> ParseDurationSeconds(absl::string_view text);
// "TCP" / "UDP" (as Kubernetes spells them; lower case accepted).
absl::StatusOr<Protocol> ParseProtocol(absl::string_view text);
// Kubernetes object names: DNS-1123 subdomain (lower case alphanumerics, '-', '.', <= 253).
absl::Status ValidateObjectName(absl::string_view name);

}  // namespace ironlb::config

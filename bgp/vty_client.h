// Talking to one FRR daemon over its vty Unix socket, the way vtysh does, without running
// vtysh: each command goes out NUL-terminated; the daemon answers with its text output and a
// 4-byte trailer (three NULs and the command's result code). Used for what FRR has no
// northbound model for (bgpd's `router bgp` and neighbors) and for JSON `show` output.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace ironlb::bgp {

class VtyClient {
 public:
  // Connects to `socket_path` (e.g. /var/run/frr/bgpd.vty) and enters enable mode. `daemon`
  // names the daemon in messages; every exchange is bounded by `timeout`.
  static absl::StatusOr<std::unique_ptr<VtyClient>> Connect(std::string daemon,
                                                            std::string socket_path,
                                                            absl::Duration timeout);
  ~VtyClient();
  VtyClient(const VtyClient&) = delete;
  VtyClient& operator=(const VtyClient&) = delete;

  // Runs one command in the current node and returns its output. A result other than success
  // is an error holding the command and FRR's own words.
  absl::StatusOr<std::string> Execute(absl::string_view command);

  // Runs `lines` in configure mode, in order, then leaves it ("end"), even after a failure.
  // Stops at the first line FRR refuses and says which.
  absl::Status Configure(const std::vector<std::string>& lines);

  // Runs `lines` in configure mode, then "end", sent in one write and answered together (bgpd
  // reads them as vtysh's config-file mode does), so a thousand lines cost one round trip, not a
  // thousand. Every line runs, even after a refused one (FRR has no way to stop a batch it has
  // already read); the first refusal is returned, naming the line. For lines that do not depend
  // on each other (bgpd's `network` statements).
  absl::Status ConfigureAll(const std::vector<std::string>& lines);

 private:
  VtyClient(std::string daemon, int fd, absl::Duration timeout)
      : daemon_(std::move(daemon)), fd_(fd), timeout_(timeout) {}
  absl::StatusOr<std::pair<int, std::string>> Exchange(absl::string_view command);
  // Sends `commands` at once and reads one answer per command (code, output), in order.
  absl::StatusOr<std::vector<std::pair<int, std::string>>> ExchangeAll(
      const std::vector<std::string>& commands);

  std::string daemon_;
  int fd_;
  absl::Duration timeout_;
};

// FRR's command result codes (lib/command.h) that mean "done".
bool VtyResultOk(int code);

}  // namespace ironlb::bgp

// A TCP connection held open from a lab host to a VIP (or any address) whose backend answers
// with its name and then echoes (ironlb_lab_backend --hold): tests keep a few of these open
// across a change and check that they still carry data afterwards.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace ironlb::lab {

class HeldConnection {
 public:
  // Connects from namespace `netns` to address:port (IPv4 or IPv6), from `source_port` when it
  // is not 0, and reads the backend's name line; all within `timeout`.
  static absl::StatusOr<std::unique_ptr<HeldConnection>> Open(
      const std::string& netns, const std::string& address, uint16_t port, uint16_t source_port = 0,
      absl::Duration timeout = absl::Seconds(2));
  ~HeldConnection();
  HeldConnection(const HeldConnection&) = delete;
  HeldConnection& operator=(const HeldConnection&) = delete;

  // Who answered when it was opened.
  const std::string& backend() const { return backend_; }
  // Sends `payload` and waits (at most `timeout`) for it to come back unchanged.
  absl::Status Echo(const std::string& payload, absl::Duration timeout = absl::Seconds(2));

 private:
  HeldConnection(int fd, std::string backend) : fd_(fd), backend_(std::move(backend)) {}
  int fd_;
  std::string backend_;
};

}  // namespace ironlb::lab

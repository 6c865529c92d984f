// Shutdown and reload signals as a file descriptor (signalfd), so daemons can wait for them in
// their own event loop and shut down gracefully instead of dying mid-transaction.
#pragma once

#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace ironlb {

class SignalSet {
 public:
  // Blocks `signals` (default SIGTERM, SIGINT, SIGHUP) in the calling thread and opens a
  // signalfd for them. Create it in main() before starting threads, so that every thread
  // inherits the mask and the signals are only ever delivered through fd().
  static absl::StatusOr<std::unique_ptr<SignalSet>> Create(std::vector<int> signals = {});
  ~SignalSet();
  SignalSet(const SignalSet&) = delete;
  SignalSet& operator=(const SignalSet&) = delete;

  int fd() const { return fd_; }
  // Waits up to `timeout` for one signal; returns its number, or 0 when none came in time.
  absl::StatusOr<int> Wait(absl::Duration timeout);

 private:
  SignalSet(int fd, std::vector<int> signals) : fd_(fd), signals_(std::move(signals)) {}
  int fd_;
  std::vector<int> signals_;
};

}  // namespace ironlb

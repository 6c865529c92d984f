#include "common/signals.h"

#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cerrno>

#include "absl/strings/str_cat.h"
#include "common/errno_status.h"

namespace ironlb {
namespace {

sigset_t MaskOf(const std::vector<int>& signals) {
  sigset_t mask;
  sigemptyset(&mask);
  for (int s : signals) sigaddset(&mask, s);
  return mask;
}

}  // namespace

absl::StatusOr<std::unique_ptr<SignalSet>> SignalSet::Create(std::vector<int> signals) {
  if (signals.empty()) signals = {SIGTERM, SIGINT, SIGHUP};
  const sigset_t mask = MaskOf(signals);
  if (int err = pthread_sigmask(SIG_BLOCK, &mask, nullptr); err != 0) {
    return ErrnoToStatus(err, "block signals");
  }
  const int fd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
  if (fd < 0) return ErrnoToStatus(errno, "signalfd");
  return std::unique_ptr<SignalSet>(new SignalSet(fd, std::move(signals)));
}

SignalSet::~SignalSet() {
  close(fd_);
  const sigset_t mask = MaskOf(signals_);
  pthread_sigmask(SIG_UNBLOCK, &mask, nullptr);
}

absl::StatusOr<int> SignalSet::Wait(absl::Duration timeout) {
  pollfd pfd{fd_, POLLIN, 0};
  const int ms = static_cast<int>(absl::ToInt64Milliseconds(timeout));
  const int n = poll(&pfd, 1, ms);
  if (n < 0) {
    if (errno == EINTR) return 0;
    return ErrnoToStatus(errno, "poll signalfd");
  }
  if (n == 0) return 0;
  signalfd_siginfo info;
  const ssize_t got = read(fd_, &info, sizeof(info));
  if (got < 0) {
    if (errno == EAGAIN) return 0;
    return ErrnoToStatus(errno, "read signalfd");
  }
  if (got != static_cast<ssize_t>(sizeof(info))) {
    return absl::DataLossError(
        absl::StrCat("read signalfd: ", got, " bytes instead of ", sizeof(info)));
  }
  return static_cast<int>(info.ssi_signo);
}

}  // namespace ironlb

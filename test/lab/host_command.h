// Running programs inside a lab host's network namespace: fork, setns into /run/netns/<ns>,
// a private mount namespace with /sys remounted (as `ip netns exec` does, so sysfs shows the
// host's interfaces), then exec. No shell unless the caller asks for one.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace ironlb::lab {

struct CommandResult {
  int exit_code = -1;  // -1 when killed by a signal or not started
  std::string output;  // stdout and stderr, interleaved
};

// Runs `argv` in network namespace `netns` ("" = the caller's) and waits for it, at most
// `timeout` (then SIGKILL, exit_code -1). Errors only when it could not be started.
absl::StatusOr<CommandResult> RunCommand(const std::vector<std::string>& argv,
                                         const std::string& netns = "",
                                         absl::Duration timeout = absl::Seconds(30));

// Whether `pid` is gone: no such process, or only a zombie left for its parent to reap.
bool ProcessGone(pid_t pid);

// RunCommand that must exit 0; the error quotes the command and its output.
absl::Status RunChecked(const std::vector<std::string>& argv, const std::string& netns = "");

// Moves the calling thread (only this thread) into network namespace `netns`.
absl::Status EnterNetnsForThread(const std::string& netns);

// A long-running process in a lab host. Started in its own process group; the destructor
// SIGKILLs it (and its group) by PID and reaps it. Registered with CleanupRegistry meanwhile.
class HostProcess {
 public:
  // Output goes to `log_path` ("" = /dev/null).
  static absl::StatusOr<std::unique_ptr<HostProcess>> Start(const std::vector<std::string>& argv,
                                                            const std::string& netns,
                                                            const std::string& log_path = "");
  ~HostProcess();
  HostProcess(const HostProcess&) = delete;
  HostProcess& operator=(const HostProcess&) = delete;

  pid_t pid() const { return pid_; }
  // Sends `sig` to the process only.
  void Signal(int sig) const;
  // SIGKILL to the whole process group at once (a crash: no goodbye from any of its
  // processes), then reaps. Idempotent.
  void Kill();
  // The PIDs of its children, grandchildren, ... now (from /proc/<pid>/task/*/children).
  std::vector<pid_t> Descendants() const;
  // True while the process has not exited (reaps it if it has).
  bool Running();
  // Waits up to `timeout` for it to exit; returns whether it did.
  bool WaitExit(absl::Duration timeout);

 private:
  explicit HostProcess(pid_t pid) : pid_(pid) {}
  pid_t pid_;
  bool reaped_ = false;
};

// Small file helpers for lab configuration and logs ("" when the file cannot be read).
void WriteFile(const std::string& path, const std::string& text);
std::string ReadFile(const std::string& path);

}  // namespace ironlb::lab

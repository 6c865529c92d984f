#include "test/lab/host_command.h"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/errno_status.h"
#include "test/lab/cleanup_registry.h"

namespace ironlb::lab {
namespace {

std::vector<char*> Argv(std::vector<std::string>& args) {
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  return argv;
}

absl::StatusOr<int> OpenNetns(const std::string& netns) {
  if (netns.empty()) return -1;
  const std::string path = absl::StrCat("/run/netns/", netns);
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ErrnoToStatus(errno, path);
  return fd;
}

// In the child, between fork and exec: only async-signal-safe calls.
[[noreturn]] void ExecInNetns(int netns_fd, int out_fd, char** argv) {
  if (netns_fd >= 0) {
    if (setns(netns_fd, CLONE_NEWNET) != 0) _exit(126);
    if (unshare(CLONE_NEWNS) == 0) {
      mount("", "/", nullptr, MS_SLAVE | MS_REC, nullptr);
      umount2("/sys", MNT_DETACH);
      mount("sysfs", "/sys", "sysfs", 0, nullptr);
    }
  }
  const int devnull = open("/dev/null", O_RDONLY);
  if (devnull >= 0) dup2(devnull, STDIN_FILENO);
  if (out_fd >= 0) {
    dup2(out_fd, STDOUT_FILENO);
    dup2(out_fd, STDERR_FILENO);
  }
  signal(SIGPIPE, SIG_DFL);
  execvp(argv[0], argv);
  _exit(127);
}

}  // namespace

absl::StatusOr<CommandResult> RunCommand(const std::vector<std::string>& argv,
                                         const std::string& netns, absl::Duration timeout) {
  if (argv.empty()) return absl::InvalidArgumentError("RunCommand: empty argv");
  std::vector<std::string> args = argv;
  std::vector<char*> cargv = Argv(args);
  auto ns_fd = OpenNetns(netns);
  if (!ns_fd.ok()) return ns_fd.status();
  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) != 0) {
    if (*ns_fd >= 0) close(*ns_fd);
    return ErrnoToStatus(errno, "pipe2");
  }
  const pid_t pid = fork();
  if (pid == 0) ExecInNetns(*ns_fd, pipe_fds[1], cargv.data());
  const int fork_errno = errno;
  close(pipe_fds[1]);
  if (*ns_fd >= 0) close(*ns_fd);
  if (pid < 0) {
    close(pipe_fds[0]);
    return ErrnoToStatus(fork_errno, "fork");
  }
  CommandResult result;
  const absl::Time deadline = absl::Now() + timeout;
  std::array<char, 4096> buf;
  bool timed_out = false;
  while (true) {
    const absl::Duration left = deadline - absl::Now();
    if (left <= absl::ZeroDuration()) {
      timed_out = true;
      break;
    }
    pollfd p{.fd = pipe_fds[0], .events = POLLIN, .revents = 0};
    const int n = poll(&p, 1, static_cast<int>(absl::ToInt64Milliseconds(left)) + 1);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) continue;
    const ssize_t r = read(pipe_fds[0], buf.data(), buf.size());
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;  // EOF: the command (and anything it forked holding the pipe) is done
    result.output.append(buf.data(), static_cast<size_t>(r));
  }
  close(pipe_fds[0]);
  if (timed_out) kill(pid, SIGKILL);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  result.exit_code = (!timed_out && WIFEXITED(status)) ? WEXITSTATUS(status) : -1;
  if (result.exit_code == 126 && !netns.empty()) {
    return absl::InternalError(absl::StrCat("setns into ", netns, " failed for ", argv[0]));
  }
  return result;
}

absl::Status RunChecked(const std::vector<std::string>& argv, const std::string& netns) {
  auto r = RunCommand(argv, netns);
  if (!r.ok()) return r.status();
  if (r->exit_code != 0) {
    return absl::InternalError(absl::StrCat("lab: `", absl::StrJoin(argv, " "), "`",
                                            netns.empty() ? "" : absl::StrCat(" in ", netns),
                                            " exited ", r->exit_code, ": ", r->output));
  }
  return absl::OkStatus();
}

absl::Status EnterNetnsForThread(const std::string& netns) {
  auto fd = OpenNetns(netns);
  if (!fd.ok()) return fd.status();
  if (*fd < 0) return absl::OkStatus();
  const int rc = setns(*fd, CLONE_NEWNET);
  const int err = errno;
  close(*fd);
  if (rc != 0) return ErrnoToStatus(err, absl::StrCat("setns ", netns));
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<HostProcess>> HostProcess::Start(
    const std::vector<std::string>& argv, const std::string& netns, const std::string& log_path) {
  if (argv.empty()) return absl::InvalidArgumentError("HostProcess: empty argv");
  CleanupRegistry::InstallSignalHandlers();
  std::vector<std::string> args = argv;
  std::vector<char*> cargv = Argv(args);
  auto ns_fd = OpenNetns(netns);
  if (!ns_fd.ok()) return ns_fd.status();
  const std::string out = log_path.empty() ? "/dev/null" : log_path;
  const int out_fd = open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (out_fd < 0) {
    if (*ns_fd >= 0) close(*ns_fd);
    return ErrnoToStatus(errno, out);
  }
  const pid_t pid = fork();
  if (pid == 0) {
    setpgid(0, 0);
    ExecInNetns(*ns_fd, out_fd, cargv.data());
  }
  const int fork_errno = errno;
  close(out_fd);
  if (*ns_fd >= 0) close(*ns_fd);
  if (pid < 0) return ErrnoToStatus(fork_errno, "fork");
  setpgid(pid, pid);  // also from the parent, so the group exists before any Kill()
  CleanupRegistry::AddProcess(pid);
  return std::unique_ptr<HostProcess>(new HostProcess(pid));
}

HostProcess::~HostProcess() { Kill(); }

void HostProcess::Signal(int sig) const {
  if (!reaped_) kill(pid_, sig);
}

void HostProcess::Kill() {
  if (reaped_) return;
  const std::vector<pid_t> descendants = Descendants();
  kill(-pid_, SIGKILL);
  kill(pid_, SIGKILL);
  for (pid_t p : descendants) kill(p, SIGKILL);  // in case one left the process group
  while (waitpid(pid_, nullptr, 0) < 0 && errno == EINTR) {
  }
  reaped_ = true;
  CleanupRegistry::RemoveProcess(pid_);
  // SIGKILL is delivered asynchronously: wait (bounded) until the children are gone too, so
  // that "killed" means gone when this returns.
  const absl::Time deadline = absl::Now() + absl::Seconds(2);
  for (pid_t p : descendants) {
    while (!ProcessGone(p) && absl::Now() < deadline) absl::SleepFor(absl::Milliseconds(1));
  }
}

bool HostProcess::Running() {
  if (reaped_) return false;
  if (waitpid(pid_, nullptr, WNOHANG) == pid_) {
    reaped_ = true;
    kill(-pid_, SIGKILL);  // leftovers of its group, if any
    CleanupRegistry::RemoveProcess(pid_);
  }
  return !reaped_;
}

std::vector<pid_t> HostProcess::Descendants() const {
  std::vector<pid_t> found;
  std::vector<pid_t> todo = {pid_};
  while (!todo.empty() && found.size() < 4096) {
    const pid_t p = todo.back();
    todo.pop_back();
    std::error_code ec;
    for (const auto& task :
         std::filesystem::directory_iterator(absl::StrCat("/proc/", p, "/task"), ec)) {
      std::ifstream children(task.path() / "children");
      pid_t child;
      while (children >> child) {
        found.push_back(child);
        todo.push_back(child);
      }
    }
  }
  return found;
}

bool ProcessGone(pid_t pid) {
  std::ifstream stat(absl::StrCat("/proc/", pid, "/stat"));
  if (!stat.is_open()) return true;
  std::stringstream text;
  text << stat.rdbuf();
  // Format: "pid (comm) S ..."; comm may hold spaces and parentheses, the state follows the
  // last ')'.
  const std::string s = text.str();
  const size_t close_paren = s.rfind(')');
  return close_paren == std::string::npos || s.size() < close_paren + 3 ||
         s[close_paren + 2] == 'Z' || s[close_paren + 2] == 'X';
}

bool HostProcess::WaitExit(absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (Running()) {
    if (absl::Now() >= deadline) return false;
    absl::SleepFor(absl::Milliseconds(5));
  }
  return true;
}

void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace ironlb::lab

#include "speaker/router/conntrack_sync.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "common/log.h"

extern char** environ;

namespace ironlb::speaker {
namespace {

class ProcessRunner : public CommandRunner {
 public:
  absl::Status Run(const std::vector<std::string>& argv, absl::Duration timeout) override {
    int out[2];
    if (pipe2(out, O_CLOEXEC) != 0) return absl::InternalError("pipe failed");
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(&actions, out[1], STDERR_FILENO);
    std::vector<char*> args;
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    pid_t pid = 0;
    const int err = posix_spawnp(&pid, argv[0].c_str(), &actions, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    close(out[1]);
    if (err != 0) {
      close(out[0]);
      return absl::UnavailableError(absl::StrCat("cannot run ", argv[0], ": ", strerror(err)));
    }
    fcntl(out[0], F_SETFL, O_NONBLOCK);
    std::string output;
    const absl::Time end = absl::Now() + timeout;
    int status = 0;
    while (true) {
      char buf[512];
      ssize_t n;
      while ((n = read(out[0], buf, sizeof buf)) > 0) {
        if (output.size() < 4096) output.append(buf, static_cast<size_t>(n));
      }
      const pid_t w = waitpid(pid, &status, WNOHANG);
      if (w == pid) break;
      if (w < 0 && errno != EINTR) {  // reaped elsewhere: its exit status is unknown
        close(out[0]);
        return absl::InternalError(absl::StrCat(argv[0], ": waitpid: ", strerror(errno)));
      }
      if (absl::Now() >= end) {
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
        close(out[0]);
        return absl::DeadlineExceededError(absl::StrCat(absl::StrJoin(argv, " "), ": no answer in ",
                                                        absl::FormatDuration(timeout)));
      }
      usleep(500);
    }
    close(out[0]);
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return absl::OkStatus();
    return absl::UnavailableError(absl::StrCat(
        absl::StrJoin(argv, " "), ": exit status ", WIFEXITED(status) ? WEXITSTATUS(status) : -1,
        output.empty() ? "" : ": ", absl::StripAsciiWhitespace(output)));
  }
};

std::vector<std::string> Command(const ConntrackSyncOptions& o, const char* flag) {
  return {o.binary, "-C", o.config, flag};
}

}  // namespace

std::unique_ptr<CommandRunner> MakeProcessRunner() { return std::make_unique<ProcessRunner>(); }

const char* ConntrackRoleName(ConntrackRole role) {
  switch (role) {
    case ConntrackRole::kPrimary:
      return "primary";
    case ConntrackRole::kBackup:
      return "backup";
    case ConntrackRole::kUnknown:
      break;
  }
  return "unknown";
}

ConntrackSteps StepsFor(ConntrackRole from, ConntrackRole to, const ConntrackSyncOptions& o) {
  ConntrackSteps s;
  if (from == to || to == ConntrackRole::kUnknown) return s;
  if (to == ConntrackRole::kPrimary) {
    s.first.push_back(Command(o, "-c"));  // commit the external cache into the kernel
    s.then.push_back(Command(o, "-f"));   // flush the internal and external caches
    s.then.push_back(Command(o, "-R"));   // resync the internal cache with the kernel
    s.then.push_back(Command(o, "-B"));   // bulk update to the backups
    return s;
  }
  if (from == ConntrackRole::kPrimary) s.then.push_back(Command(o, "-t"));  // shorten timers
  s.then.push_back(Command(o, "-n"));  // ask the primary for a resync
  return s;
}

ConntrackSync::ConntrackSync(ConntrackSyncOptions options, std::unique_ptr<CommandRunner> runner,
                             metrics::Registry* registry)
    : options_(std::move(options)), runner_(std::move(runner)) {
  primary_ = &registry
                  ->AddGauge("ironlb_router_conntrack_primary",
                             "1 while this router is conntrackd's primary (it holds a "
                             "PortForward's outside address), 0 while a backup.")
                  .Get();
  commands_ = &registry->AddCounter(
      "ironlb_router_conntrack_commands_total",
      "conntrackd commands run on ownership changes, by command (commit, flush, resync, bulk, "
      "shorten, request-resync) and result (ok, error).",
      {"command", "result"});
  worker_ = std::thread(&ConntrackSync::Work, this);
}

ConntrackSync::~ConntrackSync() {
  {
    std::lock_guard<std::mutex> l(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  worker_.join();
}

void ConntrackSync::SetRole(ConntrackRole role) {
  if (role == role_ || role == ConntrackRole::kUnknown) return;
  const ConntrackSteps steps = StepsFor(role_, role, options_);
  IRONLB_LOG(kInfo, "conntrack sync: role changes")
      .With("from", ConntrackRoleName(role_))
      .With("to", ConntrackRoleName(role));
  role_ = role;
  primary_->Set(role == ConntrackRole::kPrimary ? 1 : 0);
  {  // what an earlier change left to do no longer applies (a backup's timer shortening
     // would cut the connections a primary just committed)
    std::lock_guard<std::mutex> l(mu_);
    queue_.clear();
  }
  for (const auto& argv : steps.first) RunOne(argv);
  {
    std::lock_guard<std::mutex> l(mu_);
    for (const auto& argv : steps.then) queue_.push_back(argv);
  }
  cv_.notify_all();
}

void ConntrackSync::RunOne(const std::vector<std::string>& argv) {
  static const std::pair<const char*, const char*> kNames[] = {
      {"-c", "commit"}, {"-f", "flush"},   {"-R", "resync"},
      {"-B", "bulk"},   {"-t", "shorten"}, {"-n", "request-resync"}};
  const char* name = "other";
  for (const auto& [flag, n] : kNames) {
    if (argv.back() == flag) name = n;
  }
  const absl::Time start = absl::Now();
  absl::Status st = runner_->Run(argv, options_.command_timeout);
  commands_->WithLabels({name, st.ok() ? "ok" : "error"}).Increment();
  if (st.ok()) {
    IRONLB_LOG(kDebug, "conntrack sync: command done")
        .With("command", name)
        .With("ms", absl::ToDoubleMilliseconds(absl::Now() - start));
  } else {
    IRONLB_LOG(kWarn,
               "conntrack sync: conntrackd command failed; connections may not survive a "
               "failover")
        .With("command", name)
        .With("error", st)
        .With("action",
              "check that conntrackd runs with the configuration given to "
              "--conntrackd-config");
  }
}

void ConntrackSync::Work() {
  std::unique_lock<std::mutex> l(mu_);
  while (true) {
    cv_.wait(l, [this] { return stopping_ || !queue_.empty(); });
    if (stopping_) return;
    std::vector<std::string> argv = std::move(queue_.front());
    queue_.pop_front();
    l.unlock();
    RunOne(argv);
    l.lock();
  }
}

}  // namespace ironlb::speaker

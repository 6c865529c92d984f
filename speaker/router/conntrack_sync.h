// Connections that survive a router's death (issue 16): the router role drives conntrackd, the
// conntrack-tools daemon that replicates the kernel's connection tracking table between the
// routers of an HA pair (FTFW over a dedicated link or the LAN), the way keepalived users run it
// (conntrack-tools' primary-backup.sh). The speaker tells it, at every change of layer-2
// ownership, whether this router is now the primary (it answers for one of the PortForwards'
// outside addresses) or a backup:
//   becoming primary: commit the external cache (the other router's connections) into the
//     kernel, before the takeover is announced, so the first packet of a moved connection finds
//     its entry; then flush the caches, resync the internal cache from the kernel and send a
//     bulk update to the backups;
//   becoming backup: shorten the kernel's timers (connections now flow through the other
//     router), then ask the primary for a resync.
// conntrackd itself runs as its own service with its own configuration; the speaker only runs
// `conntrackd -C CONFIG <command>`. The commit runs on the caller's thread (bounded); the rest
// on a worker thread, in order.
#pragma once

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "common/metrics.h"

namespace ironlb::speaker {

struct ConntrackSyncOptions {
  std::string config;  // conntrackd's configuration file ("" = off)
  std::string binary = "/usr/sbin/conntrackd";
  absl::Duration command_timeout = absl::Seconds(2);
};

// Runs one command to its end (bounded by `timeout`, then killed); error: its exit status and
// what it wrote.
class CommandRunner {
 public:
  virtual ~CommandRunner() = default;
  virtual absl::Status Run(const std::vector<std::string>& argv, absl::Duration timeout) = 0;
};
// fork/exec on this host.
std::unique_ptr<CommandRunner> MakeProcessRunner();

enum class ConntrackRole { kUnknown, kPrimary, kBackup };
const char* ConntrackRoleName(ConntrackRole role);

// What to run on a change of role: `first` before the takeover is announced, `then` after.
struct ConntrackSteps {
  std::vector<std::vector<std::string>> first;
  std::vector<std::vector<std::string>> then;
};
// Pure: the keepalived recipe's commands for `from` -> `to`. Starting as a backup asks the
// primary for a resync but does not shorten timers (a restarted speaker may still be the
// primary until it has adopted its addresses).
ConntrackSteps StepsFor(ConntrackRole from, ConntrackRole to, const ConntrackSyncOptions& options);

class ConntrackSync {
 public:
  // `registry` outlives it.
  ConntrackSync(ConntrackSyncOptions options, std::unique_ptr<CommandRunner> runner,
                metrics::Registry* registry);
  ~ConntrackSync();  // waits for the worker's current command
  ConntrackSync(const ConntrackSync&) = delete;
  ConntrackSync& operator=(const ConntrackSync&) = delete;

  // The role now (the caller's thread, which is the speaker's loop). The primary's commit runs
  // before this returns.
  void SetRole(ConntrackRole role);
  ConntrackRole role() const { return role_; }

 private:
  void RunOne(const std::vector<std::string>& argv);
  void Work();

  ConntrackSyncOptions options_;
  std::unique_ptr<CommandRunner> runner_;
  ConntrackRole role_ = ConntrackRole::kUnknown;
  metrics::Gauge* primary_;
  metrics::Family<metrics::Counter>* commands_;

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::vector<std::string>> queue_;  // guarded by mu_
  bool stopping_ = false;                       // guarded by mu_
  std::thread worker_;
};

}  // namespace ironlb::speaker

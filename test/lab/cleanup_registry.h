// Last-resort teardown for the lab: every namespace and process the lab creates is recorded
// here, and SIGINT/SIGTERM/SIGHUP (a test interrupted) or SIGABRT/SIGSEGV/SIGBUS/SIGFPE (a
// test crashing) deletes the namespaces by name and SIGKILLs the processes by PID before the
// signal's default action proceeds.
// Normal teardown is the owners' destructors; they deregister what they have removed.
#pragma once

#include <sys/types.h>

#include <string>

namespace ironlb::lab {

class CleanupRegistry {
 public:
  // Installs the signal handlers once per process; later calls do nothing.
  static void InstallSignalHandlers();

  static void AddNamespace(const std::string& name);
  static void RemoveNamespace(const std::string& name);
  static void AddProcess(pid_t pid);
  static void RemoveProcess(pid_t pid);

  // What the signal handler does (async-signal-safe); exposed for tests and atexit.
  static void TearDownAll();
};

}  // namespace ironlb::lab

#include "test/lab/cleanup_registry.h"

#include <signal.h>
#include <sys/mount.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cstring>
#include <mutex>

namespace ironlb::lab {
namespace {

// Fixed-size tables so the signal handler reads them without allocating or locking. A slot is
// claimed under the mutex (normal code); the handler only reads slots whose `used` flag is set.
constexpr int kMaxNamespaces = 256;
constexpr int kMaxProcesses = 1024;
constexpr size_t kNameLength = 64;

struct NamespaceSlot {
  std::atomic<bool> used{false};
  char name[kNameLength];
};
struct ProcessSlot {
  std::atomic<pid_t> pid{0};
};

std::array<NamespaceSlot, kMaxNamespaces> namespaces;
std::array<ProcessSlot, kMaxProcesses> processes;
std::mutex mu;
std::atomic<bool> installed{false};

void DeleteNamespace(const char* name) {
  // What `ip netns del` does: detach the bind mount that keeps the namespace alive, then
  // remove the mount point. Interfaces inside go away with the namespace.
  char path[kNameLength + 16] = "/run/netns/";
  strncat(path, name, kNameLength);
  umount2(path, MNT_DETACH);
  unlink(path);
}

void OnSignal(int sig) {
  CleanupRegistry::TearDownAll();
  signal(sig, SIG_DFL);
  raise(sig);
}

}  // namespace

void CleanupRegistry::InstallSignalHandlers() {
  if (installed.exchange(true)) return;
  struct sigaction sa {};
  sa.sa_handler = OnSignal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESETHAND;
  for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGABRT, SIGSEGV, SIGBUS, SIGFPE})
    sigaction(sig, &sa, nullptr);
}

void CleanupRegistry::AddNamespace(const std::string& name) {
  std::lock_guard<std::mutex> lock(mu);
  for (NamespaceSlot& s : namespaces) {
    if (s.used.load()) continue;
    strncpy(s.name, name.c_str(), kNameLength - 1);
    s.name[kNameLength - 1] = '\0';
    s.used.store(true);
    return;
  }
}

void CleanupRegistry::RemoveNamespace(const std::string& name) {
  std::lock_guard<std::mutex> lock(mu);
  for (NamespaceSlot& s : namespaces) {
    if (s.used.load() && name == s.name) s.used.store(false);
  }
}

void CleanupRegistry::AddProcess(pid_t pid) {
  std::lock_guard<std::mutex> lock(mu);
  for (ProcessSlot& s : processes) {
    pid_t empty = 0;
    if (s.pid.compare_exchange_strong(empty, pid)) return;
  }
}

void CleanupRegistry::RemoveProcess(pid_t pid) {
  std::lock_guard<std::mutex> lock(mu);
  for (ProcessSlot& s : processes) {
    pid_t expected = pid;
    s.pid.compare_exchange_strong(expected, 0);
  }
}

void CleanupRegistry::TearDownAll() {
  // Processes first (they may hold a namespace open), each in its own process group too, so
  // children of a daemon (keepalived's VRRP child) die with it.
  for (ProcessSlot& s : processes) {
    const pid_t pid = s.pid.exchange(0);
    if (pid > 0) {
      kill(-pid, SIGKILL);
      kill(pid, SIGKILL);
    }
  }
  for (NamespaceSlot& s : namespaces) {
    if (s.used.exchange(false)) DeleteNamespace(s.name);
  }
}

}  // namespace ironlb::lab

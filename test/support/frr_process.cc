#include "test/support/frr_process.h"

#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "test/support/shell.h"

namespace ironlb::testing {

std::string FrrPrefix() {
  const char* p = std::getenv("IRONLB_FRR_PREFIX");
  return p != nullptr && *p != '\0' ? p : "/opt/ironlb/frr";
}

FrrInstance::FrrInstance(std::string name)
    : name_(std::move(name)), run_dir_(absl::StrCat("/var/run/ironlb-frr/", name_)) {
  std::filesystem::create_directories(run_dir_);
  std::ofstream(run_dir_ + "/empty.conf").flush();
  std::ofstream(run_dir_ + "/vtysh.conf").flush();
}

FrrInstance::~FrrInstance() {
  for (const auto& [daemon, pid] : pids_) kill(pid, SIGKILL);
  for (const auto& [daemon, pid] : pids_) waitpid(pid, nullptr, 0);
  std::error_code ec;
  std::filesystem::remove_all(run_dir_, ec);
}

absl::Status FrrInstance::Start(const std::string& daemon, int grpc_port) {
  const std::string bin = absl::StrCat(FrrPrefix(), "/sbin/", daemon);
  std::vector<std::string> args = {
      bin,    "-N",        name_,  "-f",    absl::StrCat(run_dir_, "/empty.conf"),
      "-A",   "127.0.0.1", "-P",   "0",     "-u",
      "root", "-g",        "root", "--log", absl::StrCat("file:", run_dir_, "/", daemon, ".log")};
  if (grpc_port != 0) {
    args.push_back("-M");
    args.push_back(absl::StrCat("grpc:", grpc_port));
  }
  const std::string vty = absl::StrCat(run_dir_, "/", daemon, ".vty");
  std::filesystem::remove(vty);
  const pid_t pid = fork();
  if (pid == 0) {
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(bin.c_str(), argv.data());
    _exit(127);
  }
  pids_[daemon] = pid;
  // Ready when the vty socket exists and, with gRPC, when the gRPC port accepts connections
  // (FRR starts the gRPC server after reading its configuration).
  auto grpc_listening = [grpc_port]() {
    if (grpc_port == 0) return true;
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(grpc_port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    const bool ok = connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0;
    close(fd);
    return ok;
  };
  for (int i = 0; i < 200; ++i) {
    if (std::filesystem::exists(vty) && grpc_listening()) return absl::OkStatus();
    int status;
    if (waitpid(pid, &status, WNOHANG) == pid) {
      pids_.erase(daemon);
      return absl::InternalError(absl::StrCat(daemon, " exited at start; see ", run_dir_));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return absl::DeadlineExceededError(
      absl::StrCat(daemon, " did not open its vty (and gRPC port) in 10 s; see ", run_dir_));
}

void FrrInstance::Kill(const std::string& daemon) {
  auto it = pids_.find(daemon);
  if (it == pids_.end()) return;
  kill(it->second, SIGKILL);
  waitpid(it->second, nullptr, 0);
  pids_.erase(it);
}

std::string FrrInstance::Vtysh(const std::vector<std::string>& commands) const {
  std::string cmd =
      absl::StrCat(FrrPrefix(), "/bin/vtysh -N ", name_, " --config_dir /var/run/ironlb-frr");
  for (const auto& c : commands) absl::StrAppend(&cmd, " -c '", c, "'");
  absl::StrAppend(&cmd, " 2>&1");
  return RunShell(cmd);
}

int FreeLoopbackPort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a));
  socklen_t len = sizeof(a);
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  close(fd);
  return ntohs(a.sin_port);
}

}  // namespace ironlb::testing

// A daemon under test as a child process: started with arguments, its stderr collected so
// tests can wait for log lines, stopped with a signal, and killed (by PID) if the test leaves
// it running.
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"

namespace ironlb::testing {

// One daemon process; killed (by PID) if the test leaves it running.
class Daemon {
 public:
  Daemon(const std::string& binary, const std::vector<std::string>& args) {
    int fds[2];
    EXPECT_EQ(pipe2(fds, O_CLOEXEC), 0);
    pid_ = fork();
    if (pid_ == 0) {
      dup2(fds[1], STDERR_FILENO);
      std::vector<char*> argv;
      std::vector<std::string> all = {binary};
      all.insert(all.end(), args.begin(), args.end());
      for (auto& a : all) argv.push_back(a.data());
      argv.push_back(nullptr);
      execv(binary.c_str(), argv.data());
      _exit(127);
    }
    close(fds[1]);
    err_fd_ = fds[0];
  }
  ~Daemon() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    close(err_fd_);
  }
  // Reads stderr until `re` matches (bounded by `timeout`); returns the first group.
  std::string WaitForLog(const std::string& re, std::chrono::milliseconds timeout) {
    const std::regex pattern(re);
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      std::smatch m;
      if (std::regex_search(log_, m, pattern)) return m.size() > 1 ? m[1].str() : m[0].str();
      pollfd p{err_fd_, POLLIN, 0};
      if (poll(&p, 1, 50) > 0) {
        char buf[4096];
        const ssize_t n = read(err_fd_, buf, sizeof(buf));
        if (n <= 0) break;
        log_.append(buf, n);
      }
    }
    ADD_FAILURE() << "no log line matching " << re << " in:\n" << log_;
    return "";
  }
  // Sends `sig` and waits (bounded: 30 s, a hung daemon only) for the exit status.
  int StopWith(int sig) {
    kill(pid_, sig);
    for (int i = 0; i < 600; ++i) {
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return -1;
  }
  void Signal(int sig) { kill(pid_, sig); }
  const std::string& log() const { return log_; }
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
  int err_fd_ = -1;
  std::string log_;
};

}  // namespace ironlb::testing

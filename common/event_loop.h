// A single-threaded epoll + timerfd event loop: file-descriptor readiness callbacks, one-shot
// timers, and Post() for handing work in from other threads (the only thread-safe call).
// Each daemon owns one; arp/, nft, the status server and the speaker's parts run on it.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"

namespace ironlb {

class EventLoop {
 public:
  using Clock = std::chrono::steady_clock;
  using TimerId = uint64_t;

  static absl::StatusOr<std::unique_ptr<EventLoop>> Create();
  ~EventLoop();
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  // Calls `on_readable` whenever `fd` is readable, until Unwatch(fd).
  absl::Status Watch(int fd, std::function<void()> on_readable);
  void Unwatch(int fd);

  // Runs `fn` once after `delay`. Cancel() before it fired drops it.
  TimerId RunAfter(Clock::duration delay, std::function<void()> fn);
  void Cancel(TimerId id);
  size_t pending_timers() const { return timers_.size(); }

  // Thread-safe: queues `fn` to run on the loop's thread and wakes it.
  void Post(std::function<void()> fn);

  // Dispatches ready work, waiting at most `timeout` for some.
  absl::Status RunOnce(Clock::duration timeout);
  // Dispatches until Stop() (thread-safe).
  absl::Status Run();
  void Stop();

 private:
  EventLoop(int epoll_fd, int timer_fd, int wake_fd);
  void ArmTimer();
  void FireDueTimers();
  void RunPosted();

  int epoll_fd_;
  int timer_fd_;
  int wake_fd_;
  absl::flat_hash_map<int, std::shared_ptr<std::function<void()>>> watched_;
  // Deadline -> (id, callback); ids index into it for Cancel().
  std::multimap<Clock::time_point, std::pair<TimerId, std::function<void()>>> timers_;
  absl::flat_hash_map<TimerId, decltype(timers_)::iterator> timer_index_;
  // Timers taken out as due by FireDueTimers and not run yet: a callback that cancels one of
  // them (say, by destroying the object it would call) must stop it from running.
  absl::flat_hash_set<TimerId> firing_;
  TimerId next_timer_id_ = 1;
  Clock::time_point armed_for_ = Clock::time_point::max();

  std::mutex posted_mu_;
  std::vector<std::function<void()>> posted_;
  bool stop_ = false;  // guarded by posted_mu_
};

}  // namespace ironlb

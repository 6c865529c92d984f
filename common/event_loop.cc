#include "common/event_loop.h"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <cerrno>

#include "common/errno_status.h"

namespace ironlb {

absl::StatusOr<std::unique_ptr<EventLoop>> EventLoop::Create() {
  int ep = epoll_create1(EPOLL_CLOEXEC);
  if (ep < 0) return ErrnoToStatus(errno, "event loop: epoll_create1");
  int tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
  if (tfd < 0) {
    int err = errno;
    close(ep);
    return ErrnoToStatus(err, "event loop: timerfd_create");
  }
  int wfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (wfd < 0) {
    int err = errno;
    close(ep);
    close(tfd);
    return ErrnoToStatus(err, "event loop: eventfd");
  }
  for (int fd : {tfd, wfd}) {
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.fd = fd;
    if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) != 0) {
      int err = errno;
      close(ep);
      close(tfd);
      close(wfd);
      return ErrnoToStatus(err, "event loop: epoll_ctl add");
    }
  }
  return std::unique_ptr<EventLoop>(new EventLoop(ep, tfd, wfd));
}

EventLoop::EventLoop(int epoll_fd, int timer_fd, int wake_fd)
    : epoll_fd_(epoll_fd), timer_fd_(timer_fd), wake_fd_(wake_fd) {}

EventLoop::~EventLoop() {
  close(epoll_fd_);
  close(timer_fd_);
  close(wake_fd_);
}

absl::Status EventLoop::Watch(int fd, std::function<void()> on_readable) {
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.fd = fd;
  if (epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev) != 0) {
    return ErrnoToStatus(errno, "event loop: watch fd");
  }
  watched_[fd] = std::make_shared<std::function<void()>>(std::move(on_readable));
  return absl::OkStatus();
}

void EventLoop::Unwatch(int fd) {
  if (watched_.erase(fd) > 0) epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr);
}

EventLoop::TimerId EventLoop::RunAfter(Clock::duration delay, std::function<void()> fn) {
  TimerId id = next_timer_id_++;
  auto it = timers_.emplace(Clock::now() + delay, std::make_pair(id, std::move(fn)));
  timer_index_[id] = it;
  ArmTimer();
  return id;
}

void EventLoop::Cancel(TimerId id) {
  if (firing_.erase(id) > 0) return;  // due in the batch being fired: it will not run
  auto it = timer_index_.find(id);
  if (it == timer_index_.end()) return;
  timers_.erase(it->second);
  timer_index_.erase(it);
  // The timerfd may still fire for the old deadline; FireDueTimers then finds nothing due.
}

void EventLoop::ArmTimer() {
  Clock::time_point next = timers_.empty() ? Clock::time_point::max() : timers_.begin()->first;
  if (next == armed_for_) return;
  armed_for_ = next;
  itimerspec spec{};
  if (next != Clock::time_point::max()) {
    auto delay = std::chrono::duration_cast<std::chrono::nanoseconds>(next - Clock::now());
    if (delay.count() < 1) delay = std::chrono::nanoseconds(1);  // 0 would disarm
    spec.it_value.tv_sec = delay.count() / 1'000'000'000;
    spec.it_value.tv_nsec = delay.count() % 1'000'000'000;
  }
  timerfd_settime(timer_fd_, 0, &spec, nullptr);
}

void EventLoop::FireDueTimers() {
  uint64_t expirations;
  (void)!read(timer_fd_, &expirations, sizeof(expirations));
  armed_for_ = Clock::time_point::max();
  Clock::time_point now = Clock::now();
  // Collect first: callbacks may add or cancel timers.
  std::vector<std::pair<TimerId, std::function<void()>>> due;
  while (!timers_.empty() && timers_.begin()->first <= now) {
    auto it = timers_.begin();
    timer_index_.erase(it->second.first);
    firing_.insert(it->second.first);
    due.emplace_back(it->second.first, std::move(it->second.second));
    timers_.erase(it);
  }
  for (auto& [id, fn] : due) {
    // An earlier callback of this batch may have cancelled it (and freed what it refers to).
    if (firing_.erase(id) == 0) continue;
    fn();
  }
  ArmTimer();
}

void EventLoop::Post(std::function<void()> fn) {
  {
    std::lock_guard<std::mutex> lock(posted_mu_);
    posted_.push_back(std::move(fn));
  }
  uint64_t one = 1;
  (void)!write(wake_fd_, &one, sizeof(one));
}

void EventLoop::RunPosted() {
  uint64_t n;
  (void)!read(wake_fd_, &n, sizeof(n));
  std::vector<std::function<void()>> work;
  {
    std::lock_guard<std::mutex> lock(posted_mu_);
    work.swap(posted_);
  }
  for (auto& fn : work) fn();
}

absl::Status EventLoop::RunOnce(Clock::duration timeout) {
  epoll_event events[64];
  int ms = static_cast<int>(std::chrono::ceil<std::chrono::milliseconds>(timeout).count());
  int n = epoll_wait(epoll_fd_, events, 64, ms);
  if (n < 0) {
    if (errno == EINTR) return absl::OkStatus();
    return ErrnoToStatus(errno, "event loop: epoll_wait");
  }
  for (int i = 0; i < n; ++i) {
    int fd = events[i].data.fd;
    if (fd == timer_fd_) {
      FireDueTimers();
    } else if (fd == wake_fd_) {
      RunPosted();
    } else if (auto it = watched_.find(fd); it != watched_.end()) {
      // Keep the callback alive even if it unwatches its own fd.
      std::shared_ptr<std::function<void()>> cb = it->second;
      (*cb)();
    }
  }
  return absl::OkStatus();
}

absl::Status EventLoop::Run() {
  while (true) {
    {
      std::lock_guard<std::mutex> lock(posted_mu_);
      if (stop_) {
        stop_ = false;
        return absl::OkStatus();
      }
    }
    absl::Status s = RunOnce(std::chrono::seconds(1));
    if (!s.ok()) return s;
  }
}

void EventLoop::Stop() {
  Post([this] {
    std::lock_guard<std::mutex> lock(posted_mu_);
    stop_ = true;
  });
}

}  // namespace ironlb

// Repeats gratuitous ARP / unsolicited NA after a VIP is gained: the first round goes out at
// once, then `count - 1` more, `interval` apart, on the event loop. A round is skipped for a
// VIP that was released (or re-gained, which starts its own series) in between.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <vector>

#include "common/event_loop.h"
#include "common/ip.h"

namespace ironlb::arp {

class Announcer {
 public:
  // One gain of `vip` on `ifindex`; `generation` tells this gain from later ones.
  struct Claim {
    int ifindex;
    IpAddress vip;
    uint64_t generation;
  };
  using SendRound = std::function<void(const Claim&)>;
  using IsCurrent = std::function<bool(const Claim&)>;

  Announcer(EventLoop* loop, int count, std::chrono::milliseconds interval, SendRound send,
            IsCurrent is_current)
      : loop_(loop),
        count_(count),
        interval_(interval),
        send_(std::move(send)),
        is_current_(std::move(is_current)) {}
  ~Announcer();
  Announcer(const Announcer&) = delete;
  Announcer& operator=(const Announcer&) = delete;

  // Sends the first round for every claim now and schedules the repeats as one batch, so a
  // takeover of thousands of VIPs costs one timer, not thousands.
  void Announce(std::vector<Claim> claims);
  size_t pending_batches() const { return batches_.size(); }

 private:
  struct Batch {
    std::vector<Claim> claims;
    int rounds_left;
    EventLoop::TimerId timer;
  };
  void Schedule(uint64_t batch_id);
  void Repeat(uint64_t batch_id);

  EventLoop* loop_;
  int count_;
  std::chrono::milliseconds interval_;
  SendRound send_;
  IsCurrent is_current_;
  uint64_t next_batch_id_ = 1;
  std::map<uint64_t, Batch> batches_;
};

}  // namespace ironlb::arp

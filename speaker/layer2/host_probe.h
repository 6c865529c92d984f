// Is a restarting speaker's host still up? While its speaker process is gone, the host's kernel
// still answers a TCP connection attempt to the liveness port: with a reset (nobody listens)
// or, once the successor listens, by accepting. Either answer means "up"; silence for
// dead_after means the host went down (power, kernel, cable) and the others take its VIPs as
// fast as after any death. Needs no privileges and opens nothing to the network.
#pragma once

#include <functional>
#include <map>
#include <string>

#include "common/event_loop.h"
#include "common/ip.h"

namespace ironlb::speaker {

class HostProbe {
 public:
  using AliveFn = std::function<void(const std::string& node)>;

  HostProbe(EventLoop* loop, AliveFn alive) : loop_(loop), alive_(std::move(alive)) {}
  ~HostProbe();
  HostProbe(const HostProbe&) = delete;
  HostProbe& operator=(const HostProbe&) = delete;

  // Sends one probe to `node`'s host at addr:port; `alive` runs on the loop when its kernel
  // answers (a reset at once; an accepted connection at the next probe). The previous probe
  // of `node` is closed.
  void Probe(const std::string& node, const IpAddress& addr, uint16_t port);
  // Reports every in-flight probe already answered (reset or accepted) without waiting for the
  // loop to dispatch it: called before expiring anyone, so a busy loop that has not yet turned
  // does not mistake an answered probe for silence.
  void Collect();
  // Abandons every probe of nodes not in `keep`.
  void Retain(const std::vector<std::string>& keep);

 private:
  void OnEvent(int fd);
  void Close(int fd);

  EventLoop* loop_;
  AliveFn alive_;
  std::map<int, std::string> inflight_;  // fd -> node
  std::map<std::string, int> by_node_;
};

}  // namespace ironlb::speaker

// A PacketSocket for unit tests: frames injected by the test are received, sent frames and
// group memberships are recorded. Its fd is an eventfd, so the real EventLoop drives it.
// Checked against the real RawPacketSocket by layer2_netns_test.
#pragma once

#include <sys/eventfd.h>
#include <unistd.h>

#include <cstring>
#include <deque>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "arp/packet_socket.h"

namespace ironlb::arp::testing {

class FakePacketSocket : public PacketSocket {
 public:
  FakePacketSocket() : fd_(eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {}
  ~FakePacketSocket() override {
    if (on_close) on_close();
    close(fd_);
  }

  int fd() const override { return fd_; }
  absl::StatusOr<size_t> Receive(absl::Span<uint8_t> buffer) override {
    if (inbound_.empty()) {
      uint64_t n;
      (void)!read(fd_, &n, sizeof(n));
      return 0;
    }
    std::vector<uint8_t> f = std::move(inbound_.front());
    inbound_.pop_front();
    size_t n = std::min(f.size(), buffer.size());
    std::memcpy(buffer.data(), f.data(), n);
    return n;
  }
  absl::Status Send(absl::Span<const uint8_t> frame) override {
    sent.emplace_back(frame.begin(), frame.end());
    return absl::OkStatus();
  }
  absl::Status JoinGroup(const IpAddress& group) override {
    groups.insert(group);
    return absl::OkStatus();
  }
  absl::Status LeaveGroup(const IpAddress& group) override {
    groups.erase(group);
    return absl::OkStatus();
  }

  // The frame arrives from the wire.
  void Inject(absl::Span<const uint8_t> frame) {
    inbound_.emplace_back(frame.begin(), frame.end());
    uint64_t one = 1;
    (void)!write(fd_, &one, sizeof(one));
  }
  // Injected frames the service has not received yet.
  size_t pending() const { return inbound_.size(); }

  std::vector<std::vector<uint8_t>> sent;
  std::set<IpAddress> groups;
  std::function<void()> on_close;

 private:
  int fd_;
  std::deque<std::vector<uint8_t>> inbound_;
};

class FakePacketSocketFactory : public PacketSocketFactory {
 public:
  absl::StatusOr<std::unique_ptr<PacketSocket>> Open(int ifindex,
                                                     const std::string& name) override {
    if (fail_opens) return absl::UnavailableError("fake: open refused");
    auto s = std::make_unique<FakePacketSocket>();
    open[ifindex] = s.get();
    s->on_close = [this, ifindex] { open.erase(ifindex); };
    opened_names.push_back(name);
    return std::unique_ptr<PacketSocket>(std::move(s));
  }
  // The socket open on `ifindex`, or nullptr once the service closed it.
  FakePacketSocket* On(int ifindex) { return open.count(ifindex) ? open[ifindex] : nullptr; }

  bool fail_opens = false;
  std::map<int, FakePacketSocket*> open;
  std::vector<std::string> opened_names;
};

}  // namespace ironlb::arp::testing

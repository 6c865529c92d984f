// A layer-2 lab in network namespaces for arp/'s integration tests and benchmark: a client
// namespace with a bridge (10.77.0.1/24, fd00:77::1/64) and N speaker namespaces, each with an
// `eth0` on that bridge, plus a Speaker harness that runs the real Layer2Service, LinkMonitor
// and RawPacketSocket on a thread moved into a speaker namespace. Names carry the PID and a
// counter, and the destructor deletes every namespace it created.
#pragma once

#include <functional>
#include <future>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "arp/layer2_service.h"
#include "arp/link_monitor.h"
#include "arp/mac_address.h"
#include "arp/raw_packet_socket.h"
#include "common/event_loop.h"

namespace ironlb::arp::testing {

// Runs `command` with /bin/sh; returns its exit code and (if `output`) its stdout+stderr.
int Sh(const std::string& command, std::string* output = nullptr);

class Lab {
 public:
  static absl::StatusOr<std::unique_ptr<Lab>> Create(int speakers);
  ~Lab();

  const std::string& client() const { return client_; }
  const std::string& speaker(int i) const { return speakers_[static_cast<size_t>(i)]; }
  // The client's br0 MAC: 02:00:00:77:00:fe.
  static MacAddress ClientMac() { return MacAddress({0x02, 0x00, 0x00, 0x77, 0x00, 0xfe}); }
  // eth0's MAC in speaker `i`: 02:00:00:77:00:<i+1>.
  static MacAddress SpeakerMac(int i);
  // `command` inside namespace `ns`.
  static int Exec(const std::string& ns, const std::string& command, std::string* out = nullptr);

 private:
  Lab() = default;
  std::string client_;
  std::vector<std::string> speakers_;
};

// Moves the calling thread into network namespace `ns` (only this thread).
absl::Status EnterNetns(const std::string& ns);

class Speaker {
 public:
  // Starts the service in `ns` and waits until it has dumped the links.
  static absl::StatusOr<std::unique_ptr<Speaker>> Start(const std::string& ns,
                                                        Layer2Options options);
  ~Speaker();

  // Runs `fn` on the speaker's loop thread and waits for it.
  template <typename F>
  auto Call(F fn) -> decltype(fn(std::declval<Layer2Service&>())) {
    using R = decltype(fn(std::declval<Layer2Service&>()));
    std::packaged_task<R()> task([this, &fn] { return fn(*service_); });
    std::future<R> result = task.get_future();
    loop_->Post([&task] { task(); });
    return result.get();
  }
  void SetOwnedVips(std::vector<VipClaim> claims) {
    Call([&claims](Layer2Service& s) { s.SetOwnedVips(claims); });
  }
  // What the LinkMonitor currently knows, by ifindex.
  std::map<int, Link> Links() {
    std::promise<std::map<int, Link>> p;
    loop_->Post([this, &p] { p.set_value(monitor_->links()); });
    return p.get_future().get();
  }
  Layer2Counters::Snapshot Counters() {
    return Call([](Layer2Service& s) { return s.counters().Read(); });
  }

 private:
  Speaker() = default;
  void Main(std::string ns, Layer2Options options, std::promise<absl::Status>* ready);

  std::thread thread_;
  std::unique_ptr<EventLoop> loop_;
  RawPacketSocketFactory sockets_;
  std::unique_ptr<Layer2Service> service_;
  std::unique_ptr<LinkMonitor> monitor_;
};

}  // namespace ironlb::arp::testing

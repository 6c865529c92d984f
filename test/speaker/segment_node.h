// One speaker's layer-2 membership (Segment + LivenessMesh on its own event loop) inside a
// network namespace of the test lab, for the segment netns test and test/bench/segment_bench.
#pragma once

#include <net/if.h>

#include <chrono>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/event_loop.h"
#include "speaker/layer2/membership/liveness_mesh.h"
#include "speaker/layer2/membership/segment.h"
#include "test/arp/netns_lab.h"

namespace ironlb::speaker::testing {

using Clock = std::chrono::steady_clock;
namespace lab = ::ironlb::arp::testing;

// One speaker's layer-2 membership, running on a thread inside namespace `ns`.
class Node {
 public:
  Node(const std::string& ns, int index, const std::string& key) {
    const std::string name = absl::StrCat("node-", index);
    const IpAddress address =
        IpAddress::FromValue(IpFamily::kV4, (10u << 24) | (77u << 16) | (11 + index));
    std::promise<absl::Status> started;
    thread_ = std::thread([&, name, address] {
      absl::Status st = lab::EnterNetns(ns);
      std::unique_ptr<EventLoop> loop;
      if (st.ok()) {
        auto l = EventLoop::Create();
        st = l.status();
        if (st.ok()) loop = std::move(*l);
      }
      if (st.ok()) {
        auto m =
            LivenessMesh::Create(loop.get(), name, key, address, 0,
                                 [this](const std::string& peer) { segment_->PeerLost(peer); });
        st = m.status();
        if (st.ok()) mesh_ = std::move(*m);
      }
      if (st.ok()) {
        SegmentOptions opts;
        opts.node = name;
        opts.key = key;
        opts.incarnation = static_cast<uint64_t>(Clock::now().time_since_epoch().count());
        auto s = Segment::Create(loop.get(), static_cast<int>(if_nametoindex("eth0")), "eth0",
                                 lab::Lab::SpeakerMac(index).bytes(), address, mesh_.get(),
                                 mesh_->port(), opts, [] {});
        st = s.status();
        if (st.ok()) segment_ = std::move(*s);
      }
      loop_ = loop.get();
      started.set_value(st);
      if (!st.ok()) return;
      (void)loop->Run();
      segment_.reset();
      mesh_.reset();
    });
    status_ = started.get_future().get();
  }
  ~Node() {
    if (loop_ != nullptr && status_.ok()) loop_->Stop();
    thread_.join();
  }
  const absl::Status& status() const { return status_; }
  template <typename F>
  auto Call(F fn) {
    std::packaged_task<decltype(fn())()> task(fn);
    auto f = task.get_future();
    loop_->Post([&task] { task(); });
    return f.get();
  }
  std::vector<std::string> Alive() {
    return Call([this] { return segment_->Alive(); });
  }
  bool Ready() {
    return Call([this] { return segment_->ready(); });
  }
  // How `node` stopped being alive here, if it did.
  std::optional<Membership::Cause> DepartureOf(const std::string& node) {
    return Call([&]() -> std::optional<Membership::Cause> {
      const Membership::Departure* d = segment_->membership().FindDeparture(node);
      if (d == nullptr) return std::nullopt;
      return d->cause;
    });
  }
  // How long `node` had been silent when it was counted gone (0 when it was not).
  std::chrono::microseconds SilenceBeforeDeparture(const std::string& node) {
    return Call([&] {
      const Membership::Departure* d = segment_->membership().FindDeparture(node);
      return d == nullptr ? std::chrono::microseconds(0)
                          : absl::ToChronoMicroseconds(d->noticed - d->last_heard);
    });
  }
  SegmentCounters Counters() {
    return Call([this] { return segment_->counters(); });
  }
  void Leave() {
    Call([this] {
      segment_->Leave();
      return 0;
    });
  }

 private:
  std::thread thread_;
  EventLoop* loop_ = nullptr;
  absl::Status status_;
  std::unique_ptr<LivenessMesh> mesh_;
  std::unique_ptr<Segment> segment_;
};

// Polls until `node` sees exactly `want` alive; returns how long it took, or -1 ms.
inline std::chrono::milliseconds WaitAlive(Node& node, const std::vector<std::string>& want,
                                           std::chrono::milliseconds limit) {
  const auto start = Clock::now();
  while (Clock::now() - start < limit) {
    if (node.Alive() == want) {
      return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return std::chrono::milliseconds(-1);
}

}  // namespace ironlb::speaker::testing

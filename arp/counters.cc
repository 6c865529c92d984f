#include "arp/counters.h"

#include <memory>

#include "common/metrics.h"

namespace ironlb::arp {

Layer2Counters::Snapshot Layer2Counters::Read() const {
  auto r = [](const std::atomic<uint64_t>& c) { return c.load(std::memory_order_relaxed); };
  return {r(arp_requests_seen),   r(ns_seen),
          r(arp_replies_sent),    r(na_replies_sent),
          r(gratuitous_arp_sent), r(unsolicited_na_sent),
          r(malformed_dropped),   r(send_errors)};
}

void RegisterLayer2Metrics(metrics::Registry& registry, const Layer2Counters& counters) {
  auto& seen = registry.AddCounter("ironlb_l2_requests_seen_total",
                                   "ARP requests and Neighbor Solicitations received.", {"family"});
  auto& replies =
      registry.AddCounter("ironlb_l2_replies_sent_total",
                          "ARP replies and solicited Neighbor Advertisements sent.", {"family"});
  auto& gratuitous = registry.AddCounter(
      "ironlb_l2_gratuitous_sent_total",
      "Gratuitous ARP and unsolicited Neighbor Advertisement frames sent.", {"family"});
  auto& malformed =
      registry.AddCounter("ironlb_l2_malformed_dropped_total", "Malformed ARP/NDP frames dropped.");
  auto& send_errors =
      registry.AddCounter("ironlb_l2_send_errors_total", "Frames the kernel refused to send.");
  // metrics::Counter only increments, so each scrape adds what happened since the last one.
  auto last = std::make_shared<Layer2Counters::Snapshot>(Layer2Counters::Snapshot{});
  registry.AddCollector([c = &counters, seen = &seen, replies = &replies, gratuitous = &gratuitous,
                         malformed = &malformed, send_errors = &send_errors, last] {
    Layer2Counters::Snapshot now = c->Read();
    auto add = [](metrics::Counter& counter, uint64_t a, uint64_t b) {
      if (a > b) counter.Increment(static_cast<double>(a - b));
    };
    add(seen->WithLabels({"ipv4"}), now.arp_requests_seen, last->arp_requests_seen);
    add(seen->WithLabels({"ipv6"}), now.ns_seen, last->ns_seen);
    add(replies->WithLabels({"ipv4"}), now.arp_replies_sent, last->arp_replies_sent);
    add(replies->WithLabels({"ipv6"}), now.na_replies_sent, last->na_replies_sent);
    add(gratuitous->WithLabels({"ipv4"}), now.gratuitous_arp_sent, last->gratuitous_arp_sent);
    add(gratuitous->WithLabels({"ipv6"}), now.unsolicited_na_sent, last->unsolicited_na_sent);
    add(malformed->Get(), now.malformed_dropped, last->malformed_dropped);
    add(send_errors->Get(), now.send_errors, last->send_errors);
    *last = now;
  });
}

}  // namespace ironlb::arp

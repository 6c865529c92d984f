// What arp/ did, for /metrics and tests. Written by the event loop's thread, read by anyone.
#pragma once

#include <atomic>
#include <cstdint>

namespace ironlb::metrics {
class Registry;
}

namespace ironlb::arp {

struct Layer2Counters {
  std::atomic<uint64_t> arp_requests_seen{0};  // well-formed ARP requests received
  std::atomic<uint64_t> ns_seen{0};            // well-formed Neighbor Solicitations received
  std::atomic<uint64_t> arp_replies_sent{0};
  std::atomic<uint64_t> na_replies_sent{0};      // solicited NA
  std::atomic<uint64_t> gratuitous_arp_sent{0};  // every frame, both forms
  std::atomic<uint64_t> unsolicited_na_sent{0};
  std::atomic<uint64_t> malformed_dropped{0};
  std::atomic<uint64_t> send_errors{0};

  struct Snapshot {
    uint64_t arp_requests_seen, ns_seen, arp_replies_sent, na_replies_sent, gratuitous_arp_sent,
        unsolicited_na_sent, malformed_dropped, send_errors;
  };
  Snapshot Read() const;
};

inline void Bump(std::atomic<uint64_t>& c) { c.fetch_add(1, std::memory_order_relaxed); }

// Registers ironlb_l2_{requests_seen,replies_sent,gratuitous_sent}_total{family} and
// ironlb_l2_{malformed_dropped,send_errors}_total, refreshed from `counters` at each scrape.
// `counters` must outlive `registry`'s use.
void RegisterLayer2Metrics(metrics::Registry& registry, const Layer2Counters& counters);

}  // namespace ironlb::arp

// Per-forward traffic in /metrics: ironlb_forward_{packets,bytes,connections}_total, read from
// the kernel's counters (nft/ counts every packet of each forwarded connection, both ways) at
// each scrape, on the /metrics thread. The kernel's counters restart when a forward's element
// is replaced; the exported counters only ever grow.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/metrics.h"
#include "nft/netlink_transport.h"
#include "nft/reconciler.h"
#include "speaker/router/port_forward_plan.h"

namespace ironlb::speaker {

class ForwardCounters {
 public:
  // Registers the metric families and a collector that keeps this object alive.
  static std::shared_ptr<ForwardCounters> Register(metrics::Registry* registry,
                                                   std::unique_ptr<nft::NetlinkTransport> reader);

  // The forwards now in the kernel (thread-safe).
  void SetApplied(const PortForwardPlan& plan);

  // Reads the kernel's counters into the metrics (thread-safe; the collector calls it).
  void Collect();

 private:
  explicit ForwardCounters(std::unique_ptr<nft::NetlinkTransport> reader);

  struct Seen {
    uint64_t packets = 0, bytes = 0, connections = 0;
  };

  std::mutex mu_;
  std::unique_ptr<nft::NetlinkTransport> transport_;
  nft::Reconciler reader_;
  nft::DesiredState applied_;
  std::vector<std::vector<std::string>> labels_;  // per applied_.forwards entry
  std::map<std::vector<std::string>, Seen> seen_;
  std::string last_error_;  // of the last failed read, logged once
  metrics::Family<metrics::Counter>* packets_ = nullptr;
  metrics::Family<metrics::Counter>* bytes_ = nullptr;
  metrics::Family<metrics::Counter>* connections_ = nullptr;
  // Balanced forwards: per backend (labels: the forward's, target replaced by backend).
  std::vector<std::vector<std::vector<std::string>>> backend_labels_;
  metrics::Family<metrics::Counter>* backend_packets_ = nullptr;
  metrics::Family<metrics::Counter>* backend_bytes_ = nullptr;
  metrics::Family<metrics::Counter>* backend_connections_ = nullptr;
};

}  // namespace ironlb::speaker

#include "speaker/router/forward_counters.h"

#include <set>

#include "absl/strings/str_cat.h"
#include "common/log.h"

namespace ironlb::speaker {
namespace {

// A counter that follows a kernel value which may restart from zero.
void Advance(metrics::Counter& c, uint64_t now, uint64_t& last) {
  c.Increment(static_cast<double>(now >= last ? now - last : now));
  last = now;
}

}  // namespace

ForwardCounters::ForwardCounters(std::unique_ptr<nft::NetlinkTransport> reader)
    : transport_(std::move(reader)), reader_(transport_.get()) {}

std::shared_ptr<ForwardCounters> ForwardCounters::Register(
    metrics::Registry* registry, std::unique_ptr<nft::NetlinkTransport> reader) {
  std::shared_ptr<ForwardCounters> c(new ForwardCounters(std::move(reader)));
  const std::vector<std::string> labels = {"group", "outside", "protocol",
                                           "port",  "source",  "target"};
  c->packets_ = &registry->AddCounter(
      "ironlb_forward_packets_total",
      "Packets of connections forwarded by a router port forward, both directions.", labels);
  c->bytes_ = &registry->AddCounter(
      "ironlb_forward_bytes_total",
      "Bytes of connections forwarded by a router port forward, both directions.", labels);
  c->connections_ =
      &registry->AddCounter("ironlb_forward_connections_total",
                            "Connections forwarded by a router port forward.", labels);
  registry->AddCollector([c] { c->Collect(); });
  return c;
}

void ForwardCounters::SetApplied(const PortForwardPlan& plan) {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::vector<std::string>> labels;
  for (size_t i = 0; i < plan.forwards.size() && i < plan.info.size(); ++i) {
    const nft::PortForwardEntry& f = plan.forwards[i];
    const ForwardInfo& info = plan.info[i];
    labels.push_back({info.group, info.outside, std::string(nft::L4ProtocolName(f.protocol)),
                      absl::StrCat(f.port), info.source,
                      absl::StrCat(f.target_address.is_v6() ? "[" : "", f.target_address.ToString(),
                                   f.target_address.is_v6() ? "]:" : ":", f.target_port)});
  }
  // Forwards that went away leave /metrics.
  std::set<std::vector<std::string>> keep(labels.begin(), labels.end());
  for (auto it = seen_.begin(); it != seen_.end();) {
    if (keep.count(it->first) != 0) {
      ++it;
      continue;
    }
    for (auto* family : {packets_, bytes_, connections_}) family->Remove(it->first);
    it = seen_.erase(it);
  }
  applied_.forwards = plan.forwards;
  labels_ = std::move(labels);
}

void ForwardCounters::Collect() {
  std::lock_guard<std::mutex> lock(mu_);
  if (applied_.forwards.empty()) return;
  auto counters = reader_.ReadForwardCounters(applied_);
  if (!counters.ok()) {
    // Once per distinct failure, not at every scrape.
    if (last_error_ != counters.status().ToString()) {
      last_error_ = counters.status().ToString();
      IRONLB_LOG(kWarn, "cannot read port forward counters").With("error", counters.status());
    }
    return;
  }
  last_error_.clear();
  for (size_t i = 0; i < counters->size() && i < labels_.size(); ++i) {
    const nft::ForwardCounter& c = (*counters)[i];
    Seen& last = seen_[labels_[i]];
    Advance(packets_->WithLabels(labels_[i]), c.packets, last.packets);
    Advance(bytes_->WithLabels(labels_[i]), c.bytes, last.bytes);
    Advance(connections_->WithLabels(labels_[i]), c.connections, last.connections);
  }
}

}  // namespace ironlb::speaker

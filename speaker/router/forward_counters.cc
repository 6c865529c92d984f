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
  const std::vector<std::string> backend_labels = {"group", "outside", "protocol", "port",
                                                   "backend"};
  c->backend_packets_ = &registry->AddCounter(
      "ironlb_backend_packets_total",
      "Packets to and from a backend of a balanced forward, both directions (a backend shared "
      "by several forwards counts their traffic together).",
      backend_labels);
  c->backend_bytes_ =
      &registry->AddCounter("ironlb_backend_bytes_total",
                            "Bytes to and from a backend of a balanced forward.", backend_labels);
  c->backend_connections_ =
      &registry->AddCounter("ironlb_backend_connections_total",
                            "Connections a balanced forward sent to a backend.", backend_labels);
  registry->AddCollector([c] { c->Collect(); });
  return c;
}

void ForwardCounters::SetApplied(const PortForwardPlan& plan) {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::vector<std::string>> labels;
  std::vector<std::vector<std::vector<std::string>>> backend_labels;
  for (size_t i = 0; i < plan.forwards.size() && i < plan.info.size(); ++i) {
    const nft::PortForwardEntry& f = plan.forwards[i];
    const ForwardInfo& info = plan.info[i];
    auto& bl = backend_labels.emplace_back();
    for (const nft::Backend& b : f.backends) {
      bl.push_back({info.group, info.outside, std::string(nft::L4ProtocolName(f.protocol)),
                    absl::StrCat(f.port),
                    absl::StrCat(b.address.is_v6() ? "[" : "", b.address.ToString(),
                                 b.address.is_v6() ? "]:" : ":", b.port)});
    }
    labels.push_back({info.group, info.outside, std::string(nft::L4ProtocolName(f.protocol)),
                      absl::StrCat(f.port), info.source,
                      absl::StrCat(f.target_address.is_v6() ? "[" : "", f.target_address.ToString(),
                                   f.target_address.is_v6() ? "]:" : ":", f.target_port)});
  }
  // Forwards that went away leave /metrics.
  std::set<std::vector<std::string>> keep(labels.begin(), labels.end());
  std::set<std::vector<std::string>> keep_backends;
  for (const auto& bl : backend_labels) keep_backends.insert(bl.begin(), bl.end());
  for (auto it = seen_.begin(); it != seen_.end();) {
    // Backend label sets have 5 entries, forward ones 6.
    const bool is_backend = it->first.size() == 5;
    if (is_backend ? keep_backends.count(it->first) != 0 : keep.count(it->first) != 0) {
      ++it;
      continue;
    }
    if (is_backend) {
      for (auto* family : {backend_packets_, backend_bytes_, backend_connections_}) {
        family->Remove(it->first);
      }
    } else {
      for (auto* family : {packets_, bytes_, connections_}) family->Remove(it->first);
    }
    it = seen_.erase(it);
  }
  applied_.forwards = plan.forwards;
  labels_ = std::move(labels);
  backend_labels_ = std::move(backend_labels);
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
    for (size_t b = 0;
         i < backend_labels_.size() && b < c.backends.size() && b < backend_labels_[i].size();
         ++b) {
      const auto& bl = backend_labels_[i][b];
      Seen& lb = seen_[bl];
      Advance(backend_packets_->WithLabels(bl), c.backends[b].packets, lb.packets);
      Advance(backend_bytes_->WithLabels(bl), c.backends[b].bytes, lb.bytes);
      Advance(backend_connections_->WithLabels(bl), c.backends[b].connections, lb.connections);
    }
  }
}

}  // namespace ironlb::speaker

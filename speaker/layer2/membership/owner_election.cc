#include "speaker/layer2/membership/owner_election.h"

#include <algorithm>

#include "common/stable_hash.h"

namespace ironlb::speaker {

uint64_t RendezvousWeight(absl::string_view node, const IpAddress& vip) {
  // FNV-1a of node, a NUL, the address bytes; mixed so that close addresses give unrelated
  // weights. The common stable hash, not std::hash: every speaker must agree.
  uint64_t h = Fnv1a64(node);
  h = Fnv1a64(absl::string_view("\0", 1), h);
  const auto bytes = vip.bytes();
  return MixedHash64(
      absl::string_view(reinterpret_cast<const char*>(bytes.data()), vip.is_v4() ? 4 : 16), h);
}

std::vector<std::string> PreferenceOrder(const IpAddress& vip, std::vector<std::string> eligible) {
  std::vector<std::pair<uint64_t, std::string>> weighted;
  weighted.reserve(eligible.size());
  for (auto& n : eligible) {
    const uint64_t w = RendezvousWeight(n, vip);
    weighted.emplace_back(w, std::move(n));
  }
  std::sort(weighted.begin(), weighted.end(), [](const auto& a, const auto& b) {
    return a.first != b.first ? a.first > b.first : a.second < b.second;
  });
  std::vector<std::string> out;
  out.reserve(weighted.size());
  for (auto& [w, n] : weighted) out.push_back(std::move(n));
  return out;
}

std::optional<std::string> OwnerFor(const IpAddress& vip,
                                    const std::vector<std::string>& eligible) {
  const std::string* best = nullptr;
  uint64_t best_w = 0;
  for (const std::string& n : eligible) {
    const uint64_t w = RendezvousWeight(n, vip);
    if (best == nullptr || w > best_w || (w == best_w && n < *best)) {
      best = &n;
      best_w = w;
    }
  }
  if (best == nullptr) return std::nullopt;
  return *best;
}

}  // namespace ironlb::speaker

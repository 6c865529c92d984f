#include "speaker/layer2/owner_election.h"

#include <algorithm>

namespace ironlb::speaker {
namespace {

// FNV-1a over the bytes, then a SplitMix64 finaliser so that close inputs (10.0.0.1 and
// 10.0.0.2) give unrelated weights. Fixed here, not std::hash, so all speakers agree.
uint64_t Mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

uint64_t Fnv1a(uint64_t h, const uint8_t* data, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    h ^= data[i];
    h *= 0x100000001b3ULL;
  }
  return h;
}

}  // namespace

uint64_t RendezvousWeight(absl::string_view node, const IpAddress& vip) {
  uint64_t h = 0xcbf29ce484222325ULL;
  h = Fnv1a(h, reinterpret_cast<const uint8_t*>(node.data()), node.size());
  const uint8_t sep = 0;
  h = Fnv1a(h, &sep, 1);
  const auto bytes = vip.bytes();
  h = Fnv1a(h, bytes.data(), vip.is_v4() ? 4 : 16);
  return Mix(h);
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

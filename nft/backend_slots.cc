#include "nft/backend_slots.h"

#include <cmath>
#include <cstring>
#include <string>

namespace ironlb::nft {
namespace {

// FNV-1a over the bytes, finished with SplitMix64: stable across versions and machines.
// TODO(coordinator): one stable hash in common/ once it exists.
uint64_t Hash(const std::string& bytes) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 1099511628211ull;
  }
  h += 0x9e3779b97f4a7c15ull;
  h = (h ^ (h >> 30)) * 0xbf58476d1ce4e5b9ull;
  h = (h ^ (h >> 27)) * 0x94d049bb133111ebull;
  return h ^ (h >> 31);
}

std::string BackendBytes(const Backend& b) {
  std::string s = b.address.ToString();
  s.push_back('/');
  s += std::to_string(b.port);
  return s;
}

}  // namespace

std::vector<int> BackendSlotTable(const std::vector<Backend>& backends) {
  std::vector<int> table(kBackendSlots, -1);
  std::vector<std::string> ids;
  ids.reserve(backends.size());
  for (const Backend& b : backends) ids.push_back(BackendBytes(b) + "#");
  for (uint32_t slot = 0; slot < kBackendSlots; ++slot) {
    double best = 0;
    int best_index = -1;
    for (size_t i = 0; i < backends.size(); ++i) {
      if (!backends[i].active || backends[i].weight == 0) continue;
      uint32_t be = slot;
      std::string key = ids[i];
      key.append(reinterpret_cast<const char*>(&be), sizeof(be));
      // Weighted rendezvous (highest random weight): score = -w / ln(u), u uniform in (0,1).
      const double u = (static_cast<double>(Hash(key) >> 11) + 0.5) / 9007199254740992.0;
      const double score = -static_cast<double>(backends[i].weight) / std::log(u);
      if (best_index < 0 || score > best) {
        best = score;
        best_index = static_cast<int>(i);
      }
    }
    table[slot] = best_index;
  }
  return table;
}

}  // namespace ironlb::nft

#include "nft/backend_slots.h"

#include <cmath>
#include <string>

#include "common/stable_hash.h"

namespace ironlb::nft {
namespace {

// The first version hashed with its own FNV-1a copy whose offset basis lost a digit
// (1469598103934665603, not FNV's 14695981039346656037); kept, so that slot tables do not change
// across versions (test/nft/backend_slots_test.cc pins them).
constexpr uint64_t kSlotHashBasis = 1469598103934665603ull;

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
      std::string key = ids[i];
      for (int byte = 0; byte < 4; ++byte) {  // little-endian, whatever the machine's order
        key.push_back(static_cast<char>((slot >> (8 * byte)) & 0xff));
      }
      // Weighted rendezvous (highest random weight): score = -w / ln(u), u uniform in (0,1).
      const double u =
          (static_cast<double>(MixedHash64(key, kSlotHashBasis) >> 11) + 0.5) / 9007199254740992.0;
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

// The one stable hash of ironlb: FNV-1a (32 and 64 bits) and the SplitMix64 finaliser. Its values
// are stored outside the process (FRR route tags and prefix-list sequence numbers, Kubernetes
// object names and labels) and compared between hosts (the layer-2 owner, standalone addresses),
// so they must never change: golden values in test/common/stable_hash_test.cc pin them.
#pragma once

#include <cstddef>
#include <cstdint>

#include "absl/strings/string_view.h"

namespace ironlb {

inline constexpr uint32_t kFnv32OffsetBasis = 2166136261u;
inline constexpr uint32_t kFnv32Prime = 16777619u;
inline constexpr uint64_t kFnv64OffsetBasis = 14695981039346656037ull;
inline constexpr uint64_t kFnv64Prime = 1099511628211ull;

// FNV-1a of `bytes`, continuing from `h` (start from the offset basis).
constexpr uint32_t Fnv1a32(absl::string_view bytes, uint32_t h = kFnv32OffsetBasis) {
  for (char c : bytes) h = (h ^ static_cast<uint8_t>(c)) * kFnv32Prime;
  return h;
}
constexpr uint64_t Fnv1a64(absl::string_view bytes, uint64_t h = kFnv64OffsetBasis) {
  for (char c : bytes) h = (h ^ static_cast<uint8_t>(c)) * kFnv64Prime;
  return h;
}

// SplitMix64's finaliser: close inputs (10.0.0.1, 10.0.0.2) give unrelated outputs.
constexpr uint64_t SplitMix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

// FNV-1a 64 finished with SplitMix64: for weights and positions that must spread well.
constexpr uint64_t MixedHash64(absl::string_view bytes, uint64_t h = kFnv64OffsetBasis) {
  return SplitMix64(Fnv1a64(bytes, h));
}

}  // namespace ironlb

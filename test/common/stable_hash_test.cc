// The stable hash is stored outside the process (FRR tags and sequence numbers, Kubernetes names
// and labels) and compared between hosts: its values are pinned here, with FNV-1a's published
// test vectors and the values the five former copies gave.
#include "common/stable_hash.h"

#include "gtest/gtest.h"

namespace ironlb {
namespace {

TEST(StableHashTest, Fnv1aPublishedVectors) {
  EXPECT_EQ(Fnv1a32(""), 0x811c9dc5u);
  EXPECT_EQ(Fnv1a32("a"), 0xe40c292cu);
  EXPECT_EQ(Fnv1a32("foobar"), 0xbf9cf968u);
  EXPECT_EQ(Fnv1a64(""), 0xcbf29ce484222325ull);
  EXPECT_EQ(Fnv1a64("a"), 0xaf63dc4c8601ec8cull);
  EXPECT_EQ(Fnv1a64("foobar"), 0x85944171f73967e8ull);
}

TEST(StableHashTest, ContinuingIsHashingTheConcatenation) {
  EXPECT_EQ(Fnv1a64("bar", Fnv1a64("foo")), Fnv1a64("foobar"));
  EXPECT_EQ(Fnv1a32("bar", Fnv1a32("foo")), Fnv1a32("foobar"));
}

TEST(StableHashTest, MixedValuesArePinned) {
  // The standalone address seed of "shop/web" (controller/placement), as it always was.
  EXPECT_EQ(MixedHash64("shop/web"), 14512525941515274677ull);
  EXPECT_EQ(MixedHash64(""), 14087677454934409008ull);
  EXPECT_EQ(SplitMix64(0), 0xe220a8397b1dcdafull);
  // A bgp/pool_filter sequence number source.
  EXPECT_EQ(Fnv1a32("10.0.0.0/8"), 417543253u);
}

}  // namespace
}  // namespace ironlb

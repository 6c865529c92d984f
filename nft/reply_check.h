// Strict shape check of a kernel reply before libnftnl parses it. libnftnl 1.2 trusts the
// kernel: an attribute of the wrong size makes it call exit(), a missing expression name is
// dereferenced, an unterminated string is read past its end (all found by fuzzing). ironlb
// treats replies as outside input, so every attribute libnftnl would read is checked first:
// sizes of integers, terminated strings, well-formed nests, known expression types.
// Limits: fuzzing (test/fuzz/nft_reply_fuzz) still found inputs passing this check on which
// libnftnl 1.2.4's expression parsers exit() and its element parser corrupts memory; the
// replies come only from the kernel (netlink port 0), so those stay trusted to that extent.
#pragma once

#include <cstdint>

struct nlmsghdr;

namespace ironlb::nft {

enum class ReplyKind { kTable, kChain, kSet, kRule, kElements, kGeneration };

// True when libnftnl can parse `nlh` (already length-checked against its buffer) safely.
bool WellFormedReply(const nlmsghdr* nlh, ReplyKind kind);

}  // namespace ironlb::nft

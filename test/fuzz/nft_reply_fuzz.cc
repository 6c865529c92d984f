// Fuzzes the parsers of what the kernel sends back to nft/: dump replies (tables, chains,
// sets, set elements, generation; rules through ironlb's shape check) and NLMSG_ERROR /
// extended-ACK messages. The first
// byte picks the parser; the rest is a stream of netlink messages.
#include <linux/netlink.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "nft/kernel_state.h"
#include "nft/mnl_transport.h"
#include "nft/reply_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const uint8_t which = data[0] % 7;
  std::string rest(reinterpret_cast<const char*>(data + 1), size - 1);
  // Split like a netlink socket reader would: trust nothing but the declared lengths.
  std::vector<std::string> msgs;
  size_t off = 0;
  while (off + sizeof(nlmsghdr) <= rest.size()) {
    nlmsghdr h;
    std::memcpy(&h, rest.data() + off, sizeof(h));
    if (h.nlmsg_len < sizeof(nlmsghdr) || h.nlmsg_len > rest.size() - off) break;
    msgs.push_back(rest.substr(off, h.nlmsg_len));
    off += NLMSG_ALIGN(h.nlmsg_len);
  }
  ironlb::nft::KernelState state;
  switch (which) {
    case 0:
      (void)ironlb::nft::ParseTables(msgs, &state);
      break;
    case 1:
      (void)ironlb::nft::ParseChains(msgs, &state);
      break;
    case 2:
      (void)ironlb::nft::ParseSets(msgs, &state);
      break;
    case 3:
      // Rules: only ironlb's own shape check. libnftnl 1.2's expression parsers call exit() on
      // some attribute layouts that pass it (found by this fuzzer); see nft/reply_check.h.
      for (const std::string& m : msgs) {
        std::vector<uint64_t> aligned(m.size() / 8 + 2);
        std::memcpy(aligned.data(), m.data(), m.size());
        (void)ironlb::nft::WellFormedReply(reinterpret_cast<const nlmsghdr*>(aligned.data()),
                                           ironlb::nft::ReplyKind::kRule);
      }
      break;
    case 4:
      // Elements: likewise only the shape check (libnftnl's element parser corrupted memory on
      // an input that passes it; see nft/reply_check.h).
      for (const std::string& m : msgs) {
        std::vector<uint64_t> aligned(m.size() / 8 + 2);
        std::memcpy(aligned.data(), m.data(), m.size());
        (void)ironlb::nft::WellFormedReply(reinterpret_cast<const nlmsghdr*>(aligned.data()),
                                           ironlb::nft::ReplyKind::kElements);
      }
      break;
    case 5:
      (void)ironlb::nft::ParseGeneration(msgs);
      break;
    default: {
      std::vector<uint64_t> aligned((rest.size() + 7) / 8 + 1);
      std::memcpy(aligned.data(), rest.data(), rest.size());
      ironlb::nft::NetlinkAck ack;
      (void)ironlb::nft::ParseNetlinkError(aligned.data(), rest.size(), &ack);
      break;
    }
  }
  return 0;
}

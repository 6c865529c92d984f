// The only door between ironlb's nftables code and the kernel: dump requests and whole
// batches go through here as bytes. MnlTransport is the real one; tests use a fake.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace ironlb::nft {

// One NLMSG_ERROR the kernel sent for a batch message: an ACK when `error` is 0.
struct NetlinkAck {
  uint32_t seq = 0;
  int error = 0;             // positive errno
  std::string ext_ack_text;  // NLMSGERR_ATTR_MSG, when the kernel explained
};

class NetlinkTransport {
 public:
  virtual ~NetlinkTransport() = default;

  // Sends one NLM_F_DUMP request and returns every message of the reply up to NLMSG_DONE
  // (each as its own bytes). A kernel error ends the dump with that errno as the status.
  virtual absl::StatusOr<std::vector<std::string>> Dump(const std::string& request) = 0;

  // Sends a whole batch (BEGIN..END) in one sendmsg and returns every ACK and error the
  // kernel sent back for it, in arrival order.
  virtual absl::StatusOr<std::vector<NetlinkAck>> SendBatch(const std::string& batch) = 0;
};

}  // namespace ironlb::nft

// NetlinkTransport on a libmnl NETLINK_NETFILTER socket, set up the way nftables' src/mnl.c
// does: extended ACKs on, capped ACKs (no echo of big requests), send/receive buffers grown
// for large batches, and every reply read back rather than stopping at the first ACK.
#pragma once

#include <memory>

#include "nft/netlink_transport.h"

struct mnl_socket;

namespace ironlb::nft {

class MnlTransport : public NetlinkTransport {
 public:
  // Fails with a clear message when the kernel has no nf_tables.
  static absl::StatusOr<std::unique_ptr<MnlTransport>> Create();
  ~MnlTransport() override;

  absl::StatusOr<std::vector<std::string>> Dump(const std::string& request) override;
  absl::StatusOr<std::vector<NetlinkAck>> SendBatch(const std::string& batch) override;

 private:
  explicit MnlTransport(mnl_socket* socket) : socket_(socket) {}
  absl::Status EnsureSendBuffer(size_t bytes);

  mnl_socket* socket_;
  size_t send_buffer_ = 0;
};

// Decodes an NLMSG_ERROR payload (with or without NLM_F_CAPPED, with extended-ACK attributes).
// Returns false when the message is too short to be one. Exposed for the fuzz target.
bool ParseNetlinkError(const void* msg, size_t len, NetlinkAck* out);

}  // namespace ironlb::nft

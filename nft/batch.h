// One nftables transaction: an nftnl_batch framed by BEGIN/END, every message with its own
// sequence number and NLM_F_ACK, and a record of which operation each sequence number is, so
// that every ACK or error the kernel returns can be named ("add set ironlb/fwd4").
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "nft/netlink_transport.h"
#include "nft/ruleset_spec.h"

struct nftnl_batch;

namespace ironlb::nft {

class Batch {
 public:
  // Sequence numbers start at `first_seq` (BEGIN) and grow by one per message.
  explicit Batch(uint32_t first_seq);
  ~Batch();
  Batch(const Batch&) = delete;
  Batch& operator=(const Batch&) = delete;

  void AddTable();
  void DeleteTable();
  void AddChain(const ChainSpec& chain);
  void AddSet(const SetSpec& set);  // definition only
  void AddRule(const RuleSpec& rule);
  // Elements go in messages of at most kElementsPerMessage each.
  void AddElements(const SetSpec& set, const std::vector<const std::string*>& keys);
  void AddElements(const std::string& set,
                   const std::vector<std::pair<std::string, std::string>>& elements);
  void DeleteElements(const std::string& set, const std::vector<std::string>& keys);

  // Number of operations between BEGIN and END.
  size_t operation_count() const { return operations_.size(); }
  // Closes the batch (END) and returns its bytes; call once.
  std::string Finish();

  uint32_t begin_seq() const { return begin_seq_; }
  uint32_t end_seq() const { return seq_ - 1; }
  // "add set ironlb/fwd4", or "batch begin"/"batch end"; empty for unknown numbers.
  std::string OperationFor(uint32_t seq) const;
  std::vector<uint32_t> OperationSequences() const;

  static constexpr size_t kElementsPerMessage = 512;

 private:
  void* NextMessageBuffer();
  void Commit(std::string description);
  uint32_t SetIdFor(const std::string& set) const;

  nftnl_batch* batch_;
  uint32_t begin_seq_;
  uint32_t seq_;
  uint32_t next_set_id_ = 1;
  std::map<std::string, uint32_t> set_ids_;  // sets created in this batch
  std::map<uint32_t, std::string> operations_;
  bool finished_ = false;
};

// Finishes `batch`, sends it, and reads every ACK/error back, naming the failed operations.
// The kernel applies all of it or nothing.
absl::Status CommitBatch(NetlinkTransport& transport, Batch& batch);

}  // namespace ironlb::nft

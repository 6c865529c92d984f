#include "nft/batch.h"

#include <libmnl/libmnl.h>
#include <libnftnl/batch.h>
#include <libnftnl/chain.h>
#include <libnftnl/common.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <sys/uio.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/errno_status.h"
#include "common/status_macros.h"
#include "nft/nftnl_objects.h"

namespace ironlb::nft {
namespace {

// Pages as large as nft's (32 system pages); a message may overrun a page by up to this much.
constexpr uint32_t kPageSize = 32 * 4096;
constexpr uint32_t kOverrun = 512 * 1024;

std::string Object(const std::string& name) { return absl::StrCat(kTableName, "/", name); }

}  // namespace

Batch::Batch(uint32_t first_seq)
    : batch_(nftnl_batch_alloc(kPageSize, kOverrun)), begin_seq_(first_seq), seq_(first_seq) {
  if (batch_ == nullptr) __builtin_trap();  // out of memory
  nftnl_batch_begin(static_cast<char*>(nftnl_batch_buffer(batch_)), seq_++);
  nftnl_batch_update(batch_);
}

Batch::~Batch() { nftnl_batch_free(batch_); }

void* Batch::NextMessageBuffer() { return nftnl_batch_buffer(batch_); }

void Batch::Commit(std::string description) {
  operations_[seq_++] = std::move(description);
  nftnl_batch_update(batch_);
}

uint32_t Batch::SetIdFor(const std::string& set) const {
  auto it = set_ids_.find(set);
  return it == set_ids_.end() ? 0 : it->second;
}

void Batch::AddTable() {
  TablePtr t = MakeTable();
  nlmsghdr* nlh =
      nftnl_table_nlmsg_build_hdr(static_cast<char*>(NextMessageBuffer()), NFT_MSG_NEWTABLE,
                                  NFPROTO_INET, NLM_F_CREATE | NLM_F_ACK, seq_);
  nftnl_table_nlmsg_build_payload(nlh, t.get());
  Commit(absl::StrCat("add table inet ", kTableName));
}

void Batch::DeleteTable() {
  TablePtr t = MakeTable();
  nlmsghdr* nlh = nftnl_table_nlmsg_build_hdr(static_cast<char*>(NextMessageBuffer()),
                                              NFT_MSG_DELTABLE, NFPROTO_INET, NLM_F_ACK, seq_);
  nftnl_table_nlmsg_build_payload(nlh, t.get());
  Commit(absl::StrCat("delete table inet ", kTableName));
}

void Batch::AddChain(const ChainSpec& chain) {
  ChainPtr c = MakeChain(chain);
  nlmsghdr* nlh =
      nftnl_chain_nlmsg_build_hdr(static_cast<char*>(NextMessageBuffer()), NFT_MSG_NEWCHAIN,
                                  NFPROTO_INET, NLM_F_CREATE | NLM_F_ACK, seq_);
  nftnl_chain_nlmsg_build_payload(nlh, c.get());
  Commit(absl::StrCat("add chain ", Object(chain.name)));
}

void Batch::AddSet(const SetSpec& set) {
  const uint32_t id = next_set_id_++;
  set_ids_[set.name] = id;
  SetPtr s = MakeSet(set, id);
  nlmsghdr* nlh =
      nftnl_set_nlmsg_build_hdr(static_cast<char*>(NextMessageBuffer()), NFT_MSG_NEWSET,
                                NFPROTO_INET, NLM_F_CREATE | NLM_F_EXCL | NLM_F_ACK, seq_);
  nftnl_set_nlmsg_build_payload(nlh, s.get());
  Commit(absl::StrCat("add ", set.is_map() ? "map " : "set ", Object(set.name)));
}

void Batch::AddRule(const RuleSpec& rule) {
  RulePtr r = MakeRule(rule);
  nlmsghdr* nlh =
      nftnl_rule_nlmsg_build_hdr(static_cast<char*>(NextMessageBuffer()), NFT_MSG_NEWRULE,
                                 NFPROTO_INET, NLM_F_CREATE | NLM_F_APPEND | NLM_F_ACK, seq_);
  nftnl_rule_nlmsg_build_payload(nlh, r.get());
  Commit(absl::StrCat("add rule to chain ", Object(rule.chain)));
}

void Batch::AddElements(const SetSpec& set, const std::vector<const std::string*>& keys) {
  for (size_t start = 0; start < keys.size(); start += kElementsPerMessage) {
    const size_t end = std::min(keys.size(), start + kElementsPerMessage);
    SetPtr s = MakeSetRef(set.name, SetIdFor(set.name));
    for (size_t i = start; i < end; ++i) {
      AddElement(s.get(), *keys[i], set.elements.at(*keys[i]));
    }
    nlmsghdr* nlh =
        nftnl_nlmsg_build_hdr(static_cast<char*>(NextMessageBuffer()), NFT_MSG_NEWSETELEM,
                              NFPROTO_INET, NLM_F_CREATE | NLM_F_EXCL | NLM_F_ACK, seq_);
    nftnl_set_elems_nlmsg_build_payload(nlh, s.get());
    Commit(absl::StrCat("add ", end - start, " element(s) to ", Object(set.name)));
  }
}

void Batch::AddElements(const std::string& set,
                        const std::vector<std::pair<std::string, std::string>>& elements) {
  for (size_t start = 0; start < elements.size(); start += kElementsPerMessage) {
    const size_t end = std::min(elements.size(), start + kElementsPerMessage);
    SetPtr s = MakeSetRef(set, SetIdFor(set));
    for (size_t i = start; i < end; ++i) AddElement(s.get(), elements[i].first, elements[i].second);
    nlmsghdr* nlh =
        nftnl_nlmsg_build_hdr(static_cast<char*>(NextMessageBuffer()), NFT_MSG_NEWSETELEM,
                              NFPROTO_INET, NLM_F_CREATE | NLM_F_EXCL | NLM_F_ACK, seq_);
    nftnl_set_elems_nlmsg_build_payload(nlh, s.get());
    Commit(absl::StrCat("add ", end - start, " element(s) to ", Object(set)));
  }
}

void Batch::DeleteElements(const std::string& set, const std::vector<std::string>& keys) {
  for (size_t start = 0; start < keys.size(); start += kElementsPerMessage) {
    const size_t end = std::min(keys.size(), start + kElementsPerMessage);
    SetPtr s = MakeSetRef(set, 0);
    for (size_t i = start; i < end; ++i) AddElement(s.get(), keys[i], "");
    nlmsghdr* nlh = nftnl_nlmsg_build_hdr(static_cast<char*>(NextMessageBuffer()),
                                          NFT_MSG_DELSETELEM, NFPROTO_INET, NLM_F_ACK, seq_);
    nftnl_set_elems_nlmsg_build_payload(nlh, s.get());
    Commit(absl::StrCat("delete ", end - start, " element(s) from ", Object(set)));
  }
}

std::string Batch::Finish() {
  if (!finished_) {
    nftnl_batch_end(static_cast<char*>(nftnl_batch_buffer(batch_)), seq_++);
    nftnl_batch_update(batch_);
    finished_ = true;
  }
  const int n = nftnl_batch_iovec_len(batch_);
  std::vector<iovec> iov(static_cast<size_t>(n));
  nftnl_batch_iovec(batch_, iov.data(), static_cast<uint32_t>(n));
  std::string out;
  for (const iovec& v : iov) out.append(static_cast<const char*>(v.iov_base), v.iov_len);
  return out;
}

std::string Batch::OperationFor(uint32_t seq) const {
  if (seq == begin_seq_) return "batch begin";
  if (finished_ && seq == seq_ - 1) return "batch end";
  auto it = operations_.find(seq);
  return it == operations_.end() ? "" : it->second;
}

std::vector<uint32_t> Batch::OperationSequences() const {
  std::vector<uint32_t> out;
  for (const auto& [seq, unused] : operations_) out.push_back(seq);
  return out;
}

namespace {

// Errors that mean the running kernel lacks an nftables feature ironlb relies on.
bool LooksLikeMissingFeature(int err) {
  return err == EOPNOTSUPP || err == EAFNOSUPPORT || err == EPROTONOSUPPORT;
}

}  // namespace

absl::Status CommitBatch(NetlinkTransport& transport, Batch& batch) {
  const std::string bytes = batch.Finish();
  IRONLB_ASSIGN_OR_RETURN(std::vector<NetlinkAck> acks, transport.SendBatch(bytes));
  std::vector<uint32_t> expected = batch.OperationSequences();
  std::vector<std::string> errors;
  int first_errno = 0;
  size_t acked = 0;
  for (const NetlinkAck& ack : acks) {
    if (ack.seq < batch.begin_seq() || ack.seq > batch.end_seq()) continue;  // not ours
    if (ack.error == 0) {
      ++acked;
      continue;
    }
    std::string op = batch.OperationFor(ack.seq);
    if (op.empty()) op = absl::StrCat("message ", ack.seq);
    absl::Status s = ErrnoToStatus(ack.error, absl::StrCat("nft: ", op));
    std::string text(s.message());
    if (!ack.ext_ack_text.empty()) absl::StrAppend(&text, " (kernel: ", ack.ext_ack_text, ")");
    if (LooksLikeMissingFeature(ack.error)) {
      absl::StrAppend(&text,
                      "; the running kernel lacks an nftables feature ironlb needs (inet nat "
                      "chains, tcp option mangling, rt mtu, set element counters)");
    }
    if (first_errno == 0) first_errno = ack.error;
    errors.push_back(std::move(text));
  }
  if (!errors.empty()) {
    // The kernel aborts the whole transaction on any error: nothing was changed.
    absl::Status first = ErrnoToStatus(first_errno, "nft");
    return absl::Status(first.code(), absl::StrCat("nft: batch rejected, nothing changed: ",
                                                   absl::StrJoin(errors, "; ")));
  }
  if (acked < expected.size()) {
    return absl::UnavailableError(absl::StrCat("nft: batch: only ", acked, " of ", expected.size(),
                                               " operations acknowledged by the kernel"));
  }
  return absl::OkStatus();
}

}  // namespace ironlb::nft

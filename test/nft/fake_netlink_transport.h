// An in-memory nf_tables for unit tests: applies batches atomically (decoding every message
// with libnftnl), answers dumps by re-encoding what it holds, and keeps a generation id. The
// netns tests check the same reconciler scenarios against the real kernel.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "nft/netlink_transport.h"

struct nlmsghdr;

namespace ironlb::nft::testing {

// libnftnl numbers the element nests of a NEWSETELEM/DELSETELEM request 1, 2, 3... (the kernel
// ignores nest types) but its own parser only accepts NFTA_LIST_ELEM for each: rewrite them so
// that nftnl_set_elems_nlmsg_parse can decode requests with more than one element.
void NormaliseElementNests(std::string& msg);

class FakeNetlinkTransport : public NetlinkTransport {
 public:
  absl::StatusOr<std::vector<std::string>> Dump(const std::string& request) override;
  absl::StatusOr<std::vector<NetlinkAck>> SendBatch(const std::string& batch) override;

  // Test controls.
  void FailNextBatch(int err) { fail_next_batch_ = err; }  // error on the first operation
  void DeleteTableBehindOurBack();                         // tampering by someone else
  void DeleteElementBehindOurBack(const std::string& set);
  int batches() const { return batches_; }
  int dumps() const { return dumps_; }
  bool table_exists() const { return state_.table; }
  size_t element_count(const std::string& set) const;
  // Every set's elements (key -> data), for comparing two fakes.
  std::map<std::string, std::map<std::string, std::string>> AllElements() const;
  // nlmsg types of the operations (between BEGIN and END) of the last batch.
  const std::vector<uint16_t>& last_batch_types() const { return last_batch_types_; }

 private:
  struct Set {
    std::string definition;  // the NEWSET message as received
    std::map<std::string, std::string> elements;
  };
  struct State {
    bool table = false;
    std::vector<std::pair<std::string, std::string>> chains;  // name, NEWCHAIN message
    std::map<std::string, Set> sets;
    std::vector<std::string> rules;  // NEWRULE messages in order
  };
  // Applies one batch message to `s`; returns 0 or a positive errno.
  int Apply(State& s, const ::nlmsghdr* nlh);

  State state_;
  uint32_t generation_ = 1;
  std::optional<int> fail_next_batch_;
  int batches_ = 0;
  int dumps_ = 0;
  std::vector<uint16_t> last_batch_types_;
};

}  // namespace ironlb::nft::testing

// Conversions between ironlb's ruleset specs and libnftnl objects, and canonical text of rules
// so that what was built and what the kernel reports can be compared.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "nft/ruleset_spec.h"

struct nftnl_table;
struct nftnl_chain;
struct nftnl_rule;
struct nftnl_set;
struct nftnl_set_elem;

namespace ironlb::nft {

struct NftnlDeleter {
  void operator()(nftnl_table* p) const;
  void operator()(nftnl_chain* p) const;
  void operator()(nftnl_rule* p) const;
  void operator()(nftnl_set* p) const;
};
using TablePtr = std::unique_ptr<nftnl_table, NftnlDeleter>;
using ChainPtr = std::unique_ptr<nftnl_chain, NftnlDeleter>;
using RulePtr = std::unique_ptr<nftnl_rule, NftnlDeleter>;
using SetPtr = std::unique_ptr<nftnl_set, NftnlDeleter>;

TablePtr MakeTable();
ChainPtr MakeChain(const ChainSpec& spec);
RulePtr MakeRule(const RuleSpec& spec);
// `set_id` lets rules and elements in the same batch refer to a set not yet committed.
SetPtr MakeSet(const SetSpec& spec, uint32_t set_id);
// A set object carrying only the name, to attach elements to.
SetPtr MakeSetRef(const std::string& name, uint32_t set_id);
void AddElement(nftnl_set* set, const std::string& key, const std::string& data);

// libnftnl's text of each expression of `rule` ("ct load dst_ip => reg 1 , dir original").
std::vector<std::string> CanonicalExpressions(const nftnl_rule* rule);
// The canonical text of `spec` after a trip through its netlink encoding, i.e. as the kernel
// would report it.
std::vector<std::string> CanonicalExpressions(const RuleSpec& spec);

// Reads a set's definition (no elements) from a parsed libnftnl set.
SetSpec SetSpecFrom(const nftnl_set* set);
ChainSpec ChainSpecFrom(const nftnl_chain* chain);

}  // namespace ironlb::nft

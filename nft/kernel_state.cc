#include "nft/kernel_state.h"

#include <libmnl/libmnl.h>
#include <libnftnl/chain.h>
#include <libnftnl/common.h>
#include <libnftnl/expr.h>
#include <libnftnl/gen.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>

#include <cstring>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "nft/nftnl_objects.h"
#include "nft/reply_check.h"

namespace ironlb::nft {
namespace {

// Copies a reply into aligned storage before libnftnl/libmnl walk it, and checks the header.
// libnftnl copies string attributes with strdup without checking they are NUL-terminated
// inside the attribute (found by fuzzing): the zeroed word after the message keeps a malformed
// string from running past our buffer; such a name is then garbage and simply not ours.
absl::StatusOr<std::vector<uint64_t>> AlignedMessage(const std::string& msg, const char* what,
                                                     ReplyKind kind) {
  if (msg.size() < sizeof(nlmsghdr)) {
    return absl::InvalidArgumentError(absl::StrCat("nft: short ", what, " message"));
  }
  std::vector<uint64_t> buf((msg.size() + 7) / 8 + 1);
  std::memcpy(buf.data(), msg.data(), msg.size());
  const auto* nlh = reinterpret_cast<const nlmsghdr*>(buf.data());
  if (nlh->nlmsg_len != msg.size() || nlh->nlmsg_len < NLMSG_HDRLEN + sizeof(nfgenmsg)) {
    return absl::InvalidArgumentError(absl::StrCat("nft: malformed ", what, " message"));
  }
  if (!WellFormedReply(nlh, kind)) {
    return absl::InvalidArgumentError(
        absl::StrCat("nft: malformed ", what, " message from the kernel (attribute shapes)"));
  }
  return buf;
}

bool IsOurs(const char* table) { return table != nullptr && std::strcmp(table, kTableName) == 0; }

std::string DumpRequest(uint16_t type, uint32_t seq, const std::string& set_name = "") {
  std::vector<char> buf(MNL_SOCKET_BUFFER_SIZE);
  nlmsghdr* nlh = nftnl_nlmsg_build_hdr(buf.data(), type, NFPROTO_INET, NLM_F_DUMP, seq);
  if (type == NFT_MSG_GETCHAIN) {
    ChainPtr c(nftnl_chain_alloc());
    nftnl_chain_set_str(c.get(), NFTNL_CHAIN_TABLE, kTableName);
    nftnl_chain_nlmsg_build_payload(nlh, c.get());
  } else if (type == NFT_MSG_GETRULE) {
    RulePtr r(nftnl_rule_alloc());
    nftnl_rule_set_str(r.get(), NFTNL_RULE_TABLE, kTableName);
    nftnl_rule_nlmsg_build_payload(nlh, r.get());
  } else if (type == NFT_MSG_GETSET) {
    SetPtr s(nftnl_set_alloc());
    nftnl_set_set_str(s.get(), NFTNL_SET_TABLE, kTableName);
    nftnl_set_nlmsg_build_payload(nlh, s.get());
  } else if (type == NFT_MSG_GETSETELEM) {
    SetPtr s = MakeSetRef(set_name, 0);
    nftnl_set_elems_nlmsg_build_payload(nlh, s.get());
  }
  return std::string(reinterpret_cast<const char*>(nlh), nlh->nlmsg_len);
}

}  // namespace

const SetSpec* KernelState::FindSet(absl::string_view name) const {
  for (const SetSpec& s : sets) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

absl::Status ParseTables(const std::vector<std::string>& msgs, KernelState* state) {
  for (const std::string& msg : msgs) {
    IRONLB_ASSIGN_OR_RETURN(auto buf, AlignedMessage(msg, "table", ReplyKind::kTable));
    TablePtr t(nftnl_table_alloc());
    if (nftnl_table_nlmsg_parse(reinterpret_cast<const nlmsghdr*>(buf.data()), t.get()) < 0) {
      return absl::InvalidArgumentError("nft: unparseable table message");
    }
    if (nftnl_table_is_set(t.get(), NFTNL_TABLE_NAME) &&
        IsOurs(nftnl_table_get_str(t.get(), NFTNL_TABLE_NAME))) {
      state->table_exists = true;
    }
  }
  return absl::OkStatus();
}

absl::Status ParseChains(const std::vector<std::string>& msgs, KernelState* state) {
  for (const std::string& msg : msgs) {
    IRONLB_ASSIGN_OR_RETURN(auto buf, AlignedMessage(msg, "chain", ReplyKind::kChain));
    ChainPtr c(nftnl_chain_alloc());
    if (nftnl_chain_nlmsg_parse(reinterpret_cast<const nlmsghdr*>(buf.data()), c.get()) < 0) {
      return absl::InvalidArgumentError("nft: unparseable chain message");
    }
    if (!nftnl_chain_is_set(c.get(), NFTNL_CHAIN_TABLE) ||
        !IsOurs(nftnl_chain_get_str(c.get(), NFTNL_CHAIN_TABLE))) {
      continue;
    }
    state->chains.push_back(ChainSpecFrom(c.get()));
  }
  return absl::OkStatus();
}

absl::Status ParseSets(const std::vector<std::string>& msgs, KernelState* state) {
  for (const std::string& msg : msgs) {
    IRONLB_ASSIGN_OR_RETURN(auto buf, AlignedMessage(msg, "set", ReplyKind::kSet));
    SetPtr s(nftnl_set_alloc());
    if (nftnl_set_nlmsg_parse(reinterpret_cast<const nlmsghdr*>(buf.data()), s.get()) < 0) {
      return absl::InvalidArgumentError("nft: unparseable set message");
    }
    if (!nftnl_set_is_set(s.get(), NFTNL_SET_TABLE) ||
        !IsOurs(nftnl_set_get_str(s.get(), NFTNL_SET_TABLE))) {
      continue;
    }
    state->sets.push_back(SetSpecFrom(s.get()));
  }
  return absl::OkStatus();
}

absl::Status ParseRules(const std::vector<std::string>& msgs, KernelState* state) {
  for (const std::string& msg : msgs) {
    auto buf = AlignedMessage(msg, "rule", ReplyKind::kRule);
    if (!buf.ok()) {
      // The dump is filtered to our table, so this is a rule someone put there with an
      // expression ironlb does not use (or garbage): record it so the structure comparison
      // fails and the table is rebuilt without it.
      state->rules["(foreign)"].push_back({std::string(buf.status().message())});
      continue;
    }
    RulePtr r(nftnl_rule_alloc());
    if (nftnl_rule_nlmsg_parse(reinterpret_cast<const nlmsghdr*>(buf->data()), r.get()) < 0) {
      return absl::InvalidArgumentError("nft: unparseable rule message");
    }
    if (!nftnl_rule_is_set(r.get(), NFTNL_RULE_TABLE) ||
        !IsOurs(nftnl_rule_get_str(r.get(), NFTNL_RULE_TABLE)) ||
        !nftnl_rule_is_set(r.get(), NFTNL_RULE_CHAIN)) {
      continue;
    }
    state->rules[nftnl_rule_get_str(r.get(), NFTNL_RULE_CHAIN)].push_back(
        CanonicalExpressions(r.get()));
  }
  return absl::OkStatus();
}

absl::Status ParseElements(const std::vector<std::string>& msgs, SetSpec* set,
                           std::map<std::string, ElementCounter>* counters) {
  for (const std::string& msg : msgs) {
    IRONLB_ASSIGN_OR_RETURN(auto buf, AlignedMessage(msg, "set element", ReplyKind::kElements));
    SetPtr s(nftnl_set_alloc());
    if (nftnl_set_elems_nlmsg_parse(reinterpret_cast<const nlmsghdr*>(buf.data()), s.get()) < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("nft: unparseable element message for set ", set->name));
    }
    nftnl_set_elems_iter* it = nftnl_set_elems_iter_create(s.get());
    if (it == nullptr) continue;
    for (nftnl_set_elem* e = nftnl_set_elems_iter_next(it); e != nullptr;
         e = nftnl_set_elems_iter_next(it)) {
      uint32_t klen = 0, dlen = 0;
      const void* key = nftnl_set_elem_get(e, NFTNL_SET_ELEM_KEY, &klen);
      if (key == nullptr) continue;
      std::string k(static_cast<const char*>(key), klen);
      std::string d;
      if (nftnl_set_elem_is_set(e, NFTNL_SET_ELEM_DATA)) {
        const void* data = nftnl_set_elem_get(e, NFTNL_SET_ELEM_DATA, &dlen);
        if (data != nullptr) d.assign(static_cast<const char*>(data), dlen);
      }
      if (counters != nullptr) {
        ElementCounter c;
        nftnl_set_elem_expr_foreach(
            e,
            [](nftnl_expr* x, void* data) {
              if (std::strcmp(nftnl_expr_get_str(x, NFTNL_EXPR_NAME), "counter") == 0) {
                auto* out = static_cast<ElementCounter*>(data);
                out->packets = nftnl_expr_get_u64(x, NFTNL_EXPR_CTR_PACKETS);
                out->bytes = nftnl_expr_get_u64(x, NFTNL_EXPR_CTR_BYTES);
              }
              return 0;
            },
            &c);
        (*counters)[k] = c;
      }
      set->elements[std::move(k)] = std::move(d);
    }
    nftnl_set_elems_iter_destroy(it);
  }
  return absl::OkStatus();
}

absl::StatusOr<uint32_t> ParseGeneration(const std::vector<std::string>& msgs) {
  for (const std::string& msg : msgs) {
    IRONLB_ASSIGN_OR_RETURN(auto buf, AlignedMessage(msg, "generation", ReplyKind::kGeneration));
    nftnl_gen* g = nftnl_gen_alloc();
    const int rc = nftnl_gen_nlmsg_parse(reinterpret_cast<const nlmsghdr*>(buf.data()), g);
    const bool has = rc >= 0 && nftnl_gen_is_set(g, NFTNL_GEN_ID);
    const uint32_t id = has ? nftnl_gen_get_u32(g, NFTNL_GEN_ID) : 0;
    nftnl_gen_free(g);
    if (has) return id;
  }
  return absl::InvalidArgumentError("nft: no generation id in reply");
}

absl::StatusOr<uint32_t> ReadGeneration(NetlinkTransport& transport, uint32_t* seq) {
  std::vector<char> buf(MNL_SOCKET_BUFFER_SIZE);
  // GETGEN is not a dump; NLM_F_ACK makes the kernel end the reply with an ACK.
  nlmsghdr* nlh = nftnl_nlmsg_build_hdr(buf.data(), NFT_MSG_GETGEN, AF_UNSPEC, NLM_F_ACK, (*seq)++);
  IRONLB_ASSIGN_OR_RETURN(
      auto msgs, transport.Dump(std::string(reinterpret_cast<const char*>(nlh), nlh->nlmsg_len)));
  return ParseGeneration(msgs);
}

absl::Status ReadSetElements(NetlinkTransport& transport, uint32_t* seq, SetSpec* set,
                             std::map<std::string, ElementCounter>* counters) {
  auto msgs = transport.Dump(DumpRequest(NFT_MSG_GETSETELEM, (*seq)++, set->name));
  if (!msgs.ok()) {
    return absl::Status(msgs.status().code(),
                        absl::StrCat("nft: list elements of ", kTableName, "/", set->name, ": ",
                                     msgs.status().message()));
  }
  return ParseElements(*msgs, set, counters);
}

absl::StatusOr<KernelState> ReadKernelState(NetlinkTransport& transport, uint32_t* seq) {
  KernelState state;
  IRONLB_ASSIGN_OR_RETURN(auto tables, transport.Dump(DumpRequest(NFT_MSG_GETTABLE, (*seq)++)));
  IRONLB_RETURN_IF_ERROR(ParseTables(tables, &state));
  if (!state.table_exists) return state;
  IRONLB_ASSIGN_OR_RETURN(auto chains, transport.Dump(DumpRequest(NFT_MSG_GETCHAIN, (*seq)++)));
  IRONLB_RETURN_IF_ERROR(ParseChains(chains, &state));
  IRONLB_ASSIGN_OR_RETURN(auto sets, transport.Dump(DumpRequest(NFT_MSG_GETSET, (*seq)++)));
  IRONLB_RETURN_IF_ERROR(ParseSets(sets, &state));
  IRONLB_ASSIGN_OR_RETURN(auto rules, transport.Dump(DumpRequest(NFT_MSG_GETRULE, (*seq)++)));
  IRONLB_RETURN_IF_ERROR(ParseRules(rules, &state));
  for (SetSpec& set : state.sets) {
    std::map<std::string, ElementCounter>* counters =
        set.element_counters ? &state.counters[set.name] : nullptr;
    IRONLB_RETURN_IF_ERROR(ReadSetElements(transport, seq, &set, counters));
  }
  return state;
}

}  // namespace ironlb::nft

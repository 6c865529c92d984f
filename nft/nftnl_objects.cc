#include "nft/nftnl_objects.h"

#include <libmnl/libmnl.h>
#include <libnftnl/chain.h>
#include <libnftnl/common.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>

namespace ironlb::nft {

void NftnlDeleter::operator()(nftnl_table* p) const { nftnl_table_free(p); }
void NftnlDeleter::operator()(nftnl_chain* p) const { nftnl_chain_free(p); }
void NftnlDeleter::operator()(nftnl_rule* p) const { nftnl_rule_free(p); }
void NftnlDeleter::operator()(nftnl_set* p) const { nftnl_set_free(p); }

TablePtr MakeTable() {
  TablePtr t(nftnl_table_alloc());
  nftnl_table_set_str(t.get(), NFTNL_TABLE_NAME, kTableName);
  nftnl_table_set_u32(t.get(), NFTNL_TABLE_FAMILY, NFPROTO_INET);
  return t;
}

ChainPtr MakeChain(const ChainSpec& spec) {
  ChainPtr c(nftnl_chain_alloc());
  nftnl_chain_set_str(c.get(), NFTNL_CHAIN_TABLE, kTableName);
  nftnl_chain_set_str(c.get(), NFTNL_CHAIN_NAME, spec.name.c_str());
  nftnl_chain_set_u32(c.get(), NFTNL_CHAIN_FAMILY, NFPROTO_INET);
  if (spec.base) {
    nftnl_chain_set_str(c.get(), NFTNL_CHAIN_TYPE, spec.type.c_str());
    nftnl_chain_set_u32(c.get(), NFTNL_CHAIN_HOOKNUM, spec.hook);
    nftnl_chain_set_s32(c.get(), NFTNL_CHAIN_PRIO, spec.priority);
    nftnl_chain_set_u32(c.get(), NFTNL_CHAIN_POLICY, NF_ACCEPT);
  }
  return c;
}

RulePtr MakeRule(const RuleSpec& spec) {
  RulePtr r(nftnl_rule_alloc());
  nftnl_rule_set_str(r.get(), NFTNL_RULE_TABLE, kTableName);
  nftnl_rule_set_str(r.get(), NFTNL_RULE_CHAIN, spec.chain.c_str());
  nftnl_rule_set_u32(r.get(), NFTNL_RULE_FAMILY, NFPROTO_INET);
  spec.add_expressions(r.get());
  return r;
}

SetPtr MakeSet(const SetSpec& spec, uint32_t set_id) {
  SetPtr s = MakeSetRef(spec.name, set_id);
  nftnl_set_set_u32(s.get(), NFTNL_SET_FLAGS, spec.flags);
  nftnl_set_set_u32(s.get(), NFTNL_SET_KEY_TYPE, spec.key_type);
  nftnl_set_set_u32(s.get(), NFTNL_SET_KEY_LEN, spec.key_len);
  if (spec.is_map()) {
    nftnl_set_set_u32(s.get(), NFTNL_SET_DATA_TYPE, spec.data_type);
    nftnl_set_set_u32(s.get(), NFTNL_SET_DATA_LEN, spec.data_len);
  }
  if (!spec.userdata.empty()) {
    nftnl_set_set_data(s.get(), NFTNL_SET_USERDATA, spec.userdata.data(),
                       static_cast<uint32_t>(spec.userdata.size()));
  }
  if (spec.element_counters) nftnl_set_add_expr(s.get(), nftnl_expr_alloc("counter"));
  return s;
}

SetPtr MakeSetRef(const std::string& name, uint32_t set_id) {
  SetPtr s(nftnl_set_alloc());
  nftnl_set_set_str(s.get(), NFTNL_SET_TABLE, kTableName);
  nftnl_set_set_str(s.get(), NFTNL_SET_NAME, name.c_str());
  nftnl_set_set_u32(s.get(), NFTNL_SET_FAMILY, NFPROTO_INET);
  if (set_id != 0) nftnl_set_set_u32(s.get(), NFTNL_SET_ID, set_id);
  return s;
}

void AddElement(nftnl_set* set, const std::string& key, const std::string& data) {
  nftnl_set_elem* e = nftnl_set_elem_alloc();
  nftnl_set_elem_set(e, NFTNL_SET_ELEM_KEY, key.data(), static_cast<uint32_t>(key.size()));
  if (!data.empty()) {
    nftnl_set_elem_set(e, NFTNL_SET_ELEM_DATA, data.data(), static_cast<uint32_t>(data.size()));
  }
  nftnl_set_elem_add(set, e);
}

std::vector<std::string> CanonicalExpressions(const nftnl_rule* rule) {
  std::vector<std::string> out;
  nftnl_expr_iter* it = nftnl_expr_iter_create(rule);
  if (it == nullptr) return out;
  for (nftnl_expr* e = nftnl_expr_iter_next(it); e != nullptr; e = nftnl_expr_iter_next(it)) {
    char buf[1024];
    int n = nftnl_expr_snprintf(buf, sizeof(buf), e, NFTNL_OUTPUT_DEFAULT, 0);
    std::string text = std::string(nftnl_expr_get_str(e, NFTNL_EXPR_NAME)) + " ";
    if (n > 0) text.append(buf, std::min<size_t>(static_cast<size_t>(n), sizeof(buf) - 1));
    out.push_back(std::move(text));
  }
  nftnl_expr_iter_destroy(it);
  return out;
}

std::vector<std::string> CanonicalExpressions(const RuleSpec& spec) {
  RulePtr built = MakeRule(spec);
  std::vector<char> buf(MNL_SOCKET_BUFFER_SIZE);
  nlmsghdr* nlh = nftnl_nlmsg_build_hdr(buf.data(), NFT_MSG_NEWRULE, NFPROTO_INET, 0, 0);
  nftnl_rule_nlmsg_build_payload(nlh, built.get());
  RulePtr parsed(nftnl_rule_alloc());
  if (nftnl_rule_nlmsg_parse(nlh, parsed.get()) < 0) return {"unparseable rule"};
  return CanonicalExpressions(parsed.get());
}

SetSpec SetSpecFrom(const nftnl_set* set) {
  SetSpec s;
  auto str = [set](uint16_t attr) -> std::string {
    const char* v = nftnl_set_is_set(set, attr) ? nftnl_set_get_str(set, attr) : nullptr;
    return v ? v : "";
  };
  auto u32 = [set](uint16_t attr) -> uint32_t {
    return nftnl_set_is_set(set, attr) ? nftnl_set_get_u32(set, attr) : 0;
  };
  s.name = str(NFTNL_SET_NAME);
  s.flags = u32(NFTNL_SET_FLAGS);
  s.key_type = u32(NFTNL_SET_KEY_TYPE);
  s.key_len = u32(NFTNL_SET_KEY_LEN);
  s.data_type = u32(NFTNL_SET_DATA_TYPE);
  s.data_len = u32(NFTNL_SET_DATA_LEN);
  if (nftnl_set_is_set(set, NFTNL_SET_USERDATA)) {
    uint32_t len = 0;
    const void* data = nftnl_set_get_data(set, NFTNL_SET_USERDATA, &len);
    if (data != nullptr) s.userdata.assign(static_cast<const char*>(data), len);
  }
  struct Found {
    bool counter = false;
    int other = 0;
  } found;
  nftnl_set_expr_foreach(
      set,
      [](nftnl_expr* e, void* data) {
        auto* f = static_cast<Found*>(data);
        if (std::string(nftnl_expr_get_str(e, NFTNL_EXPR_NAME)) == "counter") {
          f->counter = true;
        } else {
          ++f->other;
        }
        return 0;
      },
      &found);
  // Any other set expression is not ours: mark the definition as different.
  s.element_counters = found.counter && found.other == 0;
  if (found.other != 0) s.flags |= 0x80000000u;
  return s;
}

ChainSpec ChainSpecFrom(const nftnl_chain* chain) {
  ChainSpec c;
  const char* name = nftnl_chain_get_str(chain, NFTNL_CHAIN_NAME);
  c.name = name ? name : "";
  if (nftnl_chain_is_set(chain, NFTNL_CHAIN_HOOKNUM)) {
    c.base = true;
    c.hook = nftnl_chain_get_u32(chain, NFTNL_CHAIN_HOOKNUM);
    c.priority = nftnl_chain_get_s32(chain, NFTNL_CHAIN_PRIO);
    const char* type = nftnl_chain_is_set(chain, NFTNL_CHAIN_TYPE)
                           ? nftnl_chain_get_str(chain, NFTNL_CHAIN_TYPE)
                           : nullptr;
    c.type = type ? type : "";
    // A base chain whose policy someone changed to drop is not ours any more.
    if (nftnl_chain_is_set(chain, NFTNL_CHAIN_POLICY) &&
        nftnl_chain_get_u32(chain, NFTNL_CHAIN_POLICY) != NF_ACCEPT) {
      c.type += "+policy";
    }
  }
  return c;
}

}  // namespace ironlb::nft

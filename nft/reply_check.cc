#include "nft/reply_check.h"

#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>

#include <cstring>
#include <initializer_list>

namespace ironlb::nft {
namespace {

enum class T { kU8, kU32, kU64, kStr, kBin, kNest, kList, kExpr, kExprList };

struct Field {
  uint16_t type;
  T kind;
  const struct Schema* nested = nullptr;  // for kNest / kList
};

struct Schema {
  std::initializer_list<Field> fields;
};

const Field* Find(const Schema& s, uint16_t type) {
  for (const Field& f : s.fields) {
    if (f.type == type) return &f;
  }
  return nullptr;
}

const Schema kVerdict{{{NFTA_VERDICT_CODE, T::kU32},
                       {NFTA_VERDICT_CHAIN, T::kStr},
                       {NFTA_VERDICT_CHAIN_ID, T::kU32}}};
const Schema kData{{{NFTA_DATA_VALUE, T::kBin}, {NFTA_DATA_VERDICT, T::kNest, &kVerdict}}};
const Schema kCounter{{{NFTA_COUNTER_BYTES, T::kU64}, {NFTA_COUNTER_PACKETS, T::kU64}}};
const Schema kHook{
    {{NFTA_HOOK_HOOKNUM, T::kU32}, {NFTA_HOOK_PRIORITY, T::kU32}, {NFTA_HOOK_DEV, T::kStr}}};
const Schema kSetField{{{NFTA_SET_FIELD_LEN, T::kU32}}};
const Schema kSetDesc{
    {{NFTA_SET_DESC_SIZE, T::kU32}, {NFTA_SET_DESC_CONCAT, T::kList, &kSetField}}};

// Expression payloads (NFTA_EXPR_DATA) of the types ironlb uses.
const Schema kMeta{
    {{NFTA_META_DREG, T::kU32}, {NFTA_META_KEY, T::kU32}, {NFTA_META_SREG, T::kU32}}};
const Schema kCmp{
    {{NFTA_CMP_SREG, T::kU32}, {NFTA_CMP_OP, T::kU32}, {NFTA_CMP_DATA, T::kNest, &kData}}};
const Schema kPayload{{{NFTA_PAYLOAD_DREG, T::kU32},
                       {NFTA_PAYLOAD_BASE, T::kU32},
                       {NFTA_PAYLOAD_OFFSET, T::kU32},
                       {NFTA_PAYLOAD_LEN, T::kU32},
                       {NFTA_PAYLOAD_SREG, T::kU32},
                       {NFTA_PAYLOAD_CSUM_TYPE, T::kU32},
                       {NFTA_PAYLOAD_CSUM_OFFSET, T::kU32},
                       {NFTA_PAYLOAD_CSUM_FLAGS, T::kU32}}};
const Schema kBitwise{{{NFTA_BITWISE_SREG, T::kU32},
                       {NFTA_BITWISE_DREG, T::kU32},
                       {NFTA_BITWISE_LEN, T::kU32},
                       {NFTA_BITWISE_MASK, T::kNest, &kData},
                       {NFTA_BITWISE_XOR, T::kNest, &kData},
                       {NFTA_BITWISE_OP, T::kU32},
                       {NFTA_BITWISE_DATA, T::kNest, &kData}}};
const Schema kCt{{{NFTA_CT_DREG, T::kU32},
                  {NFTA_CT_KEY, T::kU32},
                  {NFTA_CT_DIRECTION, T::kU8},
                  {NFTA_CT_SREG, T::kU32}}};
const Schema kLookup{{{NFTA_LOOKUP_SET, T::kStr},
                      {NFTA_LOOKUP_SREG, T::kU32},
                      {NFTA_LOOKUP_DREG, T::kU32},
                      {NFTA_LOOKUP_SET_ID, T::kU32},
                      {NFTA_LOOKUP_FLAGS, T::kU32}}};
const Schema kRt{{{NFTA_RT_DREG, T::kU32}, {NFTA_RT_KEY, T::kU32}}};
const Schema kByteorder{{{NFTA_BYTEORDER_SREG, T::kU32},
                         {NFTA_BYTEORDER_DREG, T::kU32},
                         {NFTA_BYTEORDER_OP, T::kU32},
                         {NFTA_BYTEORDER_LEN, T::kU32},
                         {NFTA_BYTEORDER_SIZE, T::kU32}}};
const Schema kExthdr{{{NFTA_EXTHDR_DREG, T::kU32},
                      {NFTA_EXTHDR_TYPE, T::kU8},
                      {NFTA_EXTHDR_OFFSET, T::kU32},
                      {NFTA_EXTHDR_LEN, T::kU32},
                      {NFTA_EXTHDR_FLAGS, T::kU32},
                      {NFTA_EXTHDR_OP, T::kU32},
                      {NFTA_EXTHDR_SREG, T::kU32}}};
const Schema kNat{{{NFTA_NAT_TYPE, T::kU32},
                   {NFTA_NAT_FAMILY, T::kU32},
                   {NFTA_NAT_REG_ADDR_MIN, T::kU32},
                   {NFTA_NAT_REG_ADDR_MAX, T::kU32},
                   {NFTA_NAT_REG_PROTO_MIN, T::kU32},
                   {NFTA_NAT_REG_PROTO_MAX, T::kU32},
                   {NFTA_NAT_FLAGS, T::kU32}}};
const Schema kMasq{{{NFTA_MASQ_FLAGS, T::kU32},
                    {NFTA_MASQ_REG_PROTO_MIN, T::kU32},
                    {NFTA_MASQ_REG_PROTO_MAX, T::kU32}}};
const Schema kImmediate{{{NFTA_IMMEDIATE_DREG, T::kU32}, {NFTA_IMMEDIATE_DATA, T::kNest, &kData}}};
const Schema kNumgen{{{NFTA_NG_DREG, T::kU32},
                      {NFTA_NG_MODULUS, T::kU32},
                      {NFTA_NG_TYPE, T::kU32},
                      {NFTA_NG_OFFSET, T::kU32}}};
const Schema kHash{{{NFTA_HASH_SREG, T::kU32},
                    {NFTA_HASH_DREG, T::kU32},
                    {NFTA_HASH_LEN, T::kU32},
                    {NFTA_HASH_MODULUS, T::kU32},
                    {NFTA_HASH_SEED, T::kU32},
                    {NFTA_HASH_OFFSET, T::kU32},
                    {NFTA_HASH_TYPE, T::kU32},
                    {NFTA_HASH_SET_NAME, T::kStr},
                    {NFTA_HASH_SET_ID, T::kU32}}};
const Schema kReject{{{NFTA_REJECT_TYPE, T::kU32}, {NFTA_REJECT_ICMP_CODE, T::kU8}}};

struct ExprType {
  const char* name;
  const Schema* schema;
};
const ExprType kExprTypes[] = {
    {"meta", &kMeta},       {"cmp", &kCmp},
    {"payload", &kPayload}, {"bitwise", &kBitwise},
    {"ct", &kCt},           {"lookup", &kLookup},
    {"rt", &kRt},           {"byteorder", &kByteorder},
    {"exthdr", &kExthdr},   {"nat", &kNat},
    {"masq", &kMasq},       {"immediate", &kImmediate},
    {"counter", &kCounter}, {"numgen", &kNumgen},
    {"hash", &kHash},       {"reject", &kReject},
};

const Schema kTable{{{NFTA_TABLE_NAME, T::kStr},
                     {NFTA_TABLE_FLAGS, T::kU32},
                     {NFTA_TABLE_USE, T::kU32},
                     {NFTA_TABLE_HANDLE, T::kU64},
                     {NFTA_TABLE_USERDATA, T::kBin},
                     {NFTA_TABLE_OWNER, T::kU32}}};
const Schema kChain{{{NFTA_CHAIN_TABLE, T::kStr},
                     {NFTA_CHAIN_HANDLE, T::kU64},
                     {NFTA_CHAIN_NAME, T::kStr},
                     {NFTA_CHAIN_HOOK, T::kNest, &kHook},
                     {NFTA_CHAIN_POLICY, T::kU32},
                     {NFTA_CHAIN_USE, T::kU32},
                     {NFTA_CHAIN_TYPE, T::kStr},
                     {NFTA_CHAIN_COUNTERS, T::kNest, &kCounter},
                     {NFTA_CHAIN_FLAGS, T::kU32},
                     {NFTA_CHAIN_ID, T::kU32},
                     {NFTA_CHAIN_USERDATA, T::kBin}}};
const Schema kSet{{{NFTA_SET_TABLE, T::kStr},
                   {NFTA_SET_NAME, T::kStr},
                   {NFTA_SET_FLAGS, T::kU32},
                   {NFTA_SET_KEY_TYPE, T::kU32},
                   {NFTA_SET_KEY_LEN, T::kU32},
                   {NFTA_SET_DATA_TYPE, T::kU32},
                   {NFTA_SET_DATA_LEN, T::kU32},
                   {NFTA_SET_POLICY, T::kU32},
                   {NFTA_SET_DESC, T::kNest, &kSetDesc},
                   {NFTA_SET_ID, T::kU32},
                   {NFTA_SET_TIMEOUT, T::kU64},
                   {NFTA_SET_GC_INTERVAL, T::kU32},
                   {NFTA_SET_USERDATA, T::kBin},
                   {NFTA_SET_OBJ_TYPE, T::kU32},
                   {NFTA_SET_HANDLE, T::kU64},
                   {NFTA_SET_EXPR, T::kExpr},
                   {NFTA_SET_EXPRESSIONS, T::kExprList}}};
const Schema kRule{{{NFTA_RULE_TABLE, T::kStr},
                    {NFTA_RULE_CHAIN, T::kStr},
                    {NFTA_RULE_HANDLE, T::kU64},
                    {NFTA_RULE_EXPRESSIONS, T::kExprList},
                    {NFTA_RULE_POSITION, T::kU64},
                    {NFTA_RULE_USERDATA, T::kBin},
                    {NFTA_RULE_ID, T::kU32},
                    {NFTA_RULE_POSITION_ID, T::kU32},
                    {NFTA_RULE_CHAIN_ID, T::kU32}}};
const Schema kElem{{{NFTA_SET_ELEM_KEY, T::kNest, &kData},
                    {NFTA_SET_ELEM_DATA, T::kNest, &kData},
                    {NFTA_SET_ELEM_FLAGS, T::kU32},
                    {NFTA_SET_ELEM_TIMEOUT, T::kU64},
                    {NFTA_SET_ELEM_EXPIRATION, T::kU64},
                    {NFTA_SET_ELEM_USERDATA, T::kBin},
                    {NFTA_SET_ELEM_EXPR, T::kExpr},
                    {NFTA_SET_ELEM_OBJREF, T::kStr},
                    {NFTA_SET_ELEM_KEY_END, T::kNest, &kData},
                    {NFTA_SET_ELEM_EXPRESSIONS, T::kExprList}}};
const Schema kElemList{{{NFTA_SET_ELEM_LIST_TABLE, T::kStr},
                        {NFTA_SET_ELEM_LIST_SET, T::kStr},
                        {NFTA_SET_ELEM_LIST_ELEMENTS, T::kList, &kElem},
                        {NFTA_SET_ELEM_LIST_SET_ID, T::kU32}}};
const Schema kGen{
    {{NFTA_GEN_ID, T::kU32}, {NFTA_GEN_PROC_PID, T::kU32}, {NFTA_GEN_PROC_NAME, T::kStr}}};

bool CheckAttrs(const void* start, size_t len, const Schema& schema, int depth);

// Iterates the attributes in [start, start+len): every one must fit exactly.
template <typename F>
bool ForEachAttr(const void* start, size_t len, F&& f) {
  size_t off = 0;
  const char* base = static_cast<const char*>(start);
  while (off < len) {
    if (len - off < sizeof(nlattr)) return false;
    nlattr a;
    std::memcpy(&a, base + off, sizeof(a));
    if (a.nla_len < sizeof(nlattr) || a.nla_len > len - off) return false;
    if (!f(a.nla_type & NLA_TYPE_MASK, base + off + NLA_HDRLEN, a.nla_len - NLA_HDRLEN)) {
      return false;
    }
    off += NLA_ALIGN(a.nla_len);
  }
  return true;
}

// NFTA_DATA_*: exactly one value (at most NFT_DATA_VALUE_MAXLEN bytes, libnftnl copies it into
// a fixed buffer) or one verdict with a code, and a chain name for jump/goto.
bool CheckData(const char* p, size_t n) {
  int values = 0, verdicts = 0;
  bool ok = ForEachAttr(p, n, [&](uint16_t t, const char* vp, size_t vn) {
    if (t == NFTA_DATA_VALUE) {
      ++values;
      return vn > 0 && vn <= NFT_DATA_VALUE_MAXLEN;
    }
    if (t != NFTA_DATA_VERDICT) return true;
    ++verdicts;
    bool has_code = false, has_chain = false;
    int32_t code = 0;
    bool inner = ForEachAttr(vp, vn, [&](uint16_t vt, const char* cp, size_t cn) {
      if (vt == NFTA_VERDICT_CODE && cn == 4) {
        uint32_t be;
        std::memcpy(&be, cp, 4);
        code = static_cast<int32_t>(ntohl(be));
        has_code = true;
      } else if (vt == NFTA_VERDICT_CHAIN) {
        has_chain = cn > 0 && strnlen(cp, cn) < cn;
      }
      return true;
    });
    return inner && has_code && (has_chain || (code != NFT_JUMP && code != NFT_GOTO));
  });
  return ok && values + verdicts == 1;
}

bool CheckExpr(const char* payload, size_t len, int depth) {
  const char* name = nullptr;
  const char* data = nullptr;
  size_t data_len = 0;
  bool ok = ForEachAttr(payload, len, [&](uint16_t type, const char* p, size_t n) {
    if (type == NFTA_EXPR_NAME) {
      if (n == 0 || strnlen(p, n) == n) return false;
      name = p;
    } else if (type == NFTA_EXPR_DATA) {
      data = p;
      data_len = n;
    }
    return true;
  });
  if (!ok || name == nullptr) return false;
  for (const ExprType& e : kExprTypes) {
    if (std::strcmp(e.name, name) == 0) {
      return data == nullptr || CheckAttrs(data, data_len, *e.schema, depth + 1);
    }
  }
  return false;  // an expression type ironlb does not use
}

bool CheckAttrs(const void* start, size_t len, const Schema& schema, int depth) {
  if (depth > 8) return false;
  return ForEachAttr(start, len, [&](uint16_t type, const char* p, size_t n) {
    const Field* f = Find(schema, type);
    if (f == nullptr) return true;  // libnftnl skips types it does not know
    switch (f->kind) {
      case T::kU8:
        return n >= 1 && n <= 4;
      case T::kU32:
        return n == 4;
      case T::kU64:
        return n == 8;
      case T::kStr:
        return n > 0 && strnlen(p, n) < n;
      case T::kBin:
        return n <= NFT_USERDATA_MAXLEN * 4;
      case T::kNest:
        if (f->nested == &kData && !CheckData(p, n)) return false;
        return CheckAttrs(p, n, *f->nested, depth + 1);
      case T::kList:
        return ForEachAttr(p, n, [&](uint16_t, const char* ep, size_t en) {
          return CheckAttrs(ep, en, *f->nested, depth + 1);
        });
      case T::kExpr:
        return CheckExpr(p, n, depth + 1);
      case T::kExprList:
        return ForEachAttr(p, n, [&](uint16_t, const char* ep, size_t en) {
          return CheckExpr(ep, en, depth + 1);
        });
    }
    return false;
  });
}

}  // namespace

bool WellFormedReply(const nlmsghdr* nlh, ReplyKind kind) {
  const size_t header = NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(nfgenmsg));
  if (nlh->nlmsg_len < header) return false;
  const Schema* schema = nullptr;
  switch (kind) {
    case ReplyKind::kTable:
      schema = &kTable;
      break;
    case ReplyKind::kChain:
      schema = &kChain;
      break;
    case ReplyKind::kSet:
      schema = &kSet;
      break;
    case ReplyKind::kRule:
      schema = &kRule;
      break;
    case ReplyKind::kElements:
      schema = &kElemList;
      break;
    case ReplyKind::kGeneration:
      schema = &kGen;
      break;
  }
  return CheckAttrs(reinterpret_cast<const char*>(nlh) + header, nlh->nlmsg_len - header, *schema,
                    0);
}

}  // namespace ironlb::nft

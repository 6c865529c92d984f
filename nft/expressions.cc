#include "nft/expressions.h"

#include <arpa/inet.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <linux/netfilter/nf_nat.h>
#include <linux/netfilter/nf_tables.h>

namespace ironlb::nft::expr {
namespace {

nftnl_expr* New(const char* name) {
  nftnl_expr* e = nftnl_expr_alloc(name);
  // Allocation only fails on out-of-memory; libnftnl offers no other failure here.
  if (e == nullptr) __builtin_trap();
  return e;
}

void Add(nftnl_rule* r, nftnl_expr* e) { nftnl_rule_add_expr(r, e); }

}  // namespace

uint32_t Register(int slot) {
  if (slot % 4 == 0) return NFT_REG_1 + slot / 4;
  return NFT_REG32_00 + slot;
}

void MetaLoad(nftnl_rule* r, uint32_t key, int slot) {
  nftnl_expr* e = New("meta");
  nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, key);
  nftnl_expr_set_u32(e, NFTNL_EXPR_META_DREG, Register(slot));
  Add(r, e);
}

void CmpU8(nftnl_rule* r, uint32_t op, int slot, uint8_t value) {
  CmpBytes(r, op, slot, std::string(1, static_cast<char>(value)));
}

void CmpBytes(nftnl_rule* r, uint32_t op, int slot, const std::string& value) {
  nftnl_expr* e = New("cmp");
  nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_SREG, Register(slot));
  nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_OP, op);
  nftnl_expr_set(e, NFTNL_EXPR_CMP_DATA, value.data(), value.size());
  Add(r, e);
}

void PayloadLoad(nftnl_rule* r, uint32_t base, uint32_t offset, uint32_t len, int slot) {
  nftnl_expr* e = New("payload");
  nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_BASE, base);
  nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET, offset);
  nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_LEN, len);
  nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_DREG, Register(slot));
  Add(r, e);
}

void BitwiseU8(nftnl_rule* r, int slot, uint8_t mask) {
  nftnl_expr* e = New("bitwise");
  const uint8_t zero = 0;
  nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_SREG, Register(slot));
  nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_DREG, Register(slot));
  nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_LEN, 1);
  nftnl_expr_set(e, NFTNL_EXPR_BITWISE_MASK, &mask, 1);
  nftnl_expr_set(e, NFTNL_EXPR_BITWISE_XOR, &zero, 1);
  Add(r, e);
}

void CtLoad(nftnl_rule* r, uint32_t key, uint8_t direction, int slot) {
  nftnl_expr* e = New("ct");
  nftnl_expr_set_u32(e, NFTNL_EXPR_CT_KEY, key);
  nftnl_expr_set_u8(e, NFTNL_EXPR_CT_DIR, direction);
  nftnl_expr_set_u32(e, NFTNL_EXPR_CT_DREG, Register(slot));
  Add(r, e);
}

void CtKeyLoad(nftnl_rule* r, uint32_t key, int slot) {
  nftnl_expr* e = New("ct");
  nftnl_expr_set_u32(e, NFTNL_EXPR_CT_KEY, key);
  nftnl_expr_set_u32(e, NFTNL_EXPR_CT_DREG, Register(slot));
  Add(r, e);
}

void CtStatusAny(nftnl_rule* r, uint32_t bits) { CtBitsAny(r, NFT_CT_STATUS, bits); }

void CtStateAny(nftnl_rule* r, uint32_t bits) { CtBitsAny(r, NFT_CT_STATE, bits); }

void NumgenRandom(nftnl_rule* r, uint32_t modulus, int slot) {
  nftnl_expr* e = New("numgen");
  nftnl_expr_set_u32(e, NFTNL_EXPR_NG_DREG, Register(slot));
  nftnl_expr_set_u32(e, NFTNL_EXPR_NG_MODULUS, modulus);
  nftnl_expr_set_u32(e, NFTNL_EXPR_NG_TYPE, NFT_NG_RANDOM);
  nftnl_expr_set_u32(e, NFTNL_EXPR_NG_OFFSET, 0);
  Add(r, e);
}

void Jhash(nftnl_rule* r, int src_slot, uint32_t len, uint32_t modulus, uint32_t seed,
           int dst_slot) {
  nftnl_expr* e = New("hash");
  nftnl_expr_set_u32(e, NFTNL_EXPR_HASH_SREG, Register(src_slot));
  nftnl_expr_set_u32(e, NFTNL_EXPR_HASH_DREG, Register(dst_slot));
  nftnl_expr_set_u32(e, NFTNL_EXPR_HASH_LEN, len);
  nftnl_expr_set_u32(e, NFTNL_EXPR_HASH_MODULUS, modulus);
  nftnl_expr_set_u32(e, NFTNL_EXPR_HASH_SEED, seed);
  nftnl_expr_set_u32(e, NFTNL_EXPR_HASH_TYPE, NFT_HASH_JENKINS);
  Add(r, e);
}

void CmpU32(nftnl_rule* r, uint32_t op, int slot, uint32_t value) {
  CmpBytes(r, op, slot, std::string(reinterpret_cast<const char*>(&value), 4));
}

void RejectTcpReset(nftnl_rule* r) {
  nftnl_expr* e = New("reject");
  nftnl_expr_set_u32(e, NFTNL_EXPR_REJECT_TYPE, NFT_REJECT_TCP_RST);
  nftnl_expr_set_u8(e, NFTNL_EXPR_REJECT_CODE, 0);
  Add(r, e);
}

void RejectPortUnreachable(nftnl_rule* r) {
  nftnl_expr* e = New("reject");
  nftnl_expr_set_u32(e, NFTNL_EXPR_REJECT_TYPE, NFT_REJECT_ICMPX_UNREACH);
  nftnl_expr_set_u8(e, NFTNL_EXPR_REJECT_CODE, NFT_REJECT_ICMPX_PORT_UNREACH);
  Add(r, e);
}

void CtBitsAny(nftnl_rule* r, uint32_t key, uint32_t bits) {
  CtKeyLoad(r, key, 0);
  // ct status is a host-endian 32-bit word.
  const uint32_t zero = 0;
  nftnl_expr* e = New("bitwise");
  nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_SREG, Register(0));
  nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_DREG, Register(0));
  nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_LEN, 4);
  nftnl_expr_set(e, NFTNL_EXPR_BITWISE_MASK, &bits, 4);
  nftnl_expr_set(e, NFTNL_EXPR_BITWISE_XOR, &zero, 4);
  Add(r, e);
  e = New("cmp");
  nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_SREG, Register(0));
  nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_OP, NFT_CMP_NEQ);
  nftnl_expr_set(e, NFTNL_EXPR_CMP_DATA, &zero, 4);
  Add(r, e);
}

void Lookup(nftnl_rule* r, const std::string& set, int slot, std::optional<int> dreg_slot) {
  nftnl_expr* e = New("lookup");
  nftnl_expr_set_str(e, NFTNL_EXPR_LOOKUP_SET, set.c_str());
  nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SREG, Register(slot));
  if (dreg_slot) nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_DREG, Register(*dreg_slot));
  // The kernel always reports the flags; set them so built and dumped rules compare equal.
  nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_FLAGS, 0);
  Add(r, e);
}

void RtTcpMssLoad(nftnl_rule* r, int slot) {
  nftnl_expr* e = New("rt");
  nftnl_expr_set_u32(e, NFTNL_EXPR_RT_KEY, NFT_RT_TCPMSS);
  nftnl_expr_set_u32(e, NFTNL_EXPR_RT_DREG, Register(slot));
  Add(r, e);
}

void HtonU16(nftnl_rule* r, int slot) {
  nftnl_expr* e = New("byteorder");
  nftnl_expr_set_u32(e, NFTNL_EXPR_BYTEORDER_SREG, Register(slot));
  nftnl_expr_set_u32(e, NFTNL_EXPR_BYTEORDER_DREG, Register(slot));
  nftnl_expr_set_u32(e, NFTNL_EXPR_BYTEORDER_OP, NFT_BYTEORDER_HTON);
  nftnl_expr_set_u32(e, NFTNL_EXPR_BYTEORDER_LEN, 2);
  nftnl_expr_set_u32(e, NFTNL_EXPR_BYTEORDER_SIZE, 2);
  Add(r, e);
}

void TcpMssWrite(nftnl_rule* r, int slot) {
  constexpr uint8_t kTcpOptMaxseg = 2;
  nftnl_expr* e = New("exthdr");
  nftnl_expr_set_u32(e, NFTNL_EXPR_EXTHDR_SREG, Register(slot));
  nftnl_expr_set_u8(e, NFTNL_EXPR_EXTHDR_TYPE, kTcpOptMaxseg);
  nftnl_expr_set_u32(e, NFTNL_EXPR_EXTHDR_OFFSET, 2);
  nftnl_expr_set_u32(e, NFTNL_EXPR_EXTHDR_LEN, 2);
  nftnl_expr_set_u32(e, NFTNL_EXPR_EXTHDR_OP, NFT_EXTHDR_OP_TCPOPT);
  Add(r, e);
}

void Dnat(nftnl_rule* r, uint32_t family, int addr_slot, int proto_slot) {
  nftnl_expr* e = New("nat");
  nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_TYPE, NFT_NAT_DNAT);
  nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_FAMILY, family);
  nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_REG_ADDR_MIN, Register(addr_slot));
  nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_REG_PROTO_MIN, Register(proto_slot));
  // What the kernel fills in and reports for a single address and port; spelled out so that
  // built and dumped rules compare equal.
  nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_REG_ADDR_MAX, Register(addr_slot));
  nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_REG_PROTO_MAX, Register(proto_slot));
  nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_FLAGS, NF_NAT_RANGE_MAP_IPS | NF_NAT_RANGE_PROTO_SPECIFIED);
  Add(r, e);
}

void Snat(nftnl_rule* r, uint32_t family, int addr_slot) {
  nftnl_expr* e = New("nat");
  nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_TYPE, NFT_NAT_SNAT);
  nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_FAMILY, family);
  nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_REG_ADDR_MIN, Register(addr_slot));
  nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_REG_ADDR_MAX, Register(addr_slot));
  nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_FLAGS, NF_NAT_RANGE_MAP_IPS);
  Add(r, e);
}

void Masquerade(nftnl_rule* r) { Add(r, New("masq")); }

void Jump(nftnl_rule* r, const std::string& chain) {
  nftnl_expr* e = New("immediate");
  nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_VERDICT);
  nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_VERDICT, static_cast<uint32_t>(NFT_JUMP));
  nftnl_expr_set_str(e, NFTNL_EXPR_IMM_CHAIN, chain.c_str());
  Add(r, e);
}

void Verdict(nftnl_rule* r, int verdict) {
  nftnl_expr* e = New("immediate");
  nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_VERDICT);
  nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_VERDICT, static_cast<uint32_t>(verdict));
  Add(r, e);
}

}  // namespace ironlb::nft::expr

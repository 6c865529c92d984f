// Small builders that append one libnftnl expression to a rule, the way nft itself encodes
// them. Registers are given as 4-byte slots counted from the start of NFT_REG_1.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

struct nftnl_rule;

namespace ironlb::nft::expr {

inline constexpr int kIfnameLen = 16;

// The register number the kernel reports back for 4-byte slot `slot` (nft_dump_register):
// 16-byte aligned slots as NFT_REG_1..4, the rest as NFT_REG32_xx.
uint32_t Register(int slot);

void MetaLoad(nftnl_rule* r, uint32_t key, int slot);
void CmpU8(nftnl_rule* r, uint32_t op, int slot, uint8_t value);
void CmpBytes(nftnl_rule* r, uint32_t op, int slot, const std::string& value);
void PayloadLoad(nftnl_rule* r, uint32_t base, uint32_t offset, uint32_t len, int slot);
// reg = (reg & mask) ^ 0 on one byte.
void BitwiseU8(nftnl_rule* r, int slot, uint8_t mask);
void CtLoad(nftnl_rule* r, uint32_t key, uint8_t direction, int slot);
// A ct key that takes no direction (NFT_CT_DIRECTION, NFT_CT_STATUS, ...) into `slot`; the
// kernel refuses a direction attribute for those.
void CtKeyLoad(nftnl_rule* r, uint32_t key, int slot);
// ct <key> & bits != 0 for a host-endian 32-bit key (status, state), in slot 0.
void CtBitsAny(nftnl_rule* r, uint32_t key, uint32_t bits);
// ct status & bits != 0
void CtStatusAny(nftnl_rule* r, uint32_t bits);
// ct state & bits != 0 (bits: 1 << (IP_CT_xxx + 1), e.g. 8 for new)
void CtStateAny(nftnl_rule* r, uint32_t bits);
// numgen random mod `modulus` into `slot` (host-endian 32 bits).
void NumgenRandom(nftnl_rule* r, uint32_t modulus, int slot);
// jhash of `len` bytes at `src_slot`, mod `modulus`, with a fixed `seed`, into `dst_slot`.
void Jhash(nftnl_rule* r, int src_slot, uint32_t len, uint32_t modulus, uint32_t seed,
           int dst_slot);
// cmp of a host-endian 32-bit value.
void CmpU32(nftnl_rule* r, uint32_t op, int slot, uint32_t value);
// reject with tcp reset / with icmpx port-unreachable.
void RejectTcpReset(nftnl_rule* r);
void RejectPortUnreachable(nftnl_rule* r);
// Looks up `set` keyed by `slot`; for maps, the value lands in `dreg_slot`.
void Lookup(nftnl_rule* r, const std::string& set, int slot, std::optional<int> dreg_slot);
void RtTcpMssLoad(nftnl_rule* r, int slot);
void HtonU16(nftnl_rule* r, int slot);
// tcp option maxseg size set <slot>
void TcpMssWrite(nftnl_rule* r, int slot);
void Dnat(nftnl_rule* r, uint32_t family, int addr_slot, int proto_slot);
// snat to the address in `addr_slot` (any port).
void Snat(nftnl_rule* r, uint32_t family, int addr_slot);
void Masquerade(nftnl_rule* r);
void Jump(nftnl_rule* r, const std::string& chain);
void Verdict(nftnl_rule* r, int verdict);

}  // namespace ironlb::nft::expr

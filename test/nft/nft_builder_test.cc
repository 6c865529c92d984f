// Messages built for the ironlb table, decoded with libnftnl's own parsers and compared with
// what the kernel must receive: batch framing, sequence numbers, set definitions, element
// bytes, and each rule's expressions (golden text as `nft --debug=netlink` prints them).
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <libmnl/libmnl.h>
#include <libnftnl/chain.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>

#include <cstring>

#include "nft/batch.h"
#include "nft/nftnl_objects.h"
#include "nft/ruleset_spec.h"
#include "test/nft/fake_netlink_transport.h"

namespace ironlb::nft {
namespace {

struct Decoded {
  std::vector<uint16_t> types;
  std::vector<uint32_t> seqs;
  std::vector<std::string> messages;
};

// Element nests are renumbered NFTA_LIST_ELEM first (see NormaliseElementNests).
Decoded Decode(const std::string& bytes) {
  Decoded d;
  std::vector<uint64_t> aligned((bytes.size() + 7) / 8);
  std::memcpy(aligned.data(), bytes.data(), bytes.size());
  int len = static_cast<int>(bytes.size());
  for (auto* nlh = reinterpret_cast<const nlmsghdr*>(aligned.data()); mnl_nlmsg_ok(nlh, len);
       nlh = mnl_nlmsg_next(nlh, &len)) {
    d.types.push_back(nlh->nlmsg_type);
    d.seqs.push_back(nlh->nlmsg_seq);
    d.messages.emplace_back(reinterpret_cast<const char*>(nlh), nlh->nlmsg_len);
    testing::NormaliseElementNests(d.messages.back());
  }
  EXPECT_EQ(len, 0) << "trailing bytes";
  return d;
}

const nlmsghdr* Hdr(const std::string& m) { return reinterpret_cast<const nlmsghdr*>(m.data()); }

PortForwardEntry WebForward() {
  PortForwardEntry f;
  f.name = "web";
  f.outside_address = *IpAddress::Parse("192.0.2.1");
  f.protocol = L4Protocol::kTcp;
  f.port = 80;
  f.target_address = *IpAddress::Parse("10.1.0.1");
  f.target_port = 8080;
  f.source_nat = true;
  return f;
}

TEST(NftBuilderTest, BatchIsFramedAndEveryOperationHasItsOwnSequence) {
  DesiredState state;
  state.forwards.push_back(WebForward());
  RulesetSpec spec = BuildRuleset(state);
  Batch batch(500);
  batch.AddTable();
  for (const ChainSpec& c : spec.chains) batch.AddChain(c);
  for (const SetSpec& s : spec.sets) batch.AddSet(s);
  for (const RuleSpec& r : spec.rules) batch.AddRule(r);
  Decoded d = Decode(batch.Finish());
  ASSERT_GE(d.types.size(), 3u);
  EXPECT_EQ(d.types.front(), NFNL_MSG_BATCH_BEGIN);
  EXPECT_EQ(d.types.back(), NFNL_MSG_BATCH_END);
  for (size_t i = 0; i < d.seqs.size(); ++i) EXPECT_EQ(d.seqs[i], 500 + i);
  EXPECT_EQ(d.types[1], (NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_NEWTABLE);
  EXPECT_EQ(batch.OperationFor(501), "add table inet ironlb");
  EXPECT_EQ(batch.OperationFor(502), "add chain ironlb/mss_clamp");
  EXPECT_EQ(batch.OperationFor(500), "batch begin");
  EXPECT_EQ(batch.OperationFor(batch.end_seq()), "batch end");
  // Every operation asks for an ACK, so every one is accounted for.
  for (size_t i = 1; i + 1 < d.messages.size(); ++i) {
    EXPECT_TRUE(Hdr(d.messages[i])->nlmsg_flags & NLM_F_ACK) << i;
  }
}

TEST(NftBuilderTest, ForwardMapDefinitionAndElementBytes) {
  DesiredState state;
  state.forwards.push_back(WebForward());
  RulesetSpec spec = BuildRuleset(state);
  const SetSpec* fwd4 = spec.FindSet(kFwd4);
  ASSERT_NE(fwd4, nullptr);
  Batch batch(1);
  batch.AddSet(*fwd4);
  std::vector<const std::string*> keys;
  for (const auto& [k, v] : fwd4->elements) keys.push_back(&k);
  batch.AddElements(*fwd4, keys);
  Decoded d = Decode(batch.Finish());
  ASSERT_EQ(d.messages.size(), 4u);

  SetPtr set(nftnl_set_alloc());
  ASSERT_GE(nftnl_set_nlmsg_parse(Hdr(d.messages[1]), set.get()), 0);
  EXPECT_STREQ(nftnl_set_get_str(set.get(), NFTNL_SET_NAME), "fwd4");
  EXPECT_STREQ(nftnl_set_get_str(set.get(), NFTNL_SET_TABLE), "ironlb");
  EXPECT_EQ(nftnl_set_get_u32(set.get(), NFTNL_SET_FLAGS), static_cast<uint32_t>(NFT_SET_MAP));
  EXPECT_EQ(nftnl_set_get_u32(set.get(), NFTNL_SET_KEY_LEN), 12u);
  EXPECT_EQ(nftnl_set_get_u32(set.get(), NFTNL_SET_KEY_TYPE), (7u << 12) | (12u << 6) | 13u);
  EXPECT_EQ(nftnl_set_get_u32(set.get(), NFTNL_SET_DATA_LEN), 8u);
  EXPECT_TRUE(SetSpecFrom(set.get()).element_counters);

  SetPtr elems(nftnl_set_alloc());
  ASSERT_GE(nftnl_set_elems_nlmsg_parse(Hdr(d.messages[2]), elems.get()), 0);
  nftnl_set_elems_iter* it = nftnl_set_elems_iter_create(elems.get());
  nftnl_set_elem* e = nftnl_set_elems_iter_next(it);
  ASSERT_NE(e, nullptr);
  uint32_t klen = 0, dlen = 0;
  auto* key = static_cast<const uint8_t*>(nftnl_set_elem_get(e, NFTNL_SET_ELEM_KEY, &klen));
  auto* data = static_cast<const uint8_t*>(nftnl_set_elem_get(e, NFTNL_SET_ELEM_DATA, &dlen));
  // 192.0.2.1 . tcp . 80 : 10.1.0.1 . 8080, each field padded to 4 bytes.
  EXPECT_EQ(std::vector<uint8_t>(key, key + klen),
            (std::vector<uint8_t>{192, 0, 2, 1, 6, 0, 0, 0, 0, 80, 0, 0}));
  EXPECT_EQ(std::vector<uint8_t>(data, data + dlen),
            (std::vector<uint8_t>{10, 1, 0, 1, 0x1f, 0x90, 0, 0}));
  EXPECT_EQ(nftnl_set_elems_iter_next(it), nullptr);
  nftnl_set_elems_iter_destroy(it);
}

TEST(NftBuilderTest, RulesDecodeToTheExpectedExpressions) {
  RulesetSpec spec = BuildRuleset(DesiredState{});
  struct Golden {
    std::string chain;
    size_t index;  // among that chain's rules
    std::vector<std::string> exprs;
  };
  const std::vector<Golden> golden = {
      {"mss_clamp",
       0,
       {"meta load nfproto => reg 1 ", "cmp eq reg 1 0x00000002 ", "meta load l4proto => reg 1 ",
        "cmp eq reg 1 0x00000006 ", "payload load 1b @ transport header + 13 => reg 1 ",
        "bitwise reg 1 = ( reg 1 & 0x00000006 ) ^ 0x00000000 ", "cmp eq reg 1 0x00000002 ",
        "ct load dst_ip => reg 1 , dir original ", "lookup reg 1 set mss4 dreg 1 0x0 ",
        "exthdr write tcpopt reg 1 => 2b @ 2 + 2 "}},
      {"mss_pmtu",
       1,
       {"meta load nfproto => reg 1 ", "cmp eq reg 1 0x0000000a ", "meta load l4proto => reg 1 ",
        "cmp eq reg 1 0x00000006 ", "payload load 1b @ transport header + 13 => reg 1 ",
        "bitwise reg 1 = ( reg 1 & 0x00000006 ) ^ 0x00000000 ", "cmp eq reg 1 0x00000002 ",
        "ct load dst_ip6 => reg 1 , dir original ", "lookup reg 1 set pmtu6 0x0 ",
        "rt load tcpmss => reg 1 ", "byteorder reg 1 = hton(reg 1, 2, 2) ",
        "exthdr write tcpopt reg 1 => 2b @ 2 + 2 "}},
      {"mss_clamp",
       2,
       {"ct load status => reg 1 ", "bitwise reg 1 = ( reg 1 & 0x00000020 ) ^ 0x00000000 ",
        "cmp neq reg 1 0x00000000 ", "meta load nfproto => reg 1 ", "cmp eq reg 1 0x00000002 ",
        "meta load l4proto => reg 1 ", "cmp eq reg 1 0x00000006 ",
        "payload load 1b @ transport header + 13 => reg 1 ",
        "bitwise reg 1 = ( reg 1 & 0x00000006 ) ^ 0x00000000 ", "cmp eq reg 1 0x00000002 ",
        "ct load src_ip => reg 1 , dir reply ", "lookup reg 1 set mss4 dreg 1 0x0 ",
        "exthdr write tcpopt reg 1 => 2b @ 2 + 2 "}},
      {"fwd_prerouting",
       1,
       {"meta load nfproto => reg 1 ", "cmp eq reg 1 0x0000000a ",
        "payload load 16b @ network header + 24 => reg 1 ", "meta load l4proto => reg 2 ",
        "payload load 2b @ transport header + 2 => reg 13 ", "lookup reg 1 set fwd6 dreg 1 0x0 ",
        "nat dnat ip6 addr_min reg 1 addr_max reg 1 proto_min reg 2 proto_max reg 2 flags 0x3 "}},
      {"port_guard",
       0,
       {"meta load iifname => reg 1 ", "cmp neq reg 1 0x00006f6c 0x00000000 0x00000000 0x00000000 ",
        "meta load l4proto => reg 1 ", "cmp eq reg 1 0x00000006 ",
        "payload load 2b @ transport header + 2 => reg 1 ", "lookup reg 1 set guard_tcp 0x0 ",
        "immediate reg 0 drop "}},
  };
  for (const Golden& g : golden) {
    SCOPED_TRACE(g.chain);
    size_t seen = 0;
    const RuleSpec* found = nullptr;
    for (const RuleSpec& r : spec.rules) {
      if (r.chain == g.chain && seen++ == g.index) found = &r;
    }
    ASSERT_NE(found, nullptr);
    Batch batch(1);
    batch.AddRule(*found);
    Decoded d = Decode(batch.Finish());
    RulePtr rule(nftnl_rule_alloc());
    ASSERT_GE(nftnl_rule_nlmsg_parse(Hdr(d.messages[1]), rule.get()), 0);
    EXPECT_STREQ(nftnl_rule_get_str(rule.get(), NFTNL_RULE_CHAIN), g.chain.c_str());
    std::vector<std::string> names_and_text = CanonicalExpressions(rule.get());
    EXPECT_EQ(names_and_text, g.exprs);
  }
}

TEST(NftBuilderTest, ChainsHookWhereTheyMust) {
  RulesetSpec spec = BuildRuleset(DesiredState{});
  Batch batch(1);
  for (const ChainSpec& c : spec.chains) batch.AddChain(c);
  Decoded d = Decode(batch.Finish());
  std::map<std::string, std::tuple<uint32_t, int32_t, std::string>> hooks;
  for (size_t i = 1; i + 1 < d.messages.size(); ++i) {
    ChainPtr c(nftnl_chain_alloc());
    ASSERT_GE(nftnl_chain_nlmsg_parse(Hdr(d.messages[i]), c.get()), 0);
    if (!nftnl_chain_is_set(c.get(), NFTNL_CHAIN_HOOKNUM)) continue;
    hooks[nftnl_chain_get_str(c.get(), NFTNL_CHAIN_NAME)] = {
        nftnl_chain_get_u32(c.get(), NFTNL_CHAIN_HOOKNUM),
        nftnl_chain_get_s32(c.get(), NFTNL_CHAIN_PRIO),
        nftnl_chain_get_str(c.get(), NFTNL_CHAIN_TYPE)};
  }
  EXPECT_EQ(hooks["fwd_prerouting"],
            std::make_tuple(uint32_t{NF_INET_PRE_ROUTING}, -100, std::string("nat")));
  EXPECT_EQ(hooks["fwd_postrouting"],
            std::make_tuple(uint32_t{NF_INET_POST_ROUTING}, 100, std::string("nat")));
  EXPECT_EQ(hooks["mss_forward"],
            std::make_tuple(uint32_t{NF_INET_FORWARD}, -150, std::string("filter")));
  EXPECT_EQ(hooks["port_guard"],
            std::make_tuple(uint32_t{NF_INET_LOCAL_IN}, 0, std::string("filter")));
}

TEST(NftBuilderTest, LargeElementListsSplitIntoBoundedMessages) {
  SetSpec set;
  set.name = kGuardTcp;
  std::vector<std::string> keys;
  for (int p = 1; p <= 3000; ++p) {
    std::string k = {static_cast<char>(p >> 8), static_cast<char>(p & 0xff)};
    set.elements[k] = "";
  }
  std::vector<const std::string*> ptrs;
  for (const auto& [k, v] : set.elements) ptrs.push_back(&k);
  Batch batch(1);
  batch.AddElements(set, ptrs);
  EXPECT_EQ(batch.operation_count(), 6u);
  Decoded d = Decode(batch.Finish());
  size_t total = 0;
  for (size_t i = 1; i + 1 < d.messages.size(); ++i) {
    SetPtr s(nftnl_set_alloc());
    ASSERT_GE(nftnl_set_elems_nlmsg_parse(Hdr(d.messages[i]), s.get()), 0)
        << i << " len " << d.messages[i].size() << " errno " << errno;
    nftnl_set_elems_iter* it = nftnl_set_elems_iter_create(s.get());
    while (nftnl_set_elems_iter_next(it) != nullptr) ++total;
    nftnl_set_elems_iter_destroy(it);
  }
  EXPECT_EQ(total, 3000u);
}

}  // namespace
}  // namespace ironlb::nft

#include "test/nft/fake_netlink_transport.h"

#include <arpa/inet.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <libnftnl/chain.h>
#include <libnftnl/common.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>

#include <cstring>

#include "nft/nftnl_objects.h"

namespace ironlb::nft::testing {
namespace {

std::string Bytes(const nlmsghdr* nlh) {
  return std::string(reinterpret_cast<const char*>(nlh), nlh->nlmsg_len);
}

// Re-encodes a stored NEWxxx message as a dump reply with the given sequence number.
std::string AsReply(const std::string& stored, uint32_t seq) {
  std::string out = stored;
  auto* nlh = reinterpret_cast<nlmsghdr*>(out.data());
  nlh->nlmsg_seq = seq;
  nlh->nlmsg_flags = NLM_F_MULTI;
  return out;
}

std::string SetName(const nlmsghdr* nlh, bool elements) {
  SetPtr s(nftnl_set_alloc());
  const int rc =
      elements ? nftnl_set_elems_nlmsg_parse(nlh, s.get()) : nftnl_set_nlmsg_parse(nlh, s.get());
  if (rc < 0 || !nftnl_set_is_set(s.get(), NFTNL_SET_NAME)) return "";
  return nftnl_set_get_str(s.get(), NFTNL_SET_NAME);
}

}  // namespace

void NormaliseElementNests(std::string& msg) {
  if (msg.size() < NLMSG_HDRLEN) return;
  const uint16_t type = reinterpret_cast<const nlmsghdr*>(msg.data())->nlmsg_type & 0xff;
  if (type != NFT_MSG_NEWSETELEM && type != NFT_MSG_DELSETELEM) return;
  size_t off = NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(nfgenmsg));
  while (off + sizeof(nlattr) <= msg.size()) {
    auto* a = reinterpret_cast<nlattr*>(msg.data() + off);
    if (a->nla_len < sizeof(nlattr) || off + a->nla_len > msg.size()) return;
    if ((a->nla_type & NLA_TYPE_MASK) == NFTA_SET_ELEM_LIST_ELEMENTS) {
      size_t in = off + NLA_HDRLEN;
      while (in + sizeof(nlattr) <= off + a->nla_len) {
        auto* e = reinterpret_cast<nlattr*>(msg.data() + in);
        if (e->nla_len < sizeof(nlattr)) return;
        e->nla_type = static_cast<uint16_t>((e->nla_type & ~NLA_TYPE_MASK) | NFTA_LIST_ELEM);
        in += NLA_ALIGN(e->nla_len);
      }
    }
    off += NLA_ALIGN(a->nla_len);
  }
}

size_t FakeNetlinkTransport::element_count(const std::string& set) const {
  auto it = state_.sets.find(set);
  return it == state_.sets.end() ? 0 : it->second.elements.size();
}

std::map<std::string, std::map<std::string, std::string>> FakeNetlinkTransport::AllElements()
    const {
  std::map<std::string, std::map<std::string, std::string>> out;
  for (const auto& [name, set] : state_.sets) out[name] = set.elements;
  return out;
}

void FakeNetlinkTransport::DeleteTableBehindOurBack() {
  state_ = State();
  ++generation_;
}

void FakeNetlinkTransport::DeleteElementBehindOurBack(const std::string& set) {
  auto it = state_.sets.find(set);
  if (it != state_.sets.end() && !it->second.elements.empty()) {
    it->second.elements.erase(it->second.elements.begin());
    ++generation_;
  }
}

absl::StatusOr<std::vector<std::string>> FakeNetlinkTransport::Dump(const std::string& request) {
  ++dumps_;
  std::vector<uint64_t> aligned((request.size() + 7) / 8);
  std::memcpy(aligned.data(), request.data(), request.size());
  const auto* nlh = reinterpret_cast<const nlmsghdr*>(aligned.data());
  const uint16_t type = nlh->nlmsg_type & 0xff;
  const uint32_t seq = nlh->nlmsg_seq;
  std::vector<std::string> out;
  switch (type) {
    case NFT_MSG_GETGEN: {
      std::vector<char> buf(MNL_SOCKET_BUFFER_SIZE);
      nlmsghdr* reply = nftnl_nlmsg_build_hdr(buf.data(), NFT_MSG_NEWGEN, AF_UNSPEC, 0, seq);
      mnl_attr_put_u32(reply, NFTA_GEN_ID, htonl(generation_));
      out.push_back(Bytes(reply));
      break;
    }
    case NFT_MSG_GETTABLE:
      if (state_.table) {
        std::vector<char> buf(MNL_SOCKET_BUFFER_SIZE);
        TablePtr t = MakeTable();
        nlmsghdr* reply =
            nftnl_table_nlmsg_build_hdr(buf.data(), NFT_MSG_NEWTABLE, NFPROTO_INET, 0, seq);
        nftnl_table_nlmsg_build_payload(reply, t.get());
        out.push_back(Bytes(reply));
      }
      break;
    case NFT_MSG_GETCHAIN:
      for (const auto& [name, msg] : state_.chains) out.push_back(AsReply(msg, seq));
      break;
    case NFT_MSG_GETSET:
      for (const auto& [name, set] : state_.sets) out.push_back(AsReply(set.definition, seq));
      break;
    case NFT_MSG_GETRULE:
      for (const std::string& msg : state_.rules) out.push_back(AsReply(msg, seq));
      break;
    case NFT_MSG_GETSETELEM: {
      auto it = state_.sets.find(SetName(nlh, true));
      if (it == state_.sets.end()) return absl::NotFoundError("nft: dump: no such set");
      SetPtr s = MakeSetRef(it->first, 0);
      for (const auto& [key, data] : it->second.elements) AddElement(s.get(), key, data);
      std::vector<char> buf(MNL_SOCKET_BUFFER_SIZE + it->second.elements.size() * 128);
      nlmsghdr* reply =
          nftnl_nlmsg_build_hdr(buf.data(), NFT_MSG_NEWSETELEM, NFPROTO_INET, NLM_F_MULTI, seq);
      nftnl_set_elems_nlmsg_build_payload(reply, s.get());
      out.push_back(Bytes(reply));
      break;
    }
    default:
      return absl::InvalidArgumentError("fake: unexpected dump type");
  }
  return out;
}

int FakeNetlinkTransport::Apply(State& s, const nlmsghdr* nlh) {
  const uint16_t type = nlh->nlmsg_type & 0xff;
  switch (type) {
    case NFT_MSG_NEWTABLE:
      s.table = true;
      return 0;
    case NFT_MSG_DELTABLE:
      if (!s.table) return ENOENT;
      s = State();
      return 0;
    case NFT_MSG_NEWCHAIN: {
      if (!s.table) return ENOENT;
      ChainPtr c(nftnl_chain_alloc());
      if (nftnl_chain_nlmsg_parse(nlh, c.get()) < 0) return EINVAL;
      s.chains.emplace_back(nftnl_chain_get_str(c.get(), NFTNL_CHAIN_NAME), Bytes(nlh));
      return 0;
    }
    case NFT_MSG_NEWSET: {
      if (!s.table) return ENOENT;
      const std::string name = SetName(nlh, false);
      if (name.empty()) return EINVAL;
      if (s.sets.count(name)) return EEXIST;
      s.sets[name].definition = Bytes(nlh);
      return 0;
    }
    case NFT_MSG_NEWRULE: {
      RulePtr r(nftnl_rule_alloc());
      if (nftnl_rule_nlmsg_parse(nlh, r.get()) < 0) return EINVAL;
      s.rules.push_back(Bytes(nlh));
      return 0;
    }
    case NFT_MSG_NEWSETELEM:
    case NFT_MSG_DELSETELEM: {
      std::string copy = Bytes(nlh);
      NormaliseElementNests(copy);
      std::vector<uint64_t> aligned((copy.size() + 7) / 8);
      std::memcpy(aligned.data(), copy.data(), copy.size());
      SetPtr set(nftnl_set_alloc());
      if (nftnl_set_elems_nlmsg_parse(reinterpret_cast<const nlmsghdr*>(aligned.data()),
                                      set.get()) < 0) {
        return EINVAL;
      }
      auto it = s.sets.find(nftnl_set_get_str(set.get(), NFTNL_SET_NAME));
      if (it == s.sets.end()) return ENOENT;
      nftnl_set_elems_iter* iter = nftnl_set_elems_iter_create(set.get());
      int err = 0;
      for (nftnl_set_elem* e = nftnl_set_elems_iter_next(iter); e != nullptr && err == 0;
           e = nftnl_set_elems_iter_next(iter)) {
        uint32_t klen = 0, dlen = 0;
        const char* key =
            static_cast<const char*>(nftnl_set_elem_get(e, NFTNL_SET_ELEM_KEY, &klen));
        std::string k(key, klen);
        if (type == NFT_MSG_DELSETELEM) {
          if (it->second.elements.erase(k) == 0) err = ENOENT;
        } else {
          std::string d;
          if (nftnl_set_elem_is_set(e, NFTNL_SET_ELEM_DATA)) {
            const char* data =
                static_cast<const char*>(nftnl_set_elem_get(e, NFTNL_SET_ELEM_DATA, &dlen));
            d.assign(data, dlen);
          }
          if (!it->second.elements.emplace(k, d).second) err = EEXIST;
        }
      }
      nftnl_set_elems_iter_destroy(iter);
      return err;
    }
    default:
      return EOPNOTSUPP;
  }
}

absl::StatusOr<std::vector<NetlinkAck>> FakeNetlinkTransport::SendBatch(const std::string& batch) {
  ++batches_;
  last_batch_types_.clear();
  std::vector<uint64_t> aligned((batch.size() + 7) / 8);
  std::memcpy(aligned.data(), batch.data(), batch.size());
  State scratch = state_;
  std::vector<NetlinkAck> acks;
  bool failed = false;
  int len = static_cast<int>(batch.size());
  for (auto* nlh = reinterpret_cast<const nlmsghdr*>(aligned.data()); mnl_nlmsg_ok(nlh, len);
       nlh = mnl_nlmsg_next(nlh, &len)) {
    if (nlh->nlmsg_type == NFNL_MSG_BATCH_BEGIN || nlh->nlmsg_type == NFNL_MSG_BATCH_END) {
      continue;
    }
    last_batch_types_.push_back(nlh->nlmsg_type & 0xff);
    int err = Apply(scratch, nlh);
    if (fail_next_batch_) {
      err = *fail_next_batch_;
      fail_next_batch_.reset();
    }
    if (err != 0) failed = true;
    if (err != 0 || (nlh->nlmsg_flags & NLM_F_ACK)) {
      acks.push_back({nlh->nlmsg_seq, err, err ? "fake refused" : ""});
    }
  }
  if (!failed) {
    state_ = std::move(scratch);
    ++generation_;
  }
  return acks;
}

}  // namespace ironlb::nft::testing

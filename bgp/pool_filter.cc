#include "bgp/pool_filter.h"

#include <algorithm>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "bgp/bgp_skeleton.h"
#include "common/stable_hash.h"
#include "nlohmann/json.hpp"

namespace ironlb::bgp {
namespace {

using Json = nlohmann::json;

constexpr IpFamily kFamilies[] = {IpFamily::kV4, IpFamily::kV6};

absl::string_view V(IpFamily f) { return f == IpFamily::kV4 ? "ipv4" : "ipv6"; }
int MaxLength(IpFamily f) { return f == IpFamily::kV4 ? 32 : 128; }

std::string EntryXpath(IpFamily f, uint32_t seq) {
  return absl::StrCat(PoolPrefixListXpath(f), "/entry[sequence='", seq, "']");
}

// libyang prints integers as numbers, FRR's older JSON as strings: accept both.
std::optional<int64_t> Number(const Json& j, const std::string& key) {
  auto it = j.find(key);
  if (it == j.end()) return std::nullopt;
  if (it->is_number_integer()) return it->get<int64_t>();
  int64_t v = 0;
  if (it->is_string() && absl::SimpleAtoi(it->get<std::string>(), &v)) return v;
  return std::nullopt;
}

std::string Text(const Json& j, const std::string& key) {
  auto it = j.find(key);
  if (it == j.end()) return "";
  return it->is_string() ? it->get<std::string>() : it->dump();
}

PrefixListEntry ParseEntry(IpFamily f, const Json& e) {
  PrefixListEntry out;
  out.action = Text(e, "action");
  const std::string v(V(f));
  if (e.contains(v + "-prefix")) {
    auto p = IpPrefix::Parse(Text(e, v + "-prefix"));
    if (!p.ok()) {  // e.g. 0.0.0.0/0, which ironlb never writes: unknown, so rewritten
      out.action = "?" + out.action;
      return out;
    }
    out.prefix = *p;
    if (auto le = Number(e, v + "-prefix-length-lesser-or-equal")) out.le = static_cast<int>(*le);
    if (auto ge = Number(e, v + "-prefix-length-greater-or-equal")) out.ge = static_cast<int>(*ge);
  } else if (!e.contains("any")) {
    // Another choice of the model (not written by ironlb): unknown, so rewritten.
    out.action = "?" + out.action;
  }
  return out;
}

void AddSets(IpFamily f, uint32_t seq, const PrefixListEntry& e, std::vector<YangEdit>& out) {
  const std::string x = EntryXpath(f, seq);
  const std::string v(V(f));
  out.push_back({YangEdit::Op::kSet, x + "/action", e.action});
  if (!e.prefix) {
    out.push_back({YangEdit::Op::kSet, x + "/any", ""});
    return;
  }
  out.push_back({YangEdit::Op::kSet, absl::StrCat(x, "/", v, "-prefix"), e.prefix->ToString()});
  if (e.ge) {
    out.push_back({YangEdit::Op::kSet, absl::StrCat(x, "/", v, "-prefix-length-greater-or-equal"),
                   absl::StrCat(*e.ge)});
  }
  if (e.le) {
    out.push_back({YangEdit::Op::kSet, absl::StrCat(x, "/", v, "-prefix-length-lesser-or-equal"),
                   absl::StrCat(*e.le)});
  }
}

}  // namespace

std::vector<IpPrefix> PoolPrefixes(const config::Config& config, IpFamily family) {
  std::vector<IpPrefix> all;
  for (const config::AddressPool& pool : config.pools) {
    for (const IpRange& r : pool.ranges) {
      if (r.family() != family) continue;
      for (const IpPrefix& p : r.ToPrefixes()) all.push_back(p);
    }
  }
  // Sorted by start, shorter first: a prefix's container (CIDRs nest or are disjoint) comes
  // before it and still reaches past its start.
  std::sort(all.begin(), all.end(), [](const IpPrefix& a, const IpPrefix& b) {
    if (a.network() != b.network()) return a.network() < b.network();
    return a.length() < b.length();
  });
  std::vector<IpPrefix> out;
  for (const IpPrefix& p : all) {
    if (!out.empty() && p.last() <= out.back().last()) continue;  // inside (or equal to) it
    out.push_back(p);
  }
  return out;
}

PoolPrefixLists DesiredPoolPrefixLists(const config::Config& config) {
  PoolPrefixLists out;
  for (IpFamily f : kFamilies) {
    PrefixListEntries& list = out[f];
    for (const IpPrefix& p : PoolPrefixes(config, f)) {
      // Fnv1a32 of the prefix's text: its sequence number does not depend on the other prefixes.
      uint32_t seq = 1 + Fnv1a32(p.ToString()) % (kDenyAnySequence - 1);
      while (list.count(seq)) seq = seq == kDenyAnySequence - 1 ? 1 : seq + 1;
      PrefixListEntry e{.action = "permit", .prefix = p};
      // A /32 (/128) matches only itself anyway; FRR would print a redundant `le 32`.
      if (p.length() < MaxLength(f)) e.le = MaxLength(f);
      list[seq] = std::move(e);
    }
    list[kDenyAnySequence] = PrefixListEntry{.action = "deny"};
  }
  return out;
}

absl::string_view PoolPrefixListName(IpFamily family) {
  return family == IpFamily::kV4 ? kPoolPrefixListV4 : kPoolPrefixListV6;
}

std::string PoolPrefixListXpath(IpFamily family) {
  return absl::StrCat(kPrefixListsRoot, "/prefix-list[type='", V(family), "'][name='",
                      PoolPrefixListName(family), "']");
}

absl::StatusOr<PoolPrefixLists> ParsePoolPrefixLists(absl::string_view json) {
  PoolPrefixLists out;
  if (json.empty()) return out;  // FRR answers nothing when it has no prefix-list at all
  const Json j = Json::parse(json, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return absl::InvalidArgumentError(
        absl::StrCat("bgpd: ", kPrefixListsRoot, " is not a JSON object"));
  }
  auto lib = j.find(kPrefixListsRoot + 1);
  if (lib == j.end() || !lib->is_object() || !lib->contains("prefix-list")) return out;
  const Json& lists = (*lib)["prefix-list"];
  if (!lists.is_array()) return out;
  for (const Json& pl : lists) {
    for (IpFamily f : kFamilies) {
      if (Text(pl, "type") != V(f) || Text(pl, "name") != PoolPrefixListName(f)) continue;
      PrefixListEntries& entries = out[f];
      if (!pl.contains("entry") || !pl["entry"].is_array()) continue;
      for (const Json& e : pl["entry"]) {
        const auto seq = Number(e, "sequence");
        if (!seq || *seq < 1 || *seq > kDenyAnySequence) {
          return absl::InvalidArgumentError(absl::StrCat(
              "bgpd: prefix-list ", PoolPrefixListName(f), ": entry without a valid sequence"));
        }
        entries[static_cast<uint32_t>(*seq)] = ParseEntry(f, e);
      }
    }
  }
  return out;
}

std::vector<YangEdit> PoolPrefixListEdits(const PoolPrefixLists& have,
                                          const PoolPrefixLists& want) {
  std::vector<YangEdit> deletes;
  std::vector<YangEdit> sets;
  static const PrefixListEntries kNone;
  for (IpFamily f : kFamilies) {
    const auto hit = have.find(f);
    const auto wit = want.find(f);
    const PrefixListEntries& h = hit == have.end() ? kNone : hit->second;
    if (wit == want.end()) {
      if (hit != have.end()) deletes.push_back({YangEdit::Op::kDelete, PoolPrefixListXpath(f), ""});
      continue;
    }
    const PrefixListEntries& w = wit->second;
    if (hit == have.end()) sets.push_back({YangEdit::Op::kSet, PoolPrefixListXpath(f), ""});
    for (const auto& [seq, e] : h) {
      auto it = w.find(seq);
      if (it == w.end() || it->second != e) {
        deletes.push_back({YangEdit::Op::kDelete, EntryXpath(f, seq), ""});
      }
    }
    for (const auto& [seq, e] : w) {
      auto it = h.find(seq);
      if (it == h.end() || it->second != e) AddSets(f, seq, e, sets);
    }
  }
  deletes.insert(deletes.end(), sets.begin(), sets.end());
  return deletes;
}

absl::StatusOr<std::vector<std::string>> PoolFilterBindingCommands(absl::string_view running_config,
                                                                   absl::string_view group) {
  const BgpSkeleton have = ParseRunningConfig(running_config);
  if (!have.asn) {
    return absl::FailedPreconditionError(
        "bgpd has no `router bgp <ASN>` (default VRF) yet; configure the router's BGP instance "
        "and the speakers' peer group, the pool filter is bound once they exist");
  }
  const auto global = have.lines.find("");
  const std::string peer_group_line = absl::StrCat("neighbor ", group, " peer-group");
  if (global == have.lines.end() || !global->second.count(peer_group_line)) {
    return absl::FailedPreconditionError(absl::StrCat(
        "router bgp ", *have.asn, " has no peer group \"", group, "\" (`", peer_group_line,
        "`); create it, or pass the right name with --bgp-speakers-peer-group"));
  }
  const std::string prefix = absl::StrCat("neighbor ", group, " prefix-list ");
  std::vector<std::string> body;
  for (IpFamily f : kFamilies) {
    const std::string af = absl::StrCat(V(f), " unicast");
    const std::string want = absl::StrCat(prefix, PoolPrefixListName(f), " in");
    auto ctx = have.lines.find(af);
    bool present = false;
    if (ctx != have.lines.end()) {
      for (const std::string& l : ctx->second) {
        if (l == want) {
          present = true;
        } else if (absl::StartsWith(l, prefix) && absl::EndsWith(l, " in")) {
          return absl::FailedPreconditionError(absl::StrCat(
              "router bgp ", *have.asn, ", address-family ", af, ": peer group ", group,
              " already has an inbound prefix-list (`", l,
              "`); ironlb does not replace it. "
              "Remove it (the pool filter ",
              PoolPrefixListName(f), " takes its place) or filter inside your own list"));
        }
      }
    }
    if (present) continue;
    body.push_back("address-family " + af);
    body.push_back(want);
    body.push_back("exit-address-family");
  }
  if (body.empty()) return body;
  std::vector<std::string> cmds = {absl::StrCat("router bgp ", *have.asn)};
  cmds.insert(cmds.end(), body.begin(), body.end());
  return cmds;
}

std::string WeightedEcmpBlocker(absl::string_view running_config) {
  const BgpSkeleton have = ParseRunningConfig(running_config);
  if (!have.asn) return "";
  for (const auto& [af, lines] : have.lines) {
    for (const std::string& l : lines) {
      if (af.empty() && l == "bgp bestpath bandwidth ignore") {
        return absl::StrCat("router bgp ", *have.asn, " has `", l,
                            "`: it ignores link bandwidth (FRR's default weighs by it)");
      }
      if (!af.empty() && (l == "maximum-paths 1" || l == "maximum-paths ibgp 1")) {
        return absl::StrCat("router bgp ", *have.asn, ", address-family ", af, ": `", l,
                            "` allows one path, so there is no multipath route to weigh");
      }
    }
  }
  return "";
}

absl::Status ValidatePeerGroupName(absl::string_view group, absl::string_view flag) {
  if (group.empty()) return absl::OkStatus();
  const bool printable = std::all_of(group.begin(), group.end(), [](char c) {
    return absl::ascii_isgraph(static_cast<unsigned char>(c));
  });
  if (!printable || group.size() > 64 || IpAddress::Parse(group).ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        flag, ": \"", group,
        "\" is not a peer-group name (a word of at most 64 printable characters, not an "
        "address)"));
  }
  return absl::OkStatus();
}

}  // namespace ironlb::bgp

#include "test/nft/nft_test_util.h"

#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "test/support/shell.h"

namespace ironlb::nft::testing {

absl::StatusOr<std::string> Run(const std::string& command, int timeout_seconds) {
  const std::string full = absl::StrCat("timeout ", timeout_seconds, " sh -c '", command, "' 2>&1");
  int rc = 0;
  const std::string out = ironlb::testing::RunShell(full, &rc);
  if (rc != 0) {
    return absl::InternalError(absl::StrCat("command failed (", rc, "): ", command, "\n", out));
  }
  return out;
}

ScopedNetns::ScopedNetns(const std::string& prefix) {
  static std::atomic<int> counter{0};
  name_ = absl::StrCat(prefix, "-", getpid(), "-", counter++);
  ok_ = Run("ip netns add " + name_).ok() && Run(Exec() + "ip link set lo up").ok();
}

ScopedNetns::~ScopedNetns() {
  if (saved_fd_ >= 0) {
    setns(saved_fd_, CLONE_NEWNET);
    close(saved_fd_);
  }
  (void)Run("ip netns del " + name_);
}

absl::Status ScopedNetns::Enter() {
  if (saved_fd_ < 0) saved_fd_ = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
  const int fd = open(("/run/netns/" + name_).c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return absl::InternalError("cannot open netns " + name_);
  const int rc = setns(fd, CLONE_NEWNET);
  close(fd);
  if (rc != 0) return absl::InternalError("setns failed for " + name_);
  return absl::OkStatus();
}

namespace {

std::string Elements(const std::vector<std::string>& items) {
  if (items.empty()) return "";
  return absl::StrCat("elements = { ", absl::StrJoin(items, ", "), " }; ");
}

}  // namespace

std::string NftText(const DesiredState& state) {
  std::vector<std::string> mss4, mss6, pmtu4, pmtu6, fwd4, fwd6, fwdif4, fwdif6, snat4, snat6,
      snatto4, snatto6, guard, stats4, stats6, statsif4, statsif6;
  for (const ClampedVip& c : state.clamped_vips) {
    if (c.pmtu) {
      (c.vip.is_v4() ? pmtu4 : pmtu6).push_back(c.vip.ToString());
    } else {
      (c.vip.is_v4() ? mss4 : mss6).push_back(absl::StrCat(c.vip.ToString(), " : ", c.mss));
    }
  }
  for (const PortForwardEntry& f : state.forwards) {
    const bool v6 = f.target_address.is_v6();
    std::string value = absl::StrCat(f.target_address.ToString(), " . ", f.target_port);
    std::string proto(L4ProtocolName(f.protocol));
    if (f.outside_address) {
      const std::string key =
          absl::StrCat(f.outside_address->ToString(), " . ", proto, " . ", f.port);
      (v6 ? fwd6 : fwd4).push_back(absl::StrCat(key, " : ", value));
      (v6 ? stats6 : stats4).push_back(key);
    } else {
      const std::string key =
          absl::StrCat("\"", f.outside_interface, "\" . ", proto, " . ", f.port);
      (v6 ? fwdif6 : fwdif4).push_back(absl::StrCat(key, " : ", value));
      (v6 ? statsif6 : statsif4).push_back(key);
    }
    const std::string snat_key =
        absl::StrCat(f.target_address.ToString(), " . ", proto, " . ", f.target_port);
    if (f.source_nat_address) {
      (v6 ? snatto6 : snatto4)
          .push_back(absl::StrCat(snat_key, " : ", f.source_nat_address->ToString()));
    } else if (f.source_nat) {
      (v6 ? snat6 : snat4).push_back(snat_key);
    }
  }
  for (uint16_t p : state.guarded_tcp_ports) guard.push_back(absl::StrCat(p));
  // Exact duplicates collapse in ironlb; nft rejects them in one elements list.
  for (auto* v : {&mss4, &mss6, &pmtu4, &pmtu6, &fwd4, &fwd6, &fwdif4, &fwdif6, &snat4, &snat6,
                  &snatto4, &snatto6, &guard, &stats4, &stats6, &statsif4, &statsif6}) {
    std::sort(v->begin(), v->end());
    v->erase(std::unique(v->begin(), v->end()), v->end());
  }
  const std::string p4 = "ip daddr . meta l4proto . th dport";
  const std::string p6 = "ip6 daddr . meta l4proto . th dport";
  const std::string syn = "meta l4proto tcp tcp flags & (syn|rst) == syn";
  std::string t = "table inet ironlb {\n";
  absl::StrAppend(&t, "map mss4 { typeof ct original ip daddr : tcp option maxseg size; ",
                  Elements(mss4), "}\n");
  absl::StrAppend(&t, "map mss6 { typeof ct original ip6 daddr : tcp option maxseg size; ",
                  Elements(mss6), "}\n");
  absl::StrAppend(&t, "set pmtu4 { type ipv4_addr; ", Elements(pmtu4), "}\n");
  absl::StrAppend(&t, "set pmtu6 { type ipv6_addr; ", Elements(pmtu6), "}\n");
  const std::string k4 = "ipv4_addr . inet_proto . inet_service";
  const std::string k6 = "ipv6_addr . inet_proto . inet_service";
  const std::string kif = "ifname . inet_proto . inet_service";
  absl::StrAppend(&t, "map fwd4 { type ", k4, " : ipv4_addr . inet_service; counter; ",
                  Elements(fwd4), "}\n");
  absl::StrAppend(&t, "map fwd6 { type ", k6, " : ipv6_addr . inet_service; counter; ",
                  Elements(fwd6), "}\n");
  absl::StrAppend(&t, "map fwdif4 { type ", kif, " : ipv4_addr . inet_service; counter; ",
                  Elements(fwdif4), "}\n");
  absl::StrAppend(&t, "map fwdif6 { type ", kif, " : ipv6_addr . inet_service; counter; ",
                  Elements(fwdif6), "}\n");
  absl::StrAppend(&t, "set snat4 { type ", k4, "; ", Elements(snat4), "}\n");
  absl::StrAppend(&t, "set snat6 { type ", k6, "; ", Elements(snat6), "}\n");
  absl::StrAppend(&t, "map snatto4 { type ", k4, " : ipv4_addr; ", Elements(snatto4), "}\n");
  absl::StrAppend(&t, "map snatto6 { type ", k6, " : ipv6_addr; ", Elements(snatto6), "}\n");
  absl::StrAppend(&t, "set guard_tcp { type inet_service; ", Elements(guard), "}\n");
  absl::StrAppend(&t, "set fwdstats4 { type ", k4, "; counter; ", Elements(stats4), "}\n");
  absl::StrAppend(&t, "set fwdstats6 { type ", k6, "; counter; ", Elements(stats6), "}\n");
  absl::StrAppend(&t, "set fwdifstats4 { type ", kif, "; counter; ", Elements(statsif4), "}\n");
  absl::StrAppend(&t, "set fwdifstats6 { type ", kif, "; counter; ", Elements(statsif6), "}\n");
  absl::StrAppend(&t, "chain mss_clamp {\n",  //
                  "meta nfproto ipv4 ", syn,
                  " tcp option maxseg size set ct original ip daddr map @mss4\n",  //
                  "meta nfproto ipv6 ", syn,
                  " tcp option maxseg size set ct original ip6 daddr map @mss6\n",
                  // Forwarded connections, by the VIP they were DNATed to.
                  "ct status dnat meta nfproto ipv4 ", syn,
                  " tcp option maxseg size set ct reply ip saddr map @mss4\n",  //
                  "ct status dnat meta nfproto ipv6 ", syn,
                  " tcp option maxseg size set ct reply ip6 saddr map @mss6\n}\n",
                  "chain mss_pmtu {\n", "meta nfproto ipv4 ", syn,
                  " ct original ip daddr @pmtu4 tcp option maxseg size set rt mtu\n",  //
                  "meta nfproto ipv6 ", syn,
                  " ct original ip6 daddr @pmtu6 tcp option maxseg size set rt mtu\n",
                  "ct status dnat meta nfproto ipv4 ", syn,
                  " ct reply ip saddr @pmtu4 tcp option maxseg size set rt mtu\n",  //
                  "ct status dnat meta nfproto ipv6 ", syn,
                  " ct reply ip6 saddr @pmtu6 tcp option maxseg size set rt mtu\n}\n");
  for (const char* hook : {"input", "forward", "output"}) {
    absl::StrAppend(&t, "chain mss_", hook, " { type filter hook ", hook,
                    " priority mangle; policy accept; jump mss_clamp; ",
                    std::string(hook) == "input" ? "" : "jump mss_pmtu; ", "}\n");
  }
  absl::StrAppend(&t,
                  "chain fwd_prerouting { type nat hook prerouting priority dstnat; policy "
                  "accept;\n",
                  "meta nfproto ipv4 dnat ip to ", p4, " map @fwd4\n",
                  "meta nfproto ipv6 dnat ip6 to ", p6, " map @fwd6\n",
                  "meta nfproto ipv4 dnat ip to iifname . meta l4proto . th dport map @fwdif4\n",
                  "meta nfproto ipv6 dnat ip6 to iifname . meta l4proto . th dport map @fwdif6\n",
                  "}\n");
  absl::StrAppend(&t,
                  "chain fwd_postrouting { type nat hook postrouting priority srcnat; policy "
                  "accept;\n",
                  "ct status dnat meta nfproto ipv4 snat ip to ", p4, " map @snatto4\n",
                  "ct status dnat meta nfproto ipv6 snat ip6 to ", p6, " map @snatto6\n",
                  "ct status dnat meta nfproto ipv4 ", p4, " @snat4 masquerade\n",
                  "ct status dnat meta nfproto ipv6 ", p6, " @snat6 masquerade\n}\n");
  // The chain's rules are in ForwardStatsRulesJson(): nft 1.0.6 cannot parse
  // `ct original proto-dst` inside a concatenation, though the kernel runs it.
  absl::StrAppend(&t,
                  "chain fwd_stats { type filter hook forward priority filter; policy accept;\n");
  absl::StrAppend(&t, "}\n");
  absl::StrAppend(&t, "chain port_guard { type filter hook input priority filter; policy accept;\n",
                  "iifname != \"lo\" tcp dport @guard_tcp drop\n}\n}\n");
  return t;
}

nlohmann::json BalancedObjectsJson() {
  const char* dir = std::getenv("IRONLB_SOURCE_DIR");
  std::ifstream in(std::string(dir != nullptr ? dir : ".") + "/test/nft/balanced_objects.json");
  if (!in)
    return nlohmann::json::array({nlohmann::json::array({0, "balanced_objects.json missing"})});
  return nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
}

nlohmann::json ForwardStatsRulesJson() {
  using J = nlohmann::json;
  auto match = [](J left, J right) {
    return J{{"match", {{"left", std::move(left)}, {"op", "=="}, {"right", std::move(right)}}}};
  };
  auto ct = [](const char* key) { return J{{"ct", {{"dir", "original"}, {"key", key}}}}; };
  auto meta = [](const char* key) { return J{{"meta", {{"key", key}}}}; };
  auto rule = [](J expr) {
    return J{{"rule",
              {{"chain", "fwd_stats"},
               {"expr", std::move(expr)},
               {"family", "inet"},
               {"table", "ironlb"}}}};
  };
  J rules = J::array();
  for (const char* fam : {"4", "6"}) {
    const std::string nf = std::string(fam) == "4" ? "ipv4" : "ipv6";
    const char* daddr = std::string(fam) == "4" ? "ip daddr" : "ip6 daddr";
    rules.push_back(
        rule(J::array({match(meta("nfproto"), nf),
                       match(J{{"concat", J::array({ct(daddr), meta("l4proto"), ct("proto-dst")})}},
                             absl::StrCat("@fwdstats", fam))})));
    for (const char* dir : {"original", "reply"}) {
      const char* ifkey = std::string(dir) == "original" ? "iifname" : "oifname";
      rules.push_back(rule(
          J::array({match(meta("nfproto"), nf), match(J{{"ct", {{"key", "direction"}}}}, dir),
                    match(J{{"concat", J::array({meta(ifkey), meta("l4proto"), ct("proto-dst")})}},
                          absl::StrCat("@fwdifstats", fam))})));
    }
  }
  return rules;
}

namespace {

void Normalise(nlohmann::json& j) {
  if (j.is_object()) {
    j.erase("handle");
    for (auto& [k, v] : j.items()) Normalise(v);
    if (j.contains("elem") && j["elem"].is_array()) {
      std::vector<std::string> dumped;
      for (auto& e : j["elem"]) dumped.push_back(e.dump());
      std::sort(dumped.begin(), dumped.end());
      nlohmann::json sorted = nlohmann::json::array();
      for (auto& d : dumped) sorted.push_back(nlohmann::json::parse(d));
      j["elem"] = sorted;
    }
  } else if (j.is_array()) {
    for (auto& v : j) Normalise(v);
  }
}

}  // namespace

absl::StatusOr<nlohmann::json> ListRuleset(const ScopedNetns& netns) {
  absl::StatusOr<std::string> out = Run(netns.Exec() + "nft -j list ruleset");
  if (!out.ok()) return out.status();
  nlohmann::json j = nlohmann::json::parse(*out, nullptr, false);
  if (j.is_discarded()) return absl::InternalError("nft -j printed invalid JSON: " + *out);
  Normalise(j);
  return j;
}

nlohmann::json TableObjects(const nlohmann::json& ruleset, const std::string& family,
                            const std::string& table) {
  nlohmann::json out = nlohmann::json::array();
  if (!ruleset.contains("nftables")) return out;
  for (const auto& item : ruleset["nftables"]) {
    for (const auto& [kind, obj] : item.items()) {
      if (kind == "metainfo") continue;
      const bool is_table = kind == "table";
      const std::string name = is_table ? obj.value("name", "") : obj.value("table", "");
      if (obj.value("family", "") == family && name == table) out.push_back(item);
    }
  }
  return out;
}

DesiredState SampleState(int forwards, int vips) {
  DesiredState s;
  for (int i = 0; i < vips; ++i) {
    ClampedVip c;
    const int hi = i / 250, lo = i % 250 + 1;
    c.vip = *IpAddress::Parse(absl::StrCat("10.", 100 + hi / 250, ".", hi % 250, ".", lo));
    if (i % 10 == 9) {
      c.pmtu = true;
    } else {
      c.mss = 1200 + static_cast<uint32_t>(i % 200);
    }
    s.clamped_vips.push_back(c);
    if (i % 50 == 0) {
      ClampedVip c6;
      c6.vip = *IpAddress::Parse(absl::StrCat("fd00:100::", i + 1));
      c6.mss = 1380;
      s.clamped_vips.push_back(c6);
    }
  }
  for (int i = 0; i < forwards; ++i) {
    PortForwardEntry f;
    f.name = absl::StrCat("fwd-", i);
    const int port = 1024 + i % 60000;
    f.protocol = i % 2 == 0 ? L4Protocol::kTcp : L4Protocol::kUdp;
    f.port = static_cast<uint16_t>(port);
    const int a = i / 60000;
    if (i % 100 == 7) {
      f.outside_address = *IpAddress::Parse(absl::StrCat("fd00:1::", a + 1));
      f.target_address = *IpAddress::Parse(absl::StrCat("fd00:2::", i % 200 + 1));
    } else if (i % 100 == 13) {
      f.outside_interface = "eth0";
      f.target_address = *IpAddress::Parse(absl::StrCat("10.2.", i % 200, ".", i % 250 + 1));
    } else {
      f.outside_address = *IpAddress::Parse(absl::StrCat("10.1.0.", a + 1));
      f.target_address = *IpAddress::Parse(absl::StrCat("10.2.", i % 200, ".", i % 250 + 1));
    }
    f.target_port = static_cast<uint16_t>(8000 + i % 1000);
    f.source_nat = i % 3 == 0;
    if (i % 9 == 0) {  // source NAT to a given address (an HA pair's floating one)
      f.source_nat_address = *IpAddress::Parse(f.target_address.is_v6() ? "fd00:3::1" : "10.3.0.1");
    }
    s.forwards.push_back(f);
  }
  s.guarded_tcp_ports = {50051, 50052};
  return s;
}

}  // namespace ironlb::nft::testing

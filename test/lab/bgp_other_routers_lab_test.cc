// Routers other than FRR receiving a weighted VIP (see weighted_ecmp_lab.h, the router's FRR left
// out): BIRD 2 on the router host and GoBGP on the client host, both eBGP peers of the two
// speakers, which announce a Local Service's VIP with the link-bandwidth extended community
// (endpoints 3:1, then 1:3). Each router accepts the route from both speakers and keeps the
// community as an attribute it does not act on: BIRD installs equal-cost multipath in the
// kernel, GoBGP holds both paths. No session is ever reset (no NOTIFICATION, no error): the
// speakers' FRR counts one established connection and none dropped per router, and each
// router's session is the same one before and after the community changed.
#include <csignal>
#include <optional>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "test/lab/weighted_ecmp_lab.h"
#include "test/support/status_matchers.h"

namespace ironlb::lab {
namespace {

using ::ironlb::testing::IsOk;
using Json = nlohmann::json;

constexpr uint32_t kGobgpAsn = 64514;
// The link-bandwidth community as BIRD shows it (a kind it has no name for): the speakers' AS,
// then the bandwidth as an IEEE float's bits. FRR sends N endpoints as N * 125,000 bytes/s (N
// Mbps): 375,000 = 0x48b71b00, 125,000 = 0x47f42400.
constexpr char kBirdLb3[] = "(unknown 0x4, 64512, 1219959552)";
constexpr char kBirdLb1[] = "(unknown 0x4, 64512, 1207182336)";

std::string GobgpAddress() { return absl::StrCat(Lab::kLanPrefix4, 2); }  // the client host

// BIRD on the router host: both speakers as eBGP neighbours (import all: BIRD 2 imports nothing
// from eBGP without a filter), merged multipath to the kernel.
std::unique_ptr<HostProcess> StartBird(const WeightedEcmpLab& l, std::string* socket) {
  const Lab& lab = l.lab();
  const std::string dir = lab.work_dir();
  *socket = dir + "/bird.ctl";
  std::string conf =
      absl::StrCat("router id ", lab.router()->ipv4, ";\n", "log \"", dir, "/bird.log\" all;\n",
                   "timeformat protocol iso long ms;\n", "protocol device {}\n",
                   "protocol kernel { merge paths on; ipv4 { import none; export all; }; }\n",
                   "template bgp speakers {\n  local as ", WeightedEcmpLab::kRouterAsn, ";\n",
                   "  hold time 9; keepalive time 3; connect retry time 1;\n",
                   "  ipv4 { import all; export none; };\n}\n");
  for (const Host& s : lab.speakers()) {
    absl::StrAppend(&conf, "protocol bgp ", s.name, " from speakers { neighbor ", s.ipv4, " as ",
                    WeightedEcmpLab::kSpeakerAsn, "; }\n");
  }
  WriteFile(dir + "/bird.conf", conf);
  auto bird = HostProcess::Start(
      {"bird", "-f", "-c", dir + "/bird.conf", "-s", *socket, "-P", dir + "/bird.pid"},
      lab.router()->netns, dir + "/bird.out");
  return bird.ok() ? std::move(*bird) : nullptr;
}

// GoBGP on the client host (a second router on the LAN); its gRPC API on the namespace's
// loopback only.
std::unique_ptr<HostProcess> StartGobgp(const WeightedEcmpLab& l) {
  const Lab& lab = l.lab();
  const std::string dir = lab.work_dir();
  std::string conf = absl::StrCat("[global.config]\n  as = ", kGobgpAsn, "\n  router-id = \"",
                                  GobgpAddress(), "\"\n");
  for (const Host& s : lab.speakers()) {
    absl::StrAppend(&conf, "[[neighbors]]\n  [neighbors.config]\n    neighbor-address = \"", s.ipv4,
                    "\"\n    peer-as = ", WeightedEcmpLab::kSpeakerAsn,
                    "\n  [neighbors.timers.config]\n    connect-retry = 1\n    hold-time = 9\n"
                    "    keepalive-interval = 3\n  [[neighbors.afi-safis]]\n"
                    "    [neighbors.afi-safis.config]\n      afi-safi-name = \"ipv4-unicast\"\n");
  }
  WriteFile(dir + "/gobgpd.toml", conf);
  auto gobgp = HostProcess::Start({"gobgpd", "-f", dir + "/gobgpd.toml", "-t", "toml", "-p",
                                   "--api-hosts", "127.0.0.1:50051", "--pprof-disable"},
                                  lab.client().netns, dir + "/gobgpd.log");
  return gobgp.ok() ? std::move(*gobgp) : nullptr;
}

std::string Birdc(const std::string& socket, const std::string& command) {
  auto r = RunCommand({"birdc", "-s", socket, command}, "", absl::Seconds(10));
  return r.ok() ? r->output : r.status().ToString();
}

// BIRD's paths to the VIP: speaker -> its BGP.ext_community line.
std::map<std::string, std::string> BirdPaths(const std::string& socket, std::string* raw) {
  *raw = Birdc(socket, absl::StrCat("show route all for ", WeightedEcmpLab::kVip, "/32"));
  std::map<std::string, std::string> out;
  std::string from;
  for (absl::string_view line : absl::StrSplit(*raw, '\n')) {
    const size_t at = line.find("unicast [");
    if (at != std::string::npos) {
      const size_t name = at + std::strlen("unicast [");
      from = std::string(line.substr(name, line.find(' ', name) - name));
      out[from];
    } else if (absl::StrContains(line, "BGP.ext_community:") && !from.empty()) {
      out[from] = std::string(absl::StripAsciiWhitespace(line));
    }
  }
  return out;
}

// A BIRD protocol's state line (`s0 BGP --- up <since> Established`): the since-time tells
// whether the session is still the same one.
std::string BirdProtocol(const std::string& socket, const std::string& name) {
  for (absl::string_view line : absl::StrSplit(Birdc(socket, "show protocols " + name), '\n')) {
    if (absl::StartsWith(line, name + " ")) return std::string(line);
  }
  return "";
}

// The since-time of such a line (local time, to the millisecond). BIRD works it out from its
// monotonic clock each time it prints it, so two prints of one session may differ by a
// millisecond (seen under stress-ng: .606 then .605); a new session is up since later.
std::optional<absl::Time> BirdSince(absl::string_view line) {
  std::vector<absl::string_view> f = absl::StrSplit(line, ' ', absl::SkipEmpty());
  if (f.size() < 6) return std::nullopt;
  absl::Time t;
  std::string err;
  if (!absl::ParseTime("%Y-%m-%d %H:%M:%E*S", absl::StrCat(f[4], " ", f[5]), absl::LocalTimeZone(),
                       &t, &err)) {
    return std::nullopt;
  }
  return t;
}

absl::StatusOr<Json> GobgpJson(const WeightedEcmpLab& l, const std::vector<std::string>& args) {
  std::vector<std::string> argv = {"gobgp", "-u", "127.0.0.1", "-p", "50051"};
  argv.insert(argv.end(), args.begin(), args.end());
  argv.push_back("-j");
  auto r = l.lab().Run(l.lab().client(), argv, absl::Seconds(10));
  if (!r.ok()) return r.status();
  Json j = Json::parse(r->output, nullptr, false);
  if (r->exit_code != 0 || j.is_discarded()) {
    return absl::InternalError(absl::StrCat("gobgp: ", r->output));
  }
  return j;
}

// GoBGP's paths to the VIP: speaker -> its extended communities (as GoBGP's JSON has them).
std::map<std::string, std::string> GobgpPaths(const WeightedEcmpLab& l, std::string* raw) {
  std::map<std::string, std::string> out;
  auto rib = GobgpJson(l, {"global", "rib", "-a", "ipv4"});
  *raw = rib.ok() ? rib->dump() : rib.status().ToString();
  if (!rib.ok()) return out;
  const std::string prefix = absl::StrCat(WeightedEcmpLab::kVip, "/32");
  if (!rib->contains(prefix)) return out;
  for (const Json& path : (*rib)[prefix]) {
    std::string from, ext;
    if (path.contains("source-id")) from = path["source-id"].get<std::string>();
    if (path.contains("neighbor-ip")) from = path["neighbor-ip"].get<std::string>();
    for (const Json& attr : path.value("attrs", Json::array())) {
      if (attr.value("type", 0) == 16) ext = attr.dump();  // EXTENDED_COMMUNITIES
    }
    for (const Host& s : l.lab().speakers()) {
      if (s.ipv4 == from) out[s.name] = ext;
    }
  }
  return out;
}

// GoBGP's session with a speaker: its state (6 = established), OPENs and NOTIFICATIONs
// received/sent, and the time it came up.
std::string GobgpSession(const WeightedEcmpLab& l, const Host& s) {
  auto n = GobgpJson(l, {"neighbor", s.ipv4});
  if (!n.ok()) return n.status().ToString();
  const Json& state = (*n)["state"];
  const Json& messages = state.value("messages", Json::object());
  auto count = [&](const char* dir, const char* kind) {
    return messages.value(dir, Json::object()).value(kind, 0);
  };
  return absl::StrCat("state ", state.value("session_state", 0), " open ",
                      count("received", "open"), "/", count("sent", "open"), " notification ",
                      count("received", "notification"), "/", count("sent", "notification"),
                      " up since ", (*n)["timers"]["state"].value("uptime", Json()).dump());
}

// Each speaker's FRR: per router address, (connections established, connections dropped).
std::map<std::string, std::pair<int, int>> SpeakerConnections(const WeightedEcmpLab& l, int i) {
  std::map<std::string, std::pair<int, int>> out;
  auto text = l.speaker_frr(i).Vtysh({"show bgp neighbors json"});
  if (!text.ok()) return out;
  const Json j = Json::parse(*text, nullptr, false);
  if (j.is_discarded()) return out;
  for (const auto& [address, n] : j.items()) {
    out[address] = {n.value("connectionsEstablished", -1), n.value("connectionsDropped", -1)};
  }
  return out;
}

// Polls (every 50 ms, at most 60 s) until `done`.
template <typename F>
bool WaitFor(F done) {
  const absl::Time start = absl::Now();
  while (absl::Now() - start < absl::Seconds(60)) {
    if (done()) return true;
    absl::SleepFor(absl::Milliseconds(50));
  }
  return false;
}

TEST(BgpOtherRoutersLabTest, BirdAndGobgpAcceptTheWeightedVipAndIgnoreItsLinkBandwidth) {
  auto started = WeightedEcmpLab::Start(
      IRONLB_SPEAKER_BINARY, {.router_frr = false, .more_peers = {{GobgpAddress(), kGobgpAsn}}});
  ASSERT_THAT(started, IsOk());
  WeightedEcmpLab& l = **started;
  std::string bird_socket;
  std::unique_ptr<HostProcess> bird = StartBird(l, &bird_socket);
  ASSERT_NE(bird, nullptr);
  std::unique_ptr<HostProcess> gobgp = StartGobgp(l);
  ASSERT_NE(gobgp, nullptr);
  l.SetEndpoints({{"s0", 3}, {"s1", 1}});

  // BIRD: both speakers' paths, each with its link bandwidth (s0's 3 endpoints, s1's 1) kept.
  std::string raw;
  std::map<std::string, std::string> paths;
  auto bird_has = [&](const char* s0_lb, const char* s1_lb) {
    return WaitFor([&] {
      paths = BirdPaths(bird_socket, &raw);
      return paths.size() == 2 && absl::StrContains(paths["s0"], s0_lb) &&
             absl::StrContains(paths["s1"], s1_lb);
    });
  };
  ASSERT_TRUE(bird_has(kBirdLb3, kBirdLb1))
      << raw << "\n"
      << ReadFile(l.lab().work_dir() + "/bird.log") << l.Diagnostics();
  std::printf("BIRD:\n%s\n", raw.c_str());
  // ... and ignores it: equal-cost multipath in the router's kernel.
  EXPECT_THAT(l.WaitForWeights({{"s0", 1}, {"s1", 1}}, absl::Seconds(60)), IsOk());

  // GoBGP: both paths, the community kept as an attribute.
  auto gobgp_has = [&](const std::string& s0_lb, const std::string& s1_lb) {
    return WaitFor([&] {
      paths = GobgpPaths(l, &raw);
      return paths.size() == 2 && absl::StrContains(paths["s0"], s0_lb) &&
             absl::StrContains(paths["s1"], s1_lb);
    });
  };
  ASSERT_TRUE(gobgp_has("\"bandwidth\":375000", "\"bandwidth\":125000"))
      << raw << "\n"
      << ReadFile(l.lab().work_dir() + "/gobgpd.log") << l.Diagnostics();
  std::printf("GoBGP:\n%s\n", raw.c_str());

  // The sessions as they are now, then the endpoints move (1:3): both routers take the new
  // communities on the same sessions.
  std::map<std::string, std::string> bird_before;
  std::map<std::string, std::string> gobgp_before;
  for (const Host& s : l.lab().speakers()) {
    bird_before[s.name] = BirdProtocol(bird_socket, s.name);
    EXPECT_THAT(bird_before[s.name], ::testing::HasSubstr("Established"));
    gobgp_before[s.name] = GobgpSession(l, s);
    EXPECT_THAT(gobgp_before[s.name], ::testing::StartsWith("state 6 open 1/1 notification 0/0"));
    std::printf("%s: BIRD %s; GoBGP %s\n", s.name.c_str(), bird_before[s.name].c_str(),
                gobgp_before[s.name].c_str());
  }
  const absl::Time change = absl::Now();
  l.SetEndpoints({{"s0", 1}, {"s1", 3}});
  EXPECT_TRUE(bird_has(kBirdLb1, kBirdLb3)) << raw;
  EXPECT_TRUE(gobgp_has("\"bandwidth\":125000", "\"bandwidth\":375000")) << raw;
  EXPECT_THAT(l.WaitForWeights({{"s0", 1}, {"s1", 1}}, absl::Seconds(60)), IsOk());
  for (const Host& s : l.lab().speakers()) {
    // BIRD: still established, and up since before the change (not a new session).
    const std::string bird_now = BirdProtocol(bird_socket, s.name);
    EXPECT_THAT(bird_now, ::testing::HasSubstr("Established"));
    const std::optional<absl::Time> since = BirdSince(bird_now);
    ASSERT_TRUE(since.has_value()) << bird_now;
    EXPECT_LT(*since, change) << "BIRD's session with " << s.name << " was " << bird_before[s.name]
                              << ", now " << bird_now;
    EXPECT_EQ(GobgpSession(l, s), gobgp_before[s.name]);
  }
  for (int i = 0; i < 2; ++i) {
    const auto conns = SpeakerConnections(l, i);
    for (const std::string& router : {l.lab().router()->ipv4, GobgpAddress()}) {
      ASSERT_TRUE(conns.count(router)) << l.lab().speaker(i).name << " " << router;
      EXPECT_EQ(conns.at(router), std::make_pair(1, 0))
          << l.lab().speaker(i).name << " to " << router << " (established, dropped)";
    }
  }
  // Neither router logged an error about these routes.
  const std::string bird_log = ReadFile(l.lab().work_dir() + "/bird.log");
  EXPECT_FALSE(absl::StrContains(bird_log, "Malformed")) << bird_log;
  EXPECT_FALSE(absl::StrContains(bird_log, "Error:")) << bird_log;
  const std::string gobgp_log = ReadFile(l.lab().work_dir() + "/gobgpd.log");
  EXPECT_FALSE(absl::StrContains(gobgp_log, "level=error")) << gobgp_log;
  EXPECT_FALSE(absl::StrContains(gobgp_log, "malformed")) << gobgp_log;
}

}  // namespace
}  // namespace ironlb::lab

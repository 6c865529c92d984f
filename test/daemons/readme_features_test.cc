// README's "What works today" table may name only what the code has: every backticked flag is
// a flag of ironlb-speaker, ironlb-controller or an ironlbctl command; every annotation is one
// the daemons read or write; every kind and field is one the configuration decoder knows;
// every `ironlbctl X` is a command; every path exists. A token of no known sort fails the test
// too, so that a new claim comes with a way to check it.
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>

#include "CLI/CLI.hpp"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "config/kinds.h"
#include "config/loader.h"
#include "controller/service.h"
#include "ctl/cli.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "speaker/kube/announcement_plan.h"
#include "speaker/mss_plan.h"
#include "speaker/router/port_forward_plan.h"
#include "test/support/shell.h"

namespace ironlb {
namespace {

namespace fs = std::filesystem;

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v == nullptr ? "" : v;
}

// The backticked tokens of the rows of README's "What works today" table.
std::vector<std::string> FeatureTableTokens() {
  std::ifstream in(fs::path(Env("IRONLB_SOURCE_DIR")) / "README.md");
  std::string line;
  bool inside = false;
  std::vector<std::string> out;
  static const std::regex kTicked("`([^`]+)`");
  while (std::getline(in, line)) {
    if (absl::StartsWith(line, "## ")) inside = line == "## What works today";
    if (!inside || !absl::StartsWith(line, "|")) continue;
    for (std::sregex_iterator it(line.begin(), line.end(), kTicked), end; it != end; ++it) {
      out.push_back((*it)[1].str());
    }
  }
  return out;
}

std::string Underscored(std::string flag) { return absl::StrReplaceAll(flag, {{"-", "_"}}); }

// Every flag of a daemon, from Abseil's --helpfull (names with underscores).
std::set<std::string> DaemonFlags(const std::string& binary) {
  int code = 0;
  const std::string text = testing::RunShell(
      absl::StrCat(Env("IRONLB_BINARY_DIR"), "/", binary, " --helpfull 2>&1"), &code);
  std::set<std::string> out;
  static const std::regex kFlag(R"(^\s+--([a-z0-9_]+) )");
  for (absl::string_view l : absl::StrSplit(text, '\n')) {
    std::smatch m;
    const std::string s(l);
    if (std::regex_search(s, m, kFlag)) out.insert(m[1].str());
  }
  return out;
}

// Every flag of every ironlbctl command.
std::set<std::string> CtlFlags() {
  std::set<std::string> out;
  for (const ctl::CommandSpec& spec : ctl::Commands()) {
    CLI::App app;
    (void)spec.define(app);
    for (const CLI::Option* o : app.get_options()) {
      for (const std::string& l : o->get_lnames()) out.insert(Underscored(l));
    }
  }
  return out;
}

std::set<std::string> Annotations() {
  std::set<std::string> out;
  for (const auto* list : {&controller::kAddressesAnnotations, &controller::kPoolAnnotations,
                           &controller::kSharingAnnotations}) {
    for (absl::string_view a : *list) out.insert(std::string(a));
  }
  out.insert(controller::kAllocatedFromPoolAnnotation);
  out.insert(std::string(speaker::kTcpMssAnnotation));
  out.insert(speaker::kForwardFromAnnotation);
  return out;
}

bool IsKind(const std::string& name) {
  for (const config::Kind& k : config::kKinds) {
    if (name == k.name) return true;
  }
  for (const config::Kind& k : config::kMetalLBKinds) {  // read as they are
    if (name == k.name) return true;
  }
  return false;
}

// Kinds ironlb writes rather than reads.
bool IsWrittenKind(const std::string& name) { return name == speaker::ServiceAnnouncements().kind; }

// Whether the decoder knows `spec.<field>` of `kind`: no "unknown field" warning for it.
bool KindHasField(const std::string& kind, const std::string& field) {
  config::ConfigReader reader;
  reader.AddYaml(absl::StrCat("apiVersion: ironlb.io/v1alpha1\nkind: ", kind,
                              "\nmetadata: {name: x}\nspec: {", field, ": null}\n"),
                 "probe.yaml");
  const config::LoadResult r = std::move(reader).Finish();
  for (const config::Diagnostic& d : r.diagnostics) {
    if (d.field == "spec." + field && absl::StrContains(d.message, "unknown field")) return false;
  }
  return true;
}

// Words of the Kubernetes API (or HTTP paths) the table uses as they are.
const std::set<std::string> kKubernetesTerms = {"Local",
                                                "Cluster",
                                                "externalTrafficPolicy: Local",
                                                "status.loadBalancer.ingress",
                                                "ipMode: VIP",
                                                "/metrics",
                                                ".deb",
                                                "NetworkUnavailable"};

// Words of other tools the table names as they are: FRR's bgpd statement, a value of
// PortForward's sessionAffinity, Debian packaging and the tools the packaging uses.
const std::set<std::string> kOtherToolsTerms = {
    "network", "ClientIP", "Depends:", "apt-get install",
    "kubectl", "promtool", "umoci",    "ironlb-frr"};

bool AnyKindHasField(const std::string& field) {
  for (const config::Kind& k : config::kKinds) {
    if (KindHasField(k.name, field)) return true;
  }
  return false;
}

TEST(ReadmeFeaturesTest, EveryNamedFlagAnnotationFieldAndCommandExists) {
  const std::vector<std::string> tokens = FeatureTableTokens();
  ASSERT_GT(tokens.size(), 10u) << "README's \"What works today\" table not found";
  std::set<std::string> flags = DaemonFlags("speaker/ironlb-speaker");
  ASSERT_TRUE(flags.count("config_dir")) << "ironlb-speaker --helpfull gave no flags";
  for (const std::string& f : DaemonFlags("controller/ironlb-controller")) flags.insert(f);
  for (const std::string& f : CtlFlags()) flags.insert(f);
  const std::set<std::string> annotations = Annotations();
  std::set<std::string> commands;
  for (const ctl::CommandSpec& c : ctl::Commands()) commands.insert(c.name);
  const std::map<std::string, std::string> binaries = {
      {"ironlb-speaker", "speaker/ironlb-speaker"},
      {"ironlb-controller", "controller/ironlb-controller"},
      {"ironlbctl", "ctl/ironlbctl"}};
  static const std::regex kAnnotation(R"(^[a-z0-9.-]+\.(io|tf)/[A-Za-z-]+$)");
  static const std::regex kKindField(R"(^([A-Z][A-Za-z0-9]*)\.([a-z][A-Za-z0-9]*)$)");
  static const std::regex kCamelField(R"(^[a-z]+[A-Z][A-Za-z0-9]*$)");
  static const std::regex kLowerWord(R"(^[a-z]+$)");

  for (const std::string& t : tokens) {
    SCOPED_TRACE(t);
    std::smatch m;
    if (absl::StartsWith(t, "ironlbctl ")) {
      const std::string command = std::vector<std::string>(absl::StrSplit(t, ' '))[1];
      EXPECT_TRUE(commands.count(command)) << "README names `" << t << "`: no such command";
    } else if (absl::StartsWith(t, "--")) {
      EXPECT_TRUE(flags.count(Underscored(t.substr(2))))
          << "README names the flag " << t << ", which no ironlb binary has";
    } else if (std::regex_match(t, kAnnotation)) {
      EXPECT_TRUE(annotations.count(t))
          << "README names the annotation " << t << ", which the daemons do not read or write";
    } else if (IsKind(t) || IsWrittenKind(t)) {
      // a configuration kind, or one the speaker writes
    } else if (t == config::kApiGroup || t == config::kMetalLBGroup) {
      // an API group whose kinds are read
    } else if (commands.count(t)) {
      // an ironlbctl command named alone
    } else if (std::regex_match(t, m, kKindField)) {
      EXPECT_TRUE(IsKind(m[1].str())) << "README names `" << t << "`: no kind " << m[1];
      EXPECT_TRUE(KindHasField(m[1].str(), m[2].str()))
          << "README names `" << t << "`: the configuration has no such field";
    } else if (std::regex_match(t, kCamelField)) {
      bool known = false;
      for (const config::Kind& k : config::kKinds) known = known || KindHasField(k.name, t);
      EXPECT_TRUE(known) << "README names the field " << t << ", which no kind has";
    } else if (binaries.count(t)) {
      EXPECT_TRUE(fs::exists(fs::path(Env("IRONLB_BINARY_DIR")) / binaries.at(t)));
    } else if (absl::EndsWith(t, ".service")) {
      EXPECT_TRUE(fs::exists(fs::path(Env("IRONLB_SOURCE_DIR")) / "packaging/systemd" / t))
          << "README names the unit " << t << ", which packaging/systemd/ does not have";
    } else if (t.find('/') != std::string::npos && t[0] != '/') {
      EXPECT_TRUE(fs::exists(fs::path(Env("IRONLB_SOURCE_DIR")) / t))
          << "README names the path " << t << ", which does not exist";
    } else if (std::regex_match(t, kLowerWord) && AnyKindHasField(t)) {
      // a one-word field (`interface`)
    } else if (kOtherToolsTerms.count(t)) {
      // another tool's word
    } else {
      EXPECT_TRUE(kKubernetesTerms.count(t))
          << "README names `" << t << "`, which this test cannot check: make it a flag, "
          << "annotation, kind, field, command or path, or add a rule here";
    }
  }
}

// The checks can fail: a made-up flag, annotation, field and command are all refused.
TEST(ReadmeFeaturesTest, TheChecksRefuseWhatDoesNotExist) {
  EXPECT_FALSE(KindHasField("BGPPeer", "colour"));
  EXPECT_TRUE(KindHasField("BGPPeer", "vrf"));
  EXPECT_FALSE(Annotations().count("ironlb.io/colour"));
  EXPECT_TRUE(Annotations().count("ironlb.io/pool"));
  EXPECT_FALSE(CtlFlags().count("colour"));
  EXPECT_TRUE(CtlFlags().count("standalone"));
  EXPECT_FALSE(DaemonFlags("speaker/ironlb-speaker").count("colour"));
}

}  // namespace
}  // namespace ironlb

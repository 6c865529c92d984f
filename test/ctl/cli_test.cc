// ironlbctl's command line: each command takes its own flags and refuses the others' with its
// usage; the spellings operators already use (--config_dir, -ojson, flags before the command)
// keep working; help is per command and names every flag the parser knows.
#include "ctl/cli.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace ironlb::ctl {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

constexpr char kConfig[] = R"(apiVersion: ironlb.io/v1alpha1
kind: AddressPool
metadata: {name: lan}
spec: {addresses: [192.0.2.10-192.0.2.20]}
)";

constexpr char kServices[] = R"(apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec: {type: LoadBalancer, ports: [{port: 80}]}
)";

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / absl::StrCat("ironlbctl-cli-test-", getpid());
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "cfg");
    std::ofstream(dir_ / "cfg" / "pools.yaml") << kConfig;
    std::ofstream(dir_ / "services.yaml") << kServices;
    std::ofstream(dir_ / "more.yaml") << absl::StrReplaceAll(kServices, {{"web", "api"}});
  }
  void TearDown() override { fs::remove_all(dir_); }

  int Run(const std::vector<std::string>& args) {
    out_.str("");
    err_.str("");
    return RunCli(args, out_, err_);
  }
  std::string cfg() const { return (dir_ / "cfg").string(); }
  std::string services() const { return (dir_ / "services.yaml").string(); }
  std::string more() const { return (dir_ / "more.yaml").string(); }

  fs::path dir_;
  std::ostringstream out_;
  std::ostringstream err_;
};

TEST_F(CliTest, AFlagOfAnotherCommandIsRefusedWithThisCommandsUsage) {
  EXPECT_EQ(Run({"validate", "--config-dir", cfg(), "--nodes", "a,b"}), 2);
  EXPECT_THAT(err_.str(), StartsWith("ironlbctl validate: \"--nodes"));
  EXPECT_THAT(err_.str(), HasSubstr("not a flag or argument of ironlbctl validate"));
  EXPECT_THAT(err_.str(), HasSubstr("Usage: ironlbctl validate --config-dir DIR"));
  EXPECT_THAT(err_.str(), Not(HasSubstr("--standalone")));  // plan's, not validate's
  EXPECT_EQ(out_.str(), "");

  EXPECT_EQ(Run({"status", "--config-dir", cfg()}), 2);
  EXPECT_THAT(err_.str(), HasSubstr("Usage: ironlbctl status"));
  EXPECT_EQ(Run({"plan", "--config-dir", cfg(), "--services", services(), "--nodes", "x"}), 2);
  EXPECT_THAT(err_.str(), HasSubstr("Usage: ironlbctl plan"));
  EXPECT_EQ(Run({"explain", "shop/web", "--config-dir", cfg(), "--standalone"}), 2);
  EXPECT_THAT(err_.str(), HasSubstr("Usage: ironlbctl explain"));
  // Unknown flags and stray arguments too.
  EXPECT_EQ(Run({"validate", "--config-dir", cfg(), "--colour"}), 2);
  EXPECT_EQ(Run({"validate", "--config-dir", cfg(), "extra"}), 2);
  EXPECT_THAT(err_.str(), HasSubstr("\"extra\": not a flag or argument"));
  EXPECT_EQ(Run({"explain", "shop/web", "shop/other", "--config-dir", cfg()}), 2);
}

TEST_F(CliTest, ExistingSpellingsKeepWorking) {
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {"validate", "--config-dir", cfg(), "-o", "json"},
           {"validate", "--config_dir", cfg(), "--output", "json"},
           {"validate", "--config-dir=" + cfg(), "--output=json"},
           {"validate", "-config_dir", cfg(), "-ojson"},
           {"--config-dir", cfg(), "-o", "json", "validate"},  // flags before the command
       }) {
    EXPECT_EQ(Run(args), 0) << args[1] << ": " << err_.str();
    EXPECT_TRUE(nlohmann::json::parse(out_.str())["valid"]) << out_.str();
  }
  // plan: --services with several paths, positional paths, --standalone, the class flag.
  ASSERT_EQ(Run({"plan", "--config-dir", cfg(), "--services", services(), more(), "-o", "json",
                 "--standalone", "--load-balancer-class", "other"}),
            0)
      << err_.str();
  EXPECT_THAT(out_.str(), HasSubstr(R"("status":"ignored")"));
  ASSERT_EQ(Run({"plan", "--config_dir", cfg(), services(), "--load_balancer_class=", "-ojson"}), 0)
      << err_.str();
  EXPECT_THAT(out_.str(), HasSubstr(R"("addresses":["192.0.2.10"])"));
  ASSERT_EQ(Run({"plan", "--config-dir", cfg(), "--services=" + services(), "--standalone=true",
                 "-o", "json"}),
            0)
      << err_.str();
}

TEST_F(CliTest, HelpIsPerCommandAndNamesEveryFlagTheParserKnows) {
  EXPECT_EQ(Run({"--help"}), 0);
  EXPECT_THAT(out_.str(), StartsWith("ironlbctl checks and explains ironlb"));
  for (const CommandSpec& c : Commands()) {
    EXPECT_THAT(out_.str(), HasSubstr(absl::StrCat("  ", c.name, " "))) << c.name;
  }
  EXPECT_EQ(Run({"plan", "--help"}), 0);
  EXPECT_THAT(out_.str(), StartsWith("Usage: ironlbctl plan --config-dir DIR --services PATH..."));
  for (const char* flag : {"--config-dir DIR", "--services PATH...", "--standalone",
                           "--load-balancer-class CLASS", "-o, --output FMT", "Exit status"}) {
    EXPECT_THAT(out_.str(), HasSubstr(flag)) << flag;
  }
  EXPECT_THAT(out_.str(), Not(HasSubstr("--nodes")));
  EXPECT_EQ(Run({"help", "explain"}), 0);
  EXPECT_THAT(out_.str(), StartsWith("Usage: ironlbctl explain NAMESPACE/NAME --kubeconfig FILE"));
  for (const char* flag : {"--kubeconfig FILE", "--context NAME", "--nodes LIST",
                           "--status-socket PATH", "NAMESPACE/NAME"}) {
    EXPECT_THAT(out_.str(), HasSubstr(flag)) << flag;
  }
  // Help wins over anything else on the line, even a flag the command does not have.
  EXPECT_EQ(Run({"validate", "--nodes", "x", "-h"}), 0);
  EXPECT_THAT(out_.str(), StartsWith("Usage: ironlbctl validate"));
}

TEST_F(CliTest, UnknownOrMissingCommand) {
  EXPECT_EQ(Run({}), 2);
  EXPECT_THAT(err_.str(), HasSubstr("Commands:"));
  EXPECT_EQ(Run({"frobnicate"}), 2);
  EXPECT_THAT(err_.str(), HasSubstr("no command named \"frobnicate\""));
  EXPECT_EQ(Run({"help", "frobnicate"}), 2);
  // A command's own usage error (a required flag missing) ends with its usage too.
  EXPECT_EQ(Run({"validate"}), 2);
  EXPECT_THAT(err_.str(), HasSubstr("--config-dir is required"));
  EXPECT_THAT(err_.str(), HasSubstr("Usage: ironlbctl validate"));
}

}  // namespace
}  // namespace ironlb::ctl

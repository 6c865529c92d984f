// BGPPeer passwordSecret: the passwords read into the desired state, a peer with an unreadable
// Secret left out (and named) while the others go on; the standalone reader (files) and the
// Kubernetes reader (against the fake API server).
#include "speaker/bgp/peer_secrets.h"

#include <filesystem>
#include <fstream>

#include "config/loader.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "speaker/bgp/bgp_plan.h"
#include "speaker/kube/kube_secret_reader.h"
#include "test/kube/fake_api_server.h"
#include "test/kube/kube_test_util.h"

namespace ironlb::speaker {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::SizeIs;

class MapReader : public SecretReader {
 public:
  std::map<std::string, std::string> values;  // "ns/name/key" -> value
  absl::StatusOr<std::string> Read(const config::SecretRef& ref) override {
    auto it = values.find(ref.namespace_ + "/" + ref.name + "/" + ref.key);
    if (it == values.end()) return absl::NotFoundError("no such Secret");
    return it->second;
  }
};

bgp::DesiredState TwoPeers() {
  bgp::DesiredState d;
  for (const char* name : {"good", "bad"}) {
    d.peers.push_back(
        {.name = name,
         .my_asn = 64512,
         .peer_asn = 64500,
         .address = *IpAddress::Parse(std::string(name) == "good" ? "10.0.0.1" : "10.0.0.2"),
         .password_secret =
             config::SecretRef{.name = std::string(name) + "-pw", .namespace_ = "ironlb-system"}});
  }
  d.peers.push_back({.name = "plain",
                     .my_asn = 64512,
                     .peer_asn = 64500,
                     .address = *IpAddress::Parse("10.0.0.3"),
                     .password = "written"});
  bgp::Announcement a{.prefix = bgp::PrefixOf(*IpAddress::Parse("192.0.2.1"), 32)};
  for (const char* p : {"good", "bad", "plain"}) bgp::MergeAttributes(a, p, {});
  bgp::Announcement only_bad{.prefix = bgp::PrefixOf(*IpAddress::Parse("192.0.2.2"), 32)};
  bgp::MergeAttributes(only_bad, "bad", {});
  d.announcements = {a, only_bad};
  return d;
}

TEST(PeerSecretsTest, PasswordsAreReadAndAnUnreadableSecretLeavesOnlyItsPeerOut) {
  MapReader reader;
  reader.values["ironlb-system/good-pw/password"] = "s3cret";
  bgp::DesiredState d = TwoPeers();
  ASSERT_TRUE(UsesPasswordSecrets(d));
  const auto problems = ResolvePeerPasswords(d, reader);
  ASSERT_THAT(problems, SizeIs(1));
  EXPECT_EQ(problems[0].peer, "bad");
  EXPECT_THAT(problems[0].message,
              HasSubstr("BGPPeer \"bad\" spec.passwordSecret (Secret ironlb-system/bad-pw, key "
                        "password): no such Secret; this session is not configured"));
  ASSERT_THAT(d.peers, SizeIs(2));
  EXPECT_EQ(d.peers[0].name, "good");
  EXPECT_EQ(d.peers[0].password, "s3cret");
  EXPECT_EQ(d.peers[1].name, "plain");
  EXPECT_EQ(d.peers[1].password, "written");
  // The bad peer's announcements go with it; a prefix only it had is gone.
  ASSERT_THAT(d.announcements, SizeIs(1));
  EXPECT_EQ(d.announcements[0].peers.count("bad"), 0u);
  EXPECT_EQ(d.announcements[0].peers.size(), 2u);
  EXPECT_TRUE(bgp::ValidateDesiredState(d).ok()) << bgp::ValidateDesiredState(d);
}

TEST(PeerSecretsTest, PasswordsFrrWouldRefuseAreNamed) {
  MapReader reader;
  reader.values["ironlb-system/good-pw/password"] = "two words";
  reader.values["ironlb-system/bad-pw/password"] = std::string(81, 'x');
  bgp::DesiredState d = TwoPeers();
  const auto problems = ResolvePeerPasswords(d, reader);
  ASSERT_THAT(problems, SizeIs(2));
  EXPECT_THAT(problems[0].message, HasSubstr("white space"));
  EXPECT_THAT(problems[1].message, HasSubstr("at most 80 characters"));
  EXPECT_THAT(d.peers, SizeIs(1));
}

// The Warning Event about an unreadable Secret names the BGPPeer the user wrote: a MetalLB one
// as metallb.io/v1beta2 in its own namespace, an ironlb one as ironlb.io/v1alpha1.
TEST(PeerSecretsTest, TheEventNamesTheBgpPeerAsTheUserWroteIt) {
  config::ConfigReader reader;
  for (const auto& [api, ns, name, address] :
       {std::tuple{"metallb.io/v1beta2", "metallb-system", "mlb", "10.0.0.1"},
        std::tuple{"ironlb.io/v1alpha1", "ironlb-system", "ilb", "10.0.0.2"}}) {
    reader.AddJson({{"apiVersion", api},
                    {"kind", "BGPPeer"},
                    {"metadata", {{"namespace", ns}, {"name", name}}},
                    {"spec",
                     {{"myASN", 64512},
                      {"peerASN", 64500},
                      {"peerAddress", address},
                      {"passwordSecret", {{"name", "missing"}}}}}});
  }
  const config::LoadResult loaded = std::move(reader).Finish();
  ASSERT_TRUE(loaded.ok()) << loaded.diagnostics.size();
  bgp::DesiredState d = PlanBgp(loaded.config, {}, BgpNode{.name = "n1"});
  ASSERT_THAT(d.peers, SizeIs(2));
  MapReader none;
  const auto problems = ResolvePeerPasswords(d, none);
  ASSERT_THAT(problems, SizeIs(2));
  std::map<std::string, nlohmann::json> events;
  for (const PeerSecretProblem& p : problems) {
    events[p.peer] = PeerSecretEventObject(p, "ironlb-system");
  }
  EXPECT_EQ(events["mlb"],
            nlohmann::json({{"apiVersion", "metallb.io/v1beta2"},
                            {"kind", "BGPPeer"},
                            {"metadata", {{"namespace", "metallb-system"}, {"name", "mlb"}}}}));
  EXPECT_EQ(events["ilb"],
            nlohmann::json({{"apiVersion", "ironlb.io/v1alpha1"},
                            {"kind", "BGPPeer"},
                            {"metadata", {{"namespace", "ironlb-system"}, {"name", "ilb"}}}}));
  // A peer of a standalone config directory (no namespace) is put in the speaker's.
  EXPECT_EQ(PeerSecretEventObject({.peer = "p"}, "ironlb-system")["metadata"]["namespace"],
            "ironlb-system");
}

TEST(PeerSecretsTest, AnUnreachableApiKeepsTheLastPasswordAMissingSecretDoesNot) {
  class Flaky : public SecretReader {
   public:
    absl::StatusOr<std::string> value = std::string("first");
    absl::StatusOr<std::string> Read(const config::SecretRef&) override { return value; }
  };
  auto flaky = std::make_shared<Flaky>();
  LastGoodSecretReader reader(flaky);
  const config::SecretRef ref{.name = "bgp", .namespace_ = "ironlb-system"};
  EXPECT_THAT(reader.Read(ref).status(), ::testing::Eq(absl::OkStatus()));
  flaky->value = absl::UnavailableError("connection refused");
  auto kept = reader.Read(ref);
  ASSERT_TRUE(kept.ok()) << kept.status();
  EXPECT_EQ(*kept, "first");
  flaky->value = absl::NotFoundError("Secret ironlb-system/bgp does not exist");
  EXPECT_FALSE(reader.Read(ref).ok());
  flaky->value = absl::UnavailableError("connection refused");
  EXPECT_FALSE(reader.Read(ref).ok());  // nothing good left to fall back on
}

TEST(PeerSecretsTest, StandaloneReadsTheFileOfTheSecretsKey) {
  kube::testing::TempDir dir;
  std::filesystem::create_directories(dir.path() + "/router-pw");
  std::ofstream(dir.path() + "/router-pw/password") << "from-a-file\n";
  DirectorySecretReader reader(dir.path());
  EXPECT_EQ(*reader.Read({.name = "router-pw"}), "from-a-file");
  auto missing = reader.Read({.name = "router-pw", .key = "other"});
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(missing.status().message(), HasSubstr("router-pw/other"));
  EXPECT_THAT(missing.status().message(), HasSubstr("--bgp-secrets-dir"));
  EXPECT_FALSE(reader.Read({.name = "../etc"}).ok());
}

TEST(PeerSecretsTest, KubernetesReadsTheSecretFromTheApi) {
  auto server = kube::testing::FakeApiServer::Start();
  ASSERT_TRUE(server.ok()) << server.status();
  (*server)->Put("v1/secrets", {{"apiVersion", "v1"},
                                {"kind", "Secret"},
                                {"type", "kubernetes.io/basic-auth"},
                                {"metadata", {{"namespace", "ironlb-system"}, {"name", "bgp"}}},
                                {"data", {{"password", "czNjcmV0"}, {"odd", "%%%"}}}});
  auto client = kube::testing::ClientFor(**server);
  ASSERT_NE(client, nullptr);
  KubeSecretReader reader(client.get());
  EXPECT_EQ(*reader.Read({.name = "bgp", .namespace_ = "ironlb-system"}), "s3cret");
  auto none = reader.Read({.name = "nope", .namespace_ = "ironlb-system"});
  ASSERT_FALSE(none.ok());
  EXPECT_THAT(none.status().message(), HasSubstr("Secret ironlb-system/nope does not exist"));
  auto key = reader.Read({.name = "bgp", .namespace_ = "ironlb-system", .key = "user"});
  ASSERT_FALSE(key.ok());
  EXPECT_THAT(key.status().message(), HasSubstr("has no key \"user\""));
  auto odd = reader.Read({.name = "bgp", .namespace_ = "ironlb-system", .key = "odd"});
  ASSERT_FALSE(odd.ok());
  EXPECT_THAT(odd.status().message(), HasSubstr("data.odd is not base64"));
}

}  // namespace
}  // namespace ironlb::speaker

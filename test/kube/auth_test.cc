// Authentication for real: kubeconfig parsing (a table of good and bad files with the errors
// they must give), client certificates and CAs over TLS with a throwaway PKI, bearer tokens
// checked by the server, and in-cluster token rotation.
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kube/client.h"
#include "kube/client_config.h"
#include "kube/client_flags.h"
#include "test/kube/fake_api_server.h"
#include "test/kube/kube_test_util.h"
#include "test/support/status_matchers.h"

namespace ironlb::kube::testing {
namespace {

using ::ironlb::testing::IsOk;
using ::ironlb::testing::StatusIs;

constexpr char kGood[] = R"(apiVersion: v1
kind: Config
current-context: admin@lab
contexts:
- name: admin@lab
  context: {cluster: lab, user: admin, namespace: ironlb-system}
- name: viewer@lab
  context: {cluster: lab, user: viewer}
clusters:
- name: lab
  cluster:
    server: https://10.0.0.1:6443/
    certificate-authority-data: Q0EtUEVN
users:
- name: admin
  user:
    client-certificate-data: Q0VSVA==
    client-key-data: S0VZ
- name: viewer
  user:
    token: abc.def
)";

TEST(KubeconfigTest, ParsesCurrentContextAndOverride) {
  auto config = ParseKubeconfig(kGood, "/etc/k.yaml", "");
  ASSERT_THAT(config, IsOk());
  EXPECT_EQ(config->server, "https://10.0.0.1:6443");
  EXPECT_EQ(config->ca_pem, "CA-PEM");
  EXPECT_EQ(config->client_cert_pem, "CERT");
  EXPECT_EQ(config->client_key_pem, "KEY");
  EXPECT_EQ(config->token, "");
  EXPECT_EQ(config->default_namespace, "ironlb-system");
  EXPECT_FALSE(config->insecure_skip_tls_verify);

  auto viewer = ParseKubeconfig(kGood, "/etc/k.yaml", "viewer@lab");
  ASSERT_THAT(viewer, IsOk());
  EXPECT_EQ(viewer->token, "abc.def");
  EXPECT_EQ(viewer->client_cert_pem, "");
  EXPECT_EQ(viewer->default_namespace, "default");
  EXPECT_EQ(viewer->origin, "kubeconfig /etc/k.yaml context viewer@lab");
}

TEST(KubeconfigTest, ReadsFilesRelativeToTheKubeconfig) {
  TempDir dir;
  dir.Write("ca.crt", "FILE-CA");
  dir.Write("token", "tok\n");
  const std::string text = absl::StrReplaceAll(
      kGood, {{"certificate-authority-data: Q0EtUEVN", "certificate-authority: ca.crt"},
              {"token: abc.def", "tokenFile: token"}});
  auto config = ParseKubeconfig(text, dir.File("config"), "viewer@lab");
  ASSERT_THAT(config, IsOk());
  EXPECT_EQ(config->ca_pem, "FILE-CA");
  EXPECT_EQ(config->token_file, dir.File("token"));
}

struct BadCase {
  const char* name;
  std::vector<std::pair<std::string, std::string>> edits;  // replacements in kGood
  const char* context;
  const char* error;
};

class BadKubeconfigTest : public ::testing::TestWithParam<BadCase> {};

TEST_P(BadKubeconfigTest, NamesTheField) {
  const BadCase& c = GetParam();
  std::string text = kGood;
  for (const auto& [from, to] : c.edits) {
    ASSERT_NE(text.find(from), std::string::npos) << from;
    text = absl::StrReplaceAll(text, {{from, to}});
  }
  EXPECT_THAT(ParseKubeconfig(text, "k.yaml", c.context),
              StatusIs(absl::StatusCode::kInvalidArgument, c.error));
}

INSTANTIATE_TEST_SUITE_P(
    Table, BadKubeconfigTest,
    ::testing::Values(
        BadCase{"NoCurrentContext",
                {{"current-context: admin@lab\n", ""}},
                "",
                "kubeconfig k.yaml: current-context: missing"},
        BadCase{"UnknownContext",
                {},
                "nope",
                "kubeconfig k.yaml: --context: no entry named \"nope\" in contexts"},
        BadCase{"CurrentContextNotListed",
                {{"current-context: admin@lab", "current-context: x"}},
                "",
                "kubeconfig k.yaml: current-context: no entry named \"x\" in contexts"},
        BadCase{"UnknownCluster",
                {{"cluster: lab, user: admin", "cluster: prod, user: admin"}},
                "",
                "contexts[0].context.cluster: no entry named \"prod\" in clusters"},
        BadCase{"UnknownUser",
                {{"user: admin, namespace", "user: root, namespace"}},
                "",
                "contexts[0].context.user: no entry named \"root\" in users"},
        BadCase{"MissingServer",
                {{"    server: https://10.0.0.1:6443/\n", ""}},
                "",
                "clusters[0].cluster.server: missing"},
        BadCase{"ServerNotUrl",
                {{"https://10.0.0.1:6443/", "10.0.0.1:6443"}},
                "",
                "clusters[0].cluster.server: \"10.0.0.1:6443\" is not an http:// or https:// URL"},
        BadCase{"BadCaBase64",
                {{"Q0EtUEVN", "'%%%'"}},
                "",
                "clusters[0].cluster.certificate-authority-data: not valid base64"},
        BadCase{"MissingCaFile",
                {{"certificate-authority-data: Q0EtUEVN",
                  "certificate-authority: /nonexistent/ca.crt"}},
                "",
                "clusters[0].cluster.certificate-authority: file /nonexistent/ca.crt"},
        BadCase{
            "InsecureNotBool",
            {{"    certificate-authority-data: Q0EtUEVN", "    insecure-skip-tls-verify: maybe"}},
            "",
            "clusters[0].cluster.insecure-skip-tls-verify: must be true or false"},
        BadCase{"BadKeyBase64",
                {{"client-key-data: S0VZ", "client-key-data: '!!'"}},
                "",
                "users[0].user.client-key-data: not valid base64"},
        BadCase{"CertWithoutKey",
                {{"    client-key-data: S0VZ\n", ""}},
                "",
                "users[0].user: client-certificate given without client-key"},
        BadCase{"ExecPlugin",
                {{"token: abc.def", "exec: {command: aws}"}},
                "viewer@lab",
                "users[1].user.exec: not supported"},
        BadCase{"TokenNotString",
                {{"token: abc.def", "token: [1]"}},
                "viewer@lab",
                "users[1].user.token: must be a string"},
        BadCase{"ClustersNotList",
                {{"clusters:\n- name: lab\n  cluster:\n", "clusters: 3\nx:\n  y:\n"}},
                "",
                "kubeconfig k.yaml: clusters: must be a list"},
        BadCase{"NotYaml", {{"kind: Config", "kind: [Config"}}, "", "kubeconfig k.yaml"},
        BadCase{"EntryWithoutName",
                {{"- name: viewer\n  user:", "- user:"}},
                "viewer@lab",
                "users[1].name: missing"}),
    [](const ::testing::TestParamInfo<BadCase>& info) { return std::string(info.param.name); });

TEST(KubeconfigTest, EndlessFileIsAnErrorNotAHang) {
  const std::string text = absl::StrReplaceAll(
      kGood, {{"certificate-authority-data: Q0EtUEVN", "certificate-authority: /dev/zero"}});
  EXPECT_THAT(ParseKubeconfig(text, "k.yaml", ""),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "clusters[0].cluster.certificate-authority: file /dev/zero: larger than"));
}

TEST(KubeconfigTest, MissingFileIsNamed) {
  EXPECT_THAT(LoadKubeconfig("/nonexistent/kubeconfig", ""),
              StatusIs(absl::StatusCode::kNotFound, "kubeconfig /nonexistent/kubeconfig"));
}

TEST(InClusterTest, NeedsTheServiceEnvironmentAndToken) {
  TempDir dir;
  InClusterEnvironment env{.host = "", .port = "443"};
  EXPECT_THAT(InClusterConfig(env),
              StatusIs(absl::StatusCode::kFailedPrecondition, "KUBERNETES_SERVICE_HOST"));
  env.host = "fd00::1";
  env.token_file = dir.File("token");
  env.ca_file = dir.File("ca.crt");
  env.namespace_file = dir.File("namespace");
  EXPECT_THAT(InClusterConfig(env), StatusIs(absl::StatusCode::kNotFound,
                                             "in-cluster config: token " + dir.File("token")));
  dir.Write("token", "t1");
  dir.Write("ca.crt", "CA");
  dir.Write("namespace", "ironlb-system\n");
  auto config = InClusterConfig(env);
  ASSERT_THAT(config, IsOk());
  EXPECT_EQ(config->server, "https://[fd00::1]:443");
  EXPECT_EQ(config->default_namespace, "ironlb-system");
  EXPECT_EQ(config->ca_pem, "CA");
}

TEST(ClientFlagsTest, KubeconfigFlagThenEnvironmentThenInCluster) {
  TempDir dir;
  dir.Write("a.yaml", kGood);
  dir.Write("token", "t");
  dir.Write("ca.crt", "CA");
  const InClusterEnvironment pod{.host = "10.96.0.1",
                                 .port = "443",
                                 .token_file = dir.File("token"),
                                 .ca_file = dir.File("ca.crt"),
                                 .namespace_file = dir.File("namespace")};
  absl::SetFlag(&FLAGS_kubeconfig, dir.File("a.yaml"));
  absl::SetFlag(&FLAGS_context, "viewer@lab");
  auto flagged = ClientConfigFromFlags("/elsewhere", pod);
  ASSERT_THAT(flagged, IsOk());
  EXPECT_EQ(flagged->token, "abc.def");

  absl::SetFlag(&FLAGS_kubeconfig, "");
  absl::SetFlag(&FLAGS_context, "");
  auto from_env = ClientConfigFromFlags(dir.File("a.yaml") + ":/second", pod);
  ASSERT_THAT(from_env, IsOk());
  EXPECT_EQ(from_env->server, "https://10.0.0.1:6443");

  // Empty entries are skipped, as kubectl does; a $KUBECONFIG of only separators names no file.
  auto skipping = ClientConfigFromFlags("::" + dir.File("a.yaml"), pod);
  ASSERT_THAT(skipping, IsOk());
  EXPECT_EQ(skipping->server, "https://10.0.0.1:6443");
  EXPECT_EQ(FirstKubeconfigPath(":"), "");
  EXPECT_EQ(FirstKubeconfigPath(""), "");
  EXPECT_EQ(FirstKubeconfigPath(":a:b"), "a");
  auto only_colons = ClientConfigFromFlags(":", pod);
  ASSERT_THAT(only_colons, IsOk());
  EXPECT_EQ(only_colons->server, "https://10.96.0.1:443");
  EXPECT_THAT(ClientConfigFromFlags(":", InClusterEnvironment{}),
              StatusIs(absl::StatusCode::kFailedPrecondition, "pass --kubeconfig"));

  auto in_pod = ClientConfigFromFlags("", pod);
  ASSERT_THAT(in_pod, IsOk());
  EXPECT_EQ(in_pod->server, "https://10.96.0.1:443");
  EXPECT_EQ(in_pod->token_file, dir.File("token"));

  EXPECT_THAT(ClientConfigFromFlags("", InClusterEnvironment{}),
              StatusIs(absl::StatusCode::kFailedPrecondition, "pass --kubeconfig"));
  absl::SetFlag(&FLAGS_context, "x");
  EXPECT_THAT(ClientConfigFromFlags("", pod),
              StatusIs(absl::StatusCode::kInvalidArgument, "--context: needs a kubeconfig"));
  absl::SetFlag(&FLAGS_context, "");
}

// A real TLS server with a CA, server and client certificates made for this test.
class TlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(MakeTestPki(dir_.path())) << ReadAll(dir_.File("openssl.log"));
  }
  std::unique_ptr<FakeApiServer> StartServer(bool require_client_cert) {
    FakeApiServer::Options options;
    options.cert_file = dir_.File("server.crt");
    options.key_file = dir_.File("server.key");
    if (require_client_cert) options.client_ca_file = dir_.File("ca.crt");
    auto server = FakeApiServer::Start(options);
    EXPECT_THAT(server, IsOk());
    return server.ok() ? *std::move(server) : nullptr;
  }
  std::string Kubeconfig(const std::string& server, const std::string& user) {
    return absl::StrCat("apiVersion: v1\nkind: Config\ncurrent-context: c\n",
                        "contexts: [{name: c, context: {cluster: k, user: u}}]\n",
                        "clusters: [{name: k, cluster: {server: '", server,
                        "', certificate-authority: ca.crt}}]\n", "users: [{name: u, user: ", user,
                        "}]\n");
  }
  TempDir dir_;
};

TEST_F(TlsTest, ClientCertificateFromKubeconfigAuthenticates) {
  auto server = StartServer(/*require_client_cert=*/true);
  ASSERT_NE(server, nullptr);
  const std::string cert = absl::Base64Escape(ReadAll(dir_.File("client.crt")));
  dir_.Write("config", Kubeconfig(server->url(), absl::StrCat("{client-certificate-data: ", cert,
                                                              ", client-key: client.key}")));
  auto config = LoadKubeconfig(dir_.File("config"), "");
  ASSERT_THAT(config, IsOk());
  auto client = Client::Create(*config, {.request_timeout = absl::Seconds(5)});
  ASSERT_THAT(client, IsOk());
  auto list = (*client)->List(Resource::Services(), "", {});
  ASSERT_THAT(list, IsOk());
  EXPECT_TRUE(list->items.empty());

  // Without a client certificate the server refuses the TLS handshake.
  dir_.Write("config", Kubeconfig(server->url(), "{}"));
  auto anonymous = Client::Create(*LoadKubeconfig(dir_.File("config"), ""), {});
  ASSERT_THAT(anonymous, IsOk());
  EXPECT_THAT((*anonymous)->List(Resource::Services(), "", {}),
              StatusIs(absl::StatusCode::kUnavailable, "GET /api/v1/services"));
}

TEST_F(TlsTest, ServerSignedByAnotherCaIsRejectedUnlessInsecure) {
  auto server = StartServer(/*require_client_cert=*/false);
  ASSERT_NE(server, nullptr);
  ClientConfig config{.server = server->url(), .ca_pem = ReadAll(dir_.File("other-ca.crt"))};
  auto client = Client::Create(config, {.request_timeout = absl::Seconds(5)});
  ASSERT_THAT(client, IsOk());
  EXPECT_THAT((*client)->List(Resource::Services(), "", {}),
              StatusIs(absl::StatusCode::kUnavailable, "certificate"));
  config.insecure_skip_tls_verify = true;
  auto insecure = Client::Create(config, {.request_timeout = absl::Seconds(5)});
  ASSERT_THAT(insecure, IsOk());
  EXPECT_THAT((*insecure)->List(Resource::Services(), "", {}), IsOk());
}

TEST_F(TlsTest, InClusterTokenRotationIsPickedUpByTheNextRequest) {
  auto server = StartServer(/*require_client_cert=*/false);
  ASSERT_NE(server, nullptr);
  server->SetTokens({"token-one"});
  dir_.Write("token", "token-one\n");
  dir_.Write("namespace", "ironlb-system");
  InClusterEnvironment env{.host = "127.0.0.1",
                           .port = server->url().substr(server->url().rfind(':') + 1),
                           .token_file = dir_.File("token"),
                           .ca_file = dir_.File("ca.crt"),
                           .namespace_file = dir_.File("namespace")};
  auto config = InClusterConfig(env);
  ASSERT_THAT(config, IsOk());
  auto client = Client::Create(*config, {.request_timeout = absl::Seconds(5)});
  ASSERT_THAT(client, IsOk());
  ASSERT_THAT((*client)->List(Resource::Services(), "", {}), IsOk());

  // The kubelet rotates the projected token; the old one stops being accepted.
  dir_.Write("token", "token-two\n");
  server->SetTokens({"token-two"});
  ASSERT_THAT((*client)->List(Resource::Services(), "", {}), IsOk());
  EXPECT_EQ(server->Requests().back().token, "token-two");

  // A wrong token is an error naming the request and the API's answer.
  server->SetTokens({"token-three"});
  EXPECT_THAT((*client)->Get(Resource::Services(), "default", "web"),
              StatusIs(absl::StatusCode::kUnauthenticated,
                       "GET services default/web: HTTP 401 Unauthorized: Unauthorized"));
}

}  // namespace
}  // namespace ironlb::kube::testing

// ironlb-fake-apiserver: the fake Kubernetes API server of test/kube/ as a program, for tests
// that drive it with other clients (Debian's kubectl) or run the daemons against it from
// elsewhere (an image's root file system). Listens on --bind and a free port, writes a
// kubeconfig for it to --kubeconfig_out (token "test", namespace ironlb-system), prints its URL
// on stdout, and serves until SIGTERM or SIGINT.
#include <signal.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "test/kube/fake_api_server.h"

ABSL_FLAG(std::string, bind, "127.0.0.1", "Address to listen on (a free port is chosen).");
ABSL_FLAG(std::string, kubeconfig_out, "", "Write a kubeconfig for this server here.");
ABSL_FLAG(std::vector<std::string>, service_account_token, {},
          "TOKEN=NAMESPACE/NAME: requests with this bearer token are that service account's, "
          "checked against the RBAC objects stored in the server (repeatable, comma-separated).");
ABSL_FLAG(bool, strict, false,
          "Behave as a real cluster where unit tests are lenient: refuse objects in namespaces "
          "that do not exist, and serve only built-in types and those of stored CRDs.");

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "The fake Kubernetes API server of ironlb's tests.\n"
      "Usage: ironlb-fake-apiserver [--bind ADDRESS] [--kubeconfig_out FILE] [--strict]\n"
      "       [--service_account_token TOKEN=NAMESPACE/NAME...]");
  absl::ParseCommandLine(argc, argv);
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);  // before the server's threads start

  ironlb::kube::testing::FakeApiServer::Options options;
  options.bind_address = absl::GetFlag(FLAGS_bind);
  options.require_namespaces = absl::GetFlag(FLAGS_strict);
  options.strict_types = absl::GetFlag(FLAGS_strict);
  for (const std::string& t : absl::GetFlag(FLAGS_service_account_token)) {
    const size_t eq = t.find('=');
    if (eq == std::string::npos || t.find('/', eq) == std::string::npos) {
      std::fprintf(stderr,
                   "ironlb-fake-apiserver: --service_account_token %s: want "
                   "TOKEN=NAMESPACE/NAME\n",
                   t.c_str());
      return 2;
    }
    options.service_account_tokens[t.substr(0, eq)] = t.substr(eq + 1);
  }
  auto server = ironlb::kube::testing::FakeApiServer::Start(options);
  if (!server.ok()) {
    std::fprintf(stderr, "ironlb-fake-apiserver: %s\n", server.status().ToString().c_str());
    return 1;
  }
  if (const std::string out = absl::GetFlag(FLAGS_kubeconfig_out); !out.empty()) {
    std::ofstream(out) << absl::StrCat(
        "apiVersion: v1\nkind: Config\nclusters:\n- name: fake\n  cluster:\n    server: ",
        (*server)->url(),
        "\nusers:\n- name: test\n  user:\n    token: test\n"
        "contexts:\n- name: fake\n  context:\n    cluster: fake\n    user: test\n"
        "    namespace: ironlb-system\ncurrent-context: fake\n");
  }
  std::printf("%s\n", (*server)->url().c_str());
  std::fflush(stdout);
  int sig = 0;
  sigwait(&set, &sig);
  return 0;
}

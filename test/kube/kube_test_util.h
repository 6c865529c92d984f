// Helpers for the kube/ tests: polling with a bound, clients for the fake server, temporary
// directories and a throwaway PKI made with the openssl CLI.
#pragma once

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "kube/client.h"
#include "kube/client_config.h"
#include "test/kube/fake_api_server.h"

namespace ironlb::kube::testing {

// Polls `condition` every 5 ms until it holds or `timeout` passes.
inline bool Eventually(const std::function<bool()>& condition,
                       absl::Duration timeout = absl::Seconds(10)) {
  const absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    if (condition()) return true;
    absl::SleepFor(absl::Milliseconds(5));
  }
  return condition();
}

inline std::unique_ptr<Client> ClientFor(const FakeApiServer& server,
                                         absl::Duration timeout = absl::Seconds(5)) {
  ClientConfig config;
  config.server = server.url();
  auto client = Client::Create(config, Client::Options{.request_timeout = timeout});
  EXPECT_TRUE(client.ok()) << client.status();
  return client.ok() ? *std::move(client) : nullptr;
}

// A directory removed when the object goes out of scope.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "ironlb-kube-XXXXXX").string();
    path_ = mkdtemp(pattern.data()) != nullptr ? pattern : "";
  }
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }
  std::string File(const std::string& name) const { return path_ + "/" + name; }
  void Write(const std::string& name, const std::string& content) const {
    // Write then rename: readers see the old or the new file, never half of one.
    const std::string tmp = File(name + ".tmp");
    std::ofstream(tmp, std::ios::binary) << content;
    std::filesystem::rename(tmp, File(name));
  }

 private:
  std::string path_;
};

inline std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// A CA, a server certificate for 127.0.0.1 and a client certificate (CN=ironlb-test), all
// signed by the CA, in `dir`: ca.crt ca.key server.crt server.key client.crt client.key.
// Also other-ca.crt: a CA that signed nothing here.
inline bool MakeTestPki(const std::string& dir) {
  const std::string ec = "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";
  const std::string script = absl::StrCat(
      "set -e; cd '", dir, "'; exec 2>openssl.log >/dev/null;", "openssl req -x509 ", ec,
      " -keyout ca.key -out ca.crt -days 2 -subj /CN=ironlb-test-ca;", "openssl req -x509 ", ec,
      " -keyout other-ca.key -out other-ca.crt -days 2 -subj /CN=other;",
      "printf 'subjectAltName=IP:127.0.0.1\\n' > server.ext;", "openssl req ", ec,
      " -keyout server.key -out server.csr -subj /CN=127.0.0.1;",
      "openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 ",
      "-extfile server.ext -out server.crt;", "openssl req ", ec,
      " -keyout client.key -out client.csr -subj /CN=ironlb-test;",
      "openssl x509 -req -in client.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 ",
      "-out client.crt");
  return std::system(script.c_str()) == 0;
}

}  // namespace ironlb::kube::testing

// A vty session with one FRR daemon that survives the daemon restarting: it connects on first
// use and again after the connection broke. An interface, so the reconciler can be tested
// against a fake.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "bgp/vty_client.h"

namespace ironlb::bgp {

class VtySession {
 public:
  virtual ~VtySession() = default;
  // A command in enable mode; its output.
  virtual absl::StatusOr<std::string> Execute(absl::string_view command) = 0;
  // `lines` in configure mode; stops at the first refused line and names it.
  virtual absl::Status Configure(const std::vector<std::string>& lines) = 0;
  // `lines` in configure mode in one round trip; every line runs, the first refusal is named
  // (VtyClient::ConfigureAll).
  virtual absl::Status ConfigureAll(const std::vector<std::string>& lines) = 0;
};

class SocketVtySession : public VtySession {
 public:
  SocketVtySession(std::string daemon, std::string socket_path,
                   absl::Duration timeout = absl::Seconds(5))
      : daemon_(std::move(daemon)), path_(std::move(socket_path)), timeout_(timeout) {}

  absl::StatusOr<std::string> Execute(absl::string_view command) override;
  absl::Status Configure(const std::vector<std::string>& lines) override;
  absl::Status ConfigureAll(const std::vector<std::string>& lines) override;

 private:
  absl::Status Connect();
  // Drops the connection after an error that may have left it broken or out of step.
  void Forget(const absl::Status& st);

  std::string daemon_;
  std::string path_;
  absl::Duration timeout_;
  std::unique_ptr<VtyClient> client_;
};

}  // namespace ironlb::bgp

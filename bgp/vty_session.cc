#include "bgp/vty_session.h"

namespace ironlb::bgp {

absl::Status SocketVtySession::Connect() {
  if (client_) return absl::OkStatus();
  auto c = VtyClient::Connect(daemon_, path_, timeout_);
  if (!c.ok()) return c.status();
  client_ = std::move(*c);
  return absl::OkStatus();
}

void SocketVtySession::Forget(const absl::Status& st) {
  // A refused command leaves the session usable; anything else (closed, timed out) may not.
  if (!st.ok() && st.code() != absl::StatusCode::kInvalidArgument) client_.reset();
}

absl::StatusOr<std::string> SocketVtySession::Execute(absl::string_view command) {
  if (absl::Status st = Connect(); !st.ok()) return st;
  auto r = client_->Execute(command);
  Forget(r.status());
  return r;
}

absl::Status SocketVtySession::Configure(const std::vector<std::string>& lines) {
  if (absl::Status st = Connect(); !st.ok()) return st;
  absl::Status st = client_->Configure(lines);
  Forget(st);
  return st;
}

absl::Status SocketVtySession::ConfigureAll(const std::vector<std::string>& lines) {
  if (absl::Status st = Connect(); !st.ok()) return st;
  absl::Status st = client_->ConfigureAll(lines);
  Forget(st);
  return st;
}

}  // namespace ironlb::bgp

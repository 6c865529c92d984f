#include "speaker/bgp/peer_secrets.h"

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace ironlb::speaker {

absl::StatusOr<std::string> DirectorySecretReader::Read(const config::SecretRef& ref) {
  if (ref.name.empty() || ref.key.empty() || absl::StrContains(ref.name, "/") ||
      absl::StrContains(ref.key, "/") || ref.name == ".." || ref.key == "..") {
    return absl::InvalidArgumentError(
        absl::StrCat("\"", ref.name, "\"/\"", ref.key, "\" is not a Secret name and key"));
  }
  const std::string path = absl::StrCat(dir_, "/", ref.name, "/", ref.key);
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::NotFoundError(absl::StrCat("cannot read ", path,
                                            " (standalone mode: the Secret's key is that file; see "
                                            "--bgp-secrets-dir)"));
  }
  std::stringstream text;
  text << in.rdbuf();
  std::string value = text.str();
  if (absl::EndsWith(value, "\n")) value.pop_back();
  if (absl::EndsWith(value, "\r")) value.pop_back();
  return value;
}

absl::StatusOr<std::string> LastGoodSecretReader::Read(const config::SecretRef& ref) {
  const std::string key = absl::StrCat(ref.namespace_, "/", ref.name, "/", ref.key);
  auto value = inner_->Read(ref);
  if (value.ok()) {
    last_good_[key] = *value;
    return value;
  }
  const absl::StatusCode c = value.status().code();
  const bool transient = c == absl::StatusCode::kUnavailable ||
                         c == absl::StatusCode::kDeadlineExceeded ||
                         c == absl::StatusCode::kUnknown || c == absl::StatusCode::kInternal;
  if (auto it = last_good_.find(key); transient && it != last_good_.end()) return it->second;
  if (!transient) last_good_.erase(key);
  return value;
}

bool UsesPasswordSecrets(const bgp::DesiredState& state) {
  return std::any_of(state.peers.begin(), state.peers.end(),
                     [](const bgp::PeerSession& p) { return p.password_secret.has_value(); });
}

nlohmann::json PeerSecretEventObject(const PeerSecretProblem& problem,
                                     const std::string& default_namespace) {
  return {{"apiVersion", problem.api_version.empty() ? config::kApiVersion : problem.api_version},
          {"kind", "BGPPeer"},
          {"metadata",
           {{"namespace", problem.namespace_.empty() ? default_namespace : problem.namespace_},
            {"name", problem.peer}}}};
}

std::vector<PeerSecretProblem> ResolvePeerPasswords(bgp::DesiredState& state,
                                                    SecretReader& reader) {
  std::vector<PeerSecretProblem> problems;
  std::set<std::string> dropped;
  for (bgp::PeerSession& p : state.peers) {
    if (!p.password_secret) continue;
    const config::SecretRef& ref = *p.password_secret;
    const std::string who =
        absl::StrCat("BGPPeer \"", p.name, "\" spec.passwordSecret (Secret ", ref.namespace_,
                     ref.namespace_.empty() ? "" : "/", ref.name, ", key ", ref.key, "): ");
    auto value = reader.Read(ref);
    std::string why;
    if (!value.ok()) {
      why = std::string(value.status().message());
    } else if (value->empty()) {
      why = "the password is empty";
    } else if (value->size() > 80) {
      why = "TCP MD5 passwords are at most 80 characters";
    } else if (std::any_of(value->begin(), value->end(),
                           [](char c) { return c == ' ' || c == '\t' || c == '\n'; })) {
      why = "the password contains white space, which FRR refuses";
    }
    if (!why.empty()) {
      problems.push_back({p.name, who + why + "; this session is not configured",
                          p.object_api_version, p.object_namespace});
      dropped.insert(p.name);
      continue;
    }
    p.password = std::move(*value);
  }
  if (dropped.empty()) return problems;
  std::erase_if(state.peers, [&](const bgp::PeerSession& p) { return dropped.count(p.name) > 0; });
  for (bgp::Announcement& a : state.announcements) {
    for (const std::string& peer : dropped) a.peers.erase(peer);
  }
  std::erase_if(state.announcements, [](const bgp::Announcement& a) { return a.peers.empty(); });
  return problems;
}

}  // namespace ironlb::speaker

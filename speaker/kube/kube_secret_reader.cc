#include "speaker/kube/kube_secret_reader.h"

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace ironlb::speaker {

absl::StatusOr<std::string> KubeSecretReader::Read(const config::SecretRef& ref) {
  static const kube::Resource kSecrets{"", "v1", "secrets", "Secret", true};
  auto secret = client_->Get(kSecrets, ref.namespace_, ref.name);
  if (!secret.ok()) {
    if (absl::IsNotFound(secret.status())) {
      return absl::NotFoundError(absl::StrCat("Secret ", ref.namespace_, "/", ref.name,
                                              " does not exist (create it in namespace ",
                                              ref.namespace_, ")"));
    }
    if (absl::IsPermissionDenied(secret.status())) {
      return absl::PermissionDeniedError(absl::StrCat(
          "the speaker may not read Secret ", ref.namespace_, "/", ref.name,
          " (its RBAC allows Secrets of its own namespace only; put the Secret there)"));
    }
    return secret.status();
  }
  const nlohmann::json& s = *secret;
  if (s.contains("data") && s["data"].is_object() && s["data"].contains(ref.key)) {
    const nlohmann::json& v = s["data"][ref.key];
    std::string decoded;
    if (!v.is_string() || !absl::Base64Unescape(v.get<std::string>(), &decoded)) {
      return absl::InvalidArgumentError(absl::StrCat("Secret ", ref.namespace_, "/", ref.name,
                                                     ": data.", ref.key, " is not base64"));
    }
    return decoded;
  }
  return absl::NotFoundError(
      absl::StrCat("Secret ", ref.namespace_, "/", ref.name, " has no key \"", ref.key, "\""));
}

}  // namespace ironlb::speaker

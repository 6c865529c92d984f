#include "kube/client_config.h"

#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/errno_status.h"
#include "common/status_macros.h"
#include "config/yaml_documents.h"
#include "nlohmann/json.hpp"

namespace ironlb::kube {
namespace {

using nlohmann::json;

// Field access with errors that say where: "kubeconfig k.yaml: clusters[0].cluster.server: ..".
class Reader {
 public:
  explicit Reader(std::string file) : file_(std::move(file)) {}

  absl::Status Error(absl::string_view field, absl::string_view message) const {
    return absl::InvalidArgumentError(
        absl::StrCat("kubeconfig ", file_, ": ", field, field.empty() ? "" : ": ", message));
  }

  // A string field; missing is "" unless `required`.
  absl::StatusOr<std::string> String(const json& object, absl::string_view path, const char* name,
                                     bool required) const {
    const auto it = object.find(name);
    if (it == object.end() || it->is_null()) {
      if (required) return Error(absl::StrCat(path, ".", name), "missing");
      return std::string();
    }
    if (!it->is_string()) return Error(absl::StrCat(path, ".", name), "must be a string");
    if (required && it->get_ref<const std::string&>().empty()) {
      return Error(absl::StrCat(path, ".", name), "must not be empty");
    }
    return it->get<std::string>();
  }

  // The entry of list `list` ("clusters") whose name is `name`, and its inner object
  // (entry[inner]); `where` says who referred to it.
  absl::StatusOr<std::pair<const json*, std::string>> Named(const json& root, const char* list,
                                                            const char* inner,
                                                            const std::string& name,
                                                            absl::string_view where) const {
    const auto it = root.find(list);
    if (it != root.end() && !it->is_null() && !it->is_array()) {
      return Error(list, "must be a list");
    }
    if (it != root.end() && it->is_array()) {
      for (size_t i = 0; i < it->size(); ++i) {
        const json& entry = (*it)[i];
        const std::string path = absl::StrCat(list, "[", i, "]");
        if (!entry.is_object()) return Error(path, "must be a mapping");
        IRONLB_ASSIGN_OR_RETURN(std::string entry_name, String(entry, path, "name", true));
        if (entry_name != name) continue;
        const auto body = entry.find(inner);
        if (body == entry.end() || !body->is_object()) {
          return Error(absl::StrCat(path, ".", inner), "missing or not a mapping");
        }
        return std::make_pair(&*body, absl::StrCat(path, ".", inner));
      }
    }
    return Error(where, absl::StrCat("no entry named \"", name, "\" in ", list));
  }

  // `base`-data (base64) or `base` (a path, relative to the kubeconfig's directory).
  absl::StatusOr<std::string> DataOrFile(const json& object, const std::string& path,
                                         const char* file_field, const char* data_field) const {
    IRONLB_ASSIGN_OR_RETURN(std::string data, String(object, path, data_field, false));
    IRONLB_ASSIGN_OR_RETURN(std::string file, String(object, path, file_field, false));
    if (!data.empty()) {
      std::string decoded;
      if (!absl::Base64Unescape(data, &decoded) || decoded.empty()) {
        return Error(absl::StrCat(path, ".", data_field), "not valid base64");
      }
      return decoded;
    }
    if (file.empty()) return std::string();
    auto content = ReadFileToString(Resolve(file), "file");
    if (!content.ok()) {
      return Error(absl::StrCat(path, ".", file_field), content.status().message());
    }
    return *std::move(content);
  }

  std::string Resolve(const std::string& path) const {
    if (path.empty() || path[0] == '/') return path;
    const size_t slash = file_.rfind('/');
    if (slash == std::string::npos) return path;
    return absl::StrCat(file_.substr(0, slash + 1), path);
  }

 private:
  std::string file_;
};

}  // namespace

absl::StatusOr<std::string> ReadFileToString(const std::string& path, absl::string_view what) {
  // Bounded: a kubeconfig naming /dev/zero as its CA must be an error, not a hang.
  constexpr size_t kMaxBytes = 16 << 20;
  std::ifstream in(path, std::ios::binary);
  if (!in) return ErrnoToStatus(errno, absl::StrCat(what, " ", path));
  std::string out;
  char buffer[65536];
  while (in.read(buffer, sizeof(buffer)) || in.gcount() > 0) {
    out.append(buffer, static_cast<size_t>(in.gcount()));
    if (out.size() > kMaxBytes) {
      return absl::InvalidArgumentError(
          absl::StrCat(what, " ", path, ": larger than ", kMaxBytes, " bytes"));
    }
  }
  if (in.bad()) return ErrnoToStatus(errno, absl::StrCat(what, " ", path));
  return out;
}

absl::StatusOr<ClientConfig> ParseKubeconfig(absl::string_view text, absl::string_view file,
                                             absl::string_view context_override) {
  const Reader r{std::string(file)};
  std::vector<config::Diagnostic> diagnostics;
  std::vector<config::Document> docs =
      config::ReadYamlDocuments(text, std::string(file), &diagnostics);
  for (const auto& d : diagnostics) {
    if (d.is_error()) return r.Error("", d.ToString());
  }
  if (docs.size() != 1) return r.Error("", "must hold exactly one YAML document");
  const json& root = docs[0].object;

  std::string context_name(context_override);
  if (context_name.empty()) {
    IRONLB_ASSIGN_OR_RETURN(context_name, r.String(root, "", "current-context", false));
    if (context_name.empty()) {
      return r.Error("current-context", "missing, and no context was chosen (--context)");
    }
  }
  const std::string where = context_override.empty() ? "current-context" : "--context";
  IRONLB_ASSIGN_OR_RETURN(auto context, r.Named(root, "contexts", "context", context_name, where));
  const auto& [context_obj, context_path] = context;

  ClientConfig out;
  out.origin = absl::StrCat("kubeconfig ", file, " context ", context_name);
  IRONLB_ASSIGN_OR_RETURN(std::string ns, r.String(*context_obj, context_path, "namespace", false));
  if (!ns.empty()) out.default_namespace = ns;

  // Cluster.
  IRONLB_ASSIGN_OR_RETURN(std::string cluster_name,
                          r.String(*context_obj, context_path, "cluster", true));
  IRONLB_ASSIGN_OR_RETURN(auto cluster, r.Named(root, "clusters", "cluster", cluster_name,
                                                absl::StrCat(context_path, ".cluster")));
  const json& c = *cluster.first;
  const std::string& cpath = cluster.second;
  IRONLB_ASSIGN_OR_RETURN(out.server, r.String(c, cpath, "server", true));
  if (!absl::StartsWith(out.server, "https://") && !absl::StartsWith(out.server, "http://")) {
    return r.Error(absl::StrCat(cpath, ".server"),
                   absl::StrCat("\"", out.server, "\" is not an http:// or https:// URL"));
  }
  while (absl::EndsWith(out.server, "/")) out.server.pop_back();
  IRONLB_ASSIGN_OR_RETURN(
      out.ca_pem, r.DataOrFile(c, cpath, "certificate-authority", "certificate-authority-data"));
  if (const auto it = c.find("insecure-skip-tls-verify"); it != c.end() && !it->is_null()) {
    if (!it->is_boolean()) {
      return r.Error(absl::StrCat(cpath, ".insecure-skip-tls-verify"), "must be true or false");
    }
    out.insecure_skip_tls_verify = it->get<bool>();
  }

  // User: optional (a cluster may accept anonymous requests).
  IRONLB_ASSIGN_OR_RETURN(std::string user_name,
                          r.String(*context_obj, context_path, "user", false));
  if (user_name.empty()) return out;
  IRONLB_ASSIGN_OR_RETURN(
      auto user, r.Named(root, "users", "user", user_name, absl::StrCat(context_path, ".user")));
  const json& u = *user.first;
  const std::string& upath = user.second;
  for (const char* unsupported : {"exec", "auth-provider", "username", "password"}) {
    if (u.contains(unsupported) && !u[unsupported].is_null()) {
      return r.Error(absl::StrCat(upath, ".", unsupported),
                     "not supported; use client certificates or a token");
    }
  }
  IRONLB_ASSIGN_OR_RETURN(out.client_cert_pem,
                          r.DataOrFile(u, upath, "client-certificate", "client-certificate-data"));
  IRONLB_ASSIGN_OR_RETURN(out.client_key_pem,
                          r.DataOrFile(u, upath, "client-key", "client-key-data"));
  if (out.client_cert_pem.empty() != out.client_key_pem.empty()) {
    return r.Error(upath, out.client_cert_pem.empty()
                              ? "client-key given without client-certificate"
                              : "client-certificate given without client-key");
  }
  IRONLB_ASSIGN_OR_RETURN(out.token, r.String(u, upath, "token", false));
  IRONLB_ASSIGN_OR_RETURN(std::string token_file, r.String(u, upath, "tokenFile", false));
  if (!token_file.empty()) out.token_file = r.Resolve(token_file);
  return out;
}

absl::StatusOr<ClientConfig> LoadKubeconfig(const std::string& path, absl::string_view context) {
  IRONLB_ASSIGN_OR_RETURN(std::string text, ReadFileToString(path, "kubeconfig"));
  return ParseKubeconfig(text, path, context);
}

InClusterEnvironment InClusterEnvironment::FromProcess() {
  InClusterEnvironment env;
  if (const char* host = std::getenv("KUBERNETES_SERVICE_HOST")) env.host = host;
  if (const char* port = std::getenv("KUBERNETES_SERVICE_PORT")) env.port = port;
  return env;
}

absl::StatusOr<ClientConfig> InClusterConfig(const InClusterEnvironment& env) {
  if (env.host.empty() || env.port.empty()) {
    return absl::FailedPreconditionError(
        "in-cluster config: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be set "
        "(not running in a pod? pass --kubeconfig)");
  }
  ClientConfig out;
  const bool ipv6 = env.host.find(':') != std::string::npos;
  out.server = ipv6 ? absl::StrCat("https://[", env.host, "]:", env.port)
                    : absl::StrCat("https://", env.host, ":", env.port);
  out.origin = "in-cluster service account";
  // The token is read at each request (rotation); check now that it is there at all.
  IRONLB_ASSIGN_OR_RETURN(std::string token,
                          ReadFileToString(env.token_file, "in-cluster config: token"));
  (void)token;
  out.token_file = env.token_file;
  IRONLB_ASSIGN_OR_RETURN(out.ca_pem, ReadFileToString(env.ca_file, "in-cluster config: CA"));
  if (auto ns = ReadFileToString(env.namespace_file, "namespace"); ns.ok()) {
    std::string trimmed(absl::StripAsciiWhitespace(*ns));
    if (!trimmed.empty()) out.default_namespace = trimmed;
  }
  return out;
}

}  // namespace ironlb::kube

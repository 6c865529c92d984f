#include "test/lab/manifest_pods.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "config/yaml_documents.h"
#include "test/lab/host_command.h"

namespace ironlb::lab {

using nlohmann::json;

absl::StatusOr<std::vector<json>> KustomizedObjects(const std::string& kubectl,
                                                    const std::string& dir) {
  absl::StatusOr<CommandResult> r = RunCommand({kubectl, "kustomize", dir});
  if (!r.ok()) return r.status();
  if (r->exit_code != 0) {
    return absl::InternalError(absl::StrCat("kubectl kustomize ", dir, ": ", r->output));
  }
  std::vector<config::Diagnostic> diagnostics;
  std::vector<config::Document> docs = config::ReadYamlDocuments(r->output, dir, &diagnostics);
  if (!diagnostics.empty()) {
    return absl::InternalError(absl::StrCat("kubectl kustomize ", dir, ": unreadable YAML"));
  }
  std::vector<json> out;
  for (config::Document& d : docs) out.push_back(std::move(d.object));
  return out;
}

json FindObject(const std::vector<json>& objects, const std::string& kind,
                const std::string& name) {
  for (const json& o : objects) {
    if (o.value("kind", "") == kind && o["metadata"].value("name", "") == name) return o;
  }
  return nullptr;
}

std::vector<std::string> ContainerCommand::WithEnv() const {
  std::vector<std::string> out = {"/usr/bin/env"};
  for (const auto& [k, v] : env) out.push_back(absl::StrCat(k, "=", v));
  out.insert(out.end(), argv.begin(), argv.end());
  return out;
}

absl::StatusOr<ContainerCommand> CommandOf(const std::vector<json>& objects,
                                           const std::string& kind, const std::string& name,
                                           const std::string& container, const std::string& binary,
                                           const PodFacts& pod) {
  const json workload = FindObject(objects, kind, name);
  if (workload.is_null()) return absl::NotFoundError(absl::StrCat(kind, "/", name, " not found"));
  const json& spec = workload["spec"]["template"]["spec"];
  json c;
  for (const json& candidate : spec.value("containers", json::array())) {
    if (candidate.value("name", "") == container) c = candidate;
  }
  if (c.is_null()) {
    return absl::NotFoundError(absl::StrCat(kind, "/", name, ": no container ", container));
  }
  ContainerCommand out;
  // The downward API: the fieldRefs the manifests use.
  const std::map<std::string, std::string> fields = {
      {"metadata.name", pod.pod_name},
      {"metadata.namespace", workload["metadata"].value("namespace", "default")},
      {"spec.nodeName", pod.node_name}};
  for (const json& e : c.value("env", json::array())) {
    const std::string var = e.value("name", "");
    if (e.contains("value")) {
      out.env[var] = e["value"];
    } else if (e.contains("valueFrom") && e["valueFrom"].contains("fieldRef")) {
      const std::string path = e["valueFrom"]["fieldRef"].value("fieldPath", "");
      const auto f = fields.find(path);
      if (f == fields.end() || f->second.empty()) {
        return absl::FailedPreconditionError(
            absl::StrCat(kind, "/", name, " env ", var, ": no value for fieldRef ", path));
      }
      out.env[var] = f->second;
    } else {
      return absl::FailedPreconditionError(
          absl::StrCat(kind, "/", name, " env ", var, ": a source the lab does not supply"));
    }
  }
  for (const json& m : c.value("volumeMounts", json::array())) {
    const std::string volume = m.value("name", "");
    if (pod.volume_dirs.count(volume) == 0) {
      return absl::FailedPreconditionError(
          absl::StrCat(kind, "/", name, ": no directory for volume ", volume));
    }
    out.mounts[m.value("mountPath", "")] = volume;
  }
  out.argv.push_back(binary);
  for (const json& a : c.value("command", json::array())) out.argv.push_back(a);
  for (const json& a : c.value("args", json::array())) {
    std::string arg = a;
    // $(VAR) from the container's env, as the kubelet expands it.
    for (const auto& [k, v] : out.env) arg = absl::StrReplaceAll(arg, {{"$(" + k + ")", v}});
    // Paths inside a mounted volume.
    for (const auto& [mount, volume] : out.mounts) {
      const std::string dir = pod.volume_dirs.at(volume);
      const size_t at = arg.find(mount);
      const size_t end = at + mount.size();
      if (at != std::string::npos && (at == 0 || arg[at - 1] == '=') &&
          (end == arg.size() || arg[end] == '/')) {
        arg = arg.substr(0, at) + dir + arg.substr(end);
      }
    }
    out.argv.push_back(arg);
  }
  if (!pod.kubeconfig.empty()) out.argv.push_back("--kubeconfig=" + pod.kubeconfig);
  return out;
}

}  // namespace ironlb::lab

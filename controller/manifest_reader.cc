#include "controller/manifest_reader.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "config/fields.h"

namespace ironlb::controller {
namespace {

namespace fs = std::filesystem;
using config::Diagnostic;
using config::Document;
using config::FieldContext;
using config::FieldPath;
using config::Json;

const FieldPath kRoot{};

Diagnostic FileError(const std::string& file, int line, std::string message) {
  return {Diagnostic::Severity::kError, file, line, "", "", std::move(message)};
}

template <typename T>
std::optional<T> OneOf(const Json& parent, const FieldPath& path, absl::string_view key,
                       std::initializer_list<std::pair<absl::string_view, T>> values,
                       FieldContext& ctx) {
  auto text = config::ReadString(parent, path, key, ctx);
  if (!text) return std::nullopt;
  std::string names;
  for (const auto& [name, value] : values) {
    if (*text == name) return value;
    absl::StrAppend(&names, names.empty() ? "" : ", ", name);
  }
  ctx.Error(path.Key(key), absl::StrCat("\"", text->substr(0, 64), "\" is not one of ", names));
  return std::nullopt;
}

void ReadPorts(const Json& spec, const FieldPath& sp, Service& s, FieldContext& ctx) {
  const Json* ports = config::ReadArray(spec, sp, "ports", ctx);
  if (ports == nullptr) return;
  const FieldPath pp = sp.Key("ports");
  for (size_t i = 0; i < ports->size(); ++i) {
    const Json& p = (*ports)[i];
    const FieldPath ip = pp.Index(i);
    if (!p.is_object()) {
      ctx.Error(ip, "each port must be an object");
      continue;
    }
    ServicePort port;
    port.protocol = OneOf<PortProtocol>(p, ip, "protocol",
                                        {{"TCP", PortProtocol::kTCP},
                                         {"UDP", PortProtocol::kUDP},
                                         {"SCTP", PortProtocol::kSCTP}},
                                        ctx)
                        .value_or(PortProtocol::kTCP);
    auto number = config::ReadInt(p, ip, "port", 1, 65535, ctx);
    if (!number) {
      if (!p.contains("port")) ctx.Error(ip.Key("port"), "a port needs a number (1..65535)");
      continue;
    }
    port.port = static_cast<uint16_t>(*number);
    s.ports.push_back(port);
  }
}

void ReadSpec(const Json& spec, const FieldPath& sp, Service& s, FieldContext& ctx) {
  s.type = config::ReadString(spec, sp, "type", ctx).value_or("ClusterIP");
  s.load_balancer_class = config::ReadString(spec, sp, "loadBalancerClass", ctx);
  s.load_balancer_ip = config::ReadString(spec, sp, "loadBalancerIP", ctx).value_or("");
  ReadPorts(spec, sp, s, ctx);
  s.traffic_policy =
      OneOf<TrafficPolicy>(spec, sp, "externalTrafficPolicy",
                           {{"Cluster", TrafficPolicy::kCluster}, {"Local", TrafficPolicy::kLocal}},
                           ctx)
          .value_or(TrafficPolicy::kCluster);
  s.selector = config::ReadStringMap(spec, sp, "selector", ctx);
  const std::vector<std::string> families = config::ReadStringList(spec, sp, "ipFamilies", ctx);
  for (size_t i = 0; i < families.size(); ++i) {
    const FieldPath fp = sp.Key("ipFamilies").Index(i);
    IpFamily f;
    if (families[i] == "IPv4") {
      f = IpFamily::kV4;
    } else if (families[i] == "IPv6") {
      f = IpFamily::kV6;
    } else {
      ctx.Error(fp, absl::StrCat("\"", families[i].substr(0, 64), "\" is not IPv4 or IPv6"));
      continue;
    }
    if (std::find(s.ip_families.begin(), s.ip_families.end(), f) != s.ip_families.end()) {
      ctx.Error(fp, absl::StrCat(IpFamilyName(f), " is listed twice"));
      continue;
    }
    s.ip_families.push_back(f);
  }
  s.family_policy = OneOf<FamilyPolicy>(spec, sp, "ipFamilyPolicy",
                                        {{"SingleStack", FamilyPolicy::kSingleStack},
                                         {"PreferDualStack", FamilyPolicy::kPreferDualStack},
                                         {"RequireDualStack", FamilyPolicy::kRequireDualStack}},
                                        ctx)
                        .value_or(FamilyPolicy::kSingleStack);
}

void ReadStatus(const Json& obj, Service& s, FieldContext& ctx) {
  const Json* status = config::ReadObject(obj, kRoot, "status", ctx);
  if (status == nullptr) return;
  const FieldPath stp = kRoot.Key("status");
  const Json* lb = config::ReadObject(*status, stp, "loadBalancer", ctx);
  if (lb == nullptr) return;
  const FieldPath lbp = stp.Key("loadBalancer");
  const Json* ingress = config::ReadArray(*lb, lbp, "ingress", ctx);
  if (ingress == nullptr) return;
  for (size_t i = 0; i < ingress->size(); ++i) {
    const FieldPath ip = lbp.Key("ingress").Index(i);
    const Json& entry = (*ingress)[i];
    if (!entry.is_object()) {
      ctx.Error(ip, "each ingress entry must be an object");
      continue;
    }
    auto text = config::ReadString(entry, ip, "ip", ctx);
    if (!text) continue;  // a hostname entry: not an address ironlb handed out
    auto addr = IpAddress::Parse(*text);
    if (!addr.ok()) {
      ctx.Error(ip.Key("ip"), std::string(addr.status().message()));
      continue;
    }
    if (std::find(s.current.begin(), s.current.end(), *addr) == s.current.end()) {
      s.current.push_back(*addr);
    }
  }
}

// Manifests are shallow; deeper input is refused before anything walks it recursively (the
// YAML reader applies the same bound).
constexpr int kMaxDepth = 64;

bool TooDeep(const Json& root) {
  std::vector<std::pair<const Json*, int>> stack = {{&root, 0}};
  while (!stack.empty()) {
    auto [j, depth] = stack.back();
    stack.pop_back();
    if (depth > kMaxDepth) return true;
    if (j->is_structured()) {
      for (const Json& child : *j) stack.push_back({&child, depth + 1});
    }
  }
  return false;
}

}  // namespace

void ManifestReader::AddService(const Document& doc) {
  const Json& obj = doc.object;
  std::string label = "Service";
  auto meta = obj.find("metadata");
  if (meta != obj.end() && meta->is_object()) {
    auto name = meta->find("name");
    if (name != meta->end() && name->is_string()) {
      label = absl::StrCat("Service/", name->get<std::string>().substr(0, 253));
    }
  }
  FieldContext ctx(doc, label, &result_.diagnostics);
  Service s;
  const FieldPath mp = kRoot.Key("metadata");
  const Json* m = config::ReadObject(obj, kRoot, "metadata", ctx);
  if (m == nullptr) {
    ctx.Error(mp, "metadata.name is required");
    return;
  }
  s.name = config::ReadString(*m, mp, "name", ctx).value_or("");
  if (s.name.empty() && ctx.errors() == 0) ctx.Error(mp.Key("name"), "a Service needs a name");
  s.namespace_ = config::ReadString(*m, mp, "namespace", ctx).value_or("default");
  if (s.namespace_.empty()) s.namespace_ = "default";
  s.labels = config::ReadStringMap(*m, mp, "labels", ctx);
  s.annotations = config::ReadStringMap(*m, mp, "annotations", ctx);
  if (auto created = config::ReadString(*m, mp, "creationTimestamp", ctx)) {
    absl::Time t;
    std::string err;
    if (absl::ParseTime(absl::RFC3339_full, *created, &t, &err)) {
      s.created = t;
    } else {
      ctx.Error(mp.Key("creationTimestamp"),
                absl::StrCat("\"", created->substr(0, 64),
                             "\" is not an RFC 3339 time such as 2024-05-01T12:00:00Z"));
    }
  }
  if (const Json* spec = config::ReadObject(obj, kRoot, "spec", ctx)) {
    ReadSpec(*spec, kRoot.Key("spec"), s, ctx);
  } else {
    s.type = "ClusterIP";
  }
  ReadStatus(obj, s, ctx);
  if (ctx.errors() > 0) return;
  const std::string key = s.Key();
  if (!keys_.insert(key).second) {
    ctx.Error(mp.Key("name"), absl::StrCat("Service ", key, " appears twice"));
    return;
  }
  result_.services.push_back(std::move(s));
}

void ManifestReader::AddNamespace(const Document& doc) {
  const Json& obj = doc.object;
  FieldContext ctx(doc, "Namespace", &result_.diagnostics);
  const FieldPath mp = kRoot.Key("metadata");
  const Json* m = config::ReadObject(obj, kRoot, "metadata", ctx);
  auto name = m ? config::ReadString(*m, mp, "name", ctx) : std::nullopt;
  if (!name || name->empty()) {
    if (ctx.errors() == 0) ctx.Error(mp.Key("name"), "a Namespace needs a name");
    return;
  }
  Labels labels = config::ReadStringMap(*m, mp, "labels", ctx);
  if (ctx.errors() == 0) result_.namespaces[*name] = std::move(labels);
}

void ManifestReader::AddDocument(const Document& doc) {
  const Json& obj = doc.object;
  if (!obj.is_object()) {
    result_.diagnostics.push_back(FileError(doc.file, doc.line, "an object was expected"));
    return;
  }
  const std::string kind = obj.value("kind", Json("")).is_string()
                               ? obj.value("kind", Json("")).get<std::string>()
                               : std::string();
  const std::string api = obj.value("apiVersion", Json("")).is_string()
                              ? obj.value("apiVersion", Json("")).get<std::string>()
                              : std::string();
  if (auto items = config::ListItems(doc)) {
    for (const Document& item : *items) AddDocument(item);
    return;
  }
  if (api == "v1" && kind == "Service") return AddService(doc);
  if (api == "v1" && kind == "Namespace") return AddNamespace(doc);
  if (kind.empty()) {
    result_.diagnostics.push_back(FileError(doc.file, doc.line, "the object has no kind"));
    return;
  }
  // ironlb's own kinds sit beside Services in a standalone speaker's directory; config/ reads
  // them.
  if (absl::StartsWith(api, "ironlb.io/")) return;
  result_.diagnostics.push_back({Diagnostic::Severity::kWarning, doc.file, doc.line,
                                 absl::StrCat(kind.substr(0, 64)), "",
                                 "ignored: only v1 Services and Namespaces are read here"});
}

void ManifestReader::AddText(absl::string_view text, const std::string& file) {
  if (absl::EndsWith(file, ".json")) {
    Json j = Json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded()) {
      // Find the failing byte for the message without exceptions escaping.
      std::string detail = "not valid JSON";
      try {
        (void)Json::parse(text.begin(), text.end());
      } catch (const Json::parse_error& e) {
        detail = absl::StrCat("not valid JSON at byte ", e.byte);
      }
      result_.diagnostics.push_back(FileError(file, 0, detail));
      return;
    }
    if (TooDeep(j)) {
      result_.diagnostics.push_back(
          FileError(file, 0, absl::StrCat("nested more than ", kMaxDepth, " levels deep")));
      return;
    }
    Document doc;
    doc.object = std::move(j);
    doc.file = file;
    AddDocument(doc);
    return;
  }
  for (const Document& doc : config::ReadYamlDocuments(text, file, &result_.diagnostics)) {
    AddDocument(doc);
  }
}

void ManifestReader::AddPath(const std::string& path) {
  std::error_code ec;
  std::vector<fs::path> files;
  if (fs::is_directory(path, ec)) {
    for (fs::directory_iterator it(path, ec); !ec && it != fs::directory_iterator();
         it.increment(ec)) {
      const std::string ext = it->path().extension().string();
      if ((ext == ".yaml" || ext == ".yml" || ext == ".json") && it->is_regular_file(ec)) {
        files.push_back(it->path());
      }
    }
    std::sort(files.begin(), files.end());
    if (files.empty()) {
      result_.diagnostics.push_back(
          {Diagnostic::Severity::kWarning, path, 0, "", "", "no .yaml, .yml or .json files here"});
    }
  } else {
    files.push_back(path);
  }
  for (const fs::path& p : files) {
    const std::string name = p.string();
    const auto size = fs::file_size(p, ec);
    if (ec) {
      result_.diagnostics.push_back(
          FileError(name, 0, absl::StrCat("cannot read: ", ec.message())));
      continue;
    }
    if (size > kMaxManifestBytes) {
      result_.diagnostics.push_back(FileError(
          name, 0,
          absl::StrCat("file is ", size, " bytes; at most ", kMaxManifestBytes, " are read")));
      continue;
    }
    std::ifstream in(p, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    if (!in.good() && !in.eof()) {
      result_.diagnostics.push_back(FileError(name, 0, "cannot read the file"));
      continue;
    }
    AddText(text.str(), name);
  }
}

ServiceManifests ManifestReader::Finish() && { return std::move(result_); }

}  // namespace ironlb::controller

#include "controller/manifest_reader.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "config/fields.h"
#include "controller/service_decoder.h"

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
  std::optional<Service> s = DecodeService(doc, &result_.diagnostics);
  if (!s) return;
  const std::string key = s->Key();
  if (!keys_.insert(key).second) {
    FieldContext ctx(doc, absl::StrCat("Service/", s->name), &result_.diagnostics);
    ctx.Error(kRoot.Key("metadata").Key("name"), absl::StrCat("Service ", key, " appears twice"));
    return;
  }
  result_.services.push_back(*std::move(s));
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

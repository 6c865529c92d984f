#include "config/loader.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "config/metallb_configmap.h"
#include "config/resolve.h"
#include "config/validate.h"

namespace ironlb::config {
namespace fs = std::filesystem;

void ConfigReader::AddDocument(const Document& doc) {
  // A v1 List (kubectl get -o yaml) holds its objects under items.
  if (auto items = ListItems(doc)) {
    for (size_t i = 0; i < items->size(); ++i) {
      const Document& item = (*items)[i];
      if (!item.object.is_object()) {
        result_.diagnostics.push_back({Diagnostic::Severity::kError, doc.file, item.line, "",
                                       absl::StrCat("items[", i, "]"),
                                       "each item of a List must be an object"});
        continue;
      }
      AddDocument(item);
    }
    return;
  }
  // MetalLB's legacy ConfigMap holds a whole configuration of metallb.io objects.
  if (IsMetalLBConfigMap(doc.object)) {
    for (const Document& object : LegacyConfigMapObjects(doc, &result_.diagnostics)) {
      DecodeObject(object, &result_.config, &result_.other_objects, &result_.diagnostics);
    }
    return;
  }
  DecodeObject(doc, &result_.config, &result_.other_objects, &result_.diagnostics);
}

void ConfigReader::AddYaml(absl::string_view text, const std::string& file) {
  for (const Document& doc : ReadYamlDocuments(text, file, &result_.diagnostics)) {
    AddDocument(doc);
  }
}

void ConfigReader::AddJson(const nlohmann::json& object) {
  Document doc;
  doc.object = object;
  if (!object.is_object()) {
    result_.diagnostics.push_back(
        {Diagnostic::Severity::kError, "", 0, "", "", "an API object must be a JSON object"});
    return;
  }
  AddDocument(doc);
}

LoadResult ConfigReader::Finish() && {
  ResolveReferences(&result_.config, &result_.diagnostics);
  ValidateConfig(result_.config, &result_.diagnostics);
  return std::move(result_);
}

LoadResult LoadDirectory(const std::string& dir) {
  ConfigReader reader;
  std::vector<fs::path> files;
  std::error_code ec;
  fs::directory_iterator it(dir, ec);
  if (ec) {
    LoadResult r;
    r.diagnostics.push_back({Diagnostic::Severity::kError, dir, 0, "", "",
                             absl::StrCat("cannot read the config directory: ", ec.message())});
    return r;
  }
  for (; it != fs::directory_iterator(); it.increment(ec)) {
    if (ec) break;
    const fs::path& p = it->path();
    const std::string ext = p.extension().string();
    if ((ext == ".yaml" || ext == ".yml") && p.filename().string()[0] != '.' &&
        it->is_regular_file(ec)) {
      files.push_back(p);
    }
  }
  std::sort(files.begin(), files.end());
  std::vector<Diagnostic> io_errors;
  for (const fs::path& p : files) {
    const std::string name = p.string();
    const auto size = fs::file_size(p, ec);
    if (ec || size > kMaxConfigFileBytes) {
      io_errors.push_back({Diagnostic::Severity::kError, name, 0, "", "",
                           ec ? absl::StrCat("cannot read: ", ec.message())
                              : absl::StrCat("file is ", size, " bytes; at most ",
                                             kMaxConfigFileBytes, " are read")});
      continue;
    }
    std::ifstream in(p, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    if (!in.good() && !in.eof()) {
      io_errors.push_back({Diagnostic::Severity::kError, name, 0, "", "", "cannot read the file"});
      continue;
    }
    reader.AddYaml(text.str(), name);
  }
  LoadResult r = std::move(reader).Finish();
  r.diagnostics.insert(r.diagnostics.begin(), io_errors.begin(), io_errors.end());
  if (files.empty() && io_errors.empty()) {
    r.diagnostics.push_back({Diagnostic::Severity::kWarning, dir, 0, "", "",
                             "no .yaml or .yml files here; nothing is configured"});
  }
  return r;
}

}  // namespace ironlb::config

#include "config/yaml_documents.h"

#include <yaml-cpp/yaml.h>

#include <regex>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/string_view.h"

namespace ironlb::config {
namespace {

// A configuration is shallow and small; these bound the work an adversarial file can cause
// (deep nesting, alias "billion laughs" expansion).
constexpr int kMaxDepth = 64;
constexpr int64_t kMaxNodesPerDocument = 2'000'000;

class TooBig : public std::exception {
 public:
  explicit TooBig(std::string what, int line) : what_(std::move(what)), line_(line) {}
  const char* what() const noexcept override { return what_.c_str(); }
  int line() const { return line_; }

 private:
  std::string what_;
  int line_;
};

std::string EscapePointerToken(absl::string_view key) {
  return absl::StrReplaceAll(key, {{"~", "~0"}, {"/", "~1"}});
}

// YAML 1.2 core schema resolution of a plain (unquoted) scalar.
nlohmann::json ResolvePlainScalar(const std::string& s) {
  if (s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL") return nullptr;
  if (s == "true" || s == "True" || s == "TRUE") return true;
  if (s == "false" || s == "False" || s == "FALSE") return false;
  static const std::regex kInt("[-+]?[0-9]+");
  static const std::regex kFloat(R"([-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?)");
  if (s.size() <= 40 && std::regex_match(s, kInt)) {
    int64_t i;
    if (absl::SimpleAtoi(s, &i)) return i;
    uint64_t u;
    if (absl::SimpleAtoi(s, &u)) return u;
  }
  if (s.size() <= 40 && std::regex_match(s, kFloat)) {
    double d;
    if (absl::SimpleAtod(s, &d)) return d;
  }
  return s;
}

struct Converter {
  Document* doc;
  int64_t nodes = 0;

  nlohmann::json Convert(const YAML::Node& node, const std::string& pointer, int depth) {
    const int line = node.Mark().line + 1;
    if (++nodes > kMaxNodesPerDocument) {
      throw TooBig("the document expands to too many values (aliases?)", line);
    }
    if (depth > kMaxDepth) throw TooBig("the document is nested too deeply", line);
    switch (node.Type()) {
      case YAML::NodeType::Undefined:
      case YAML::NodeType::Null:
        return nullptr;
      case YAML::NodeType::Scalar:
        if (node.Tag() == "!") return node.Scalar();  // quoted: always a string
        return ResolvePlainScalar(node.Scalar());
      case YAML::NodeType::Sequence: {
        nlohmann::json arr = nlohmann::json::array();
        size_t i = 0;
        for (const auto& item : node) {
          const std::string child = absl::StrCat(pointer, "/", i++);
          doc->lines.emplace(child, item.Mark().line + 1);
          arr.push_back(Convert(item, child, depth + 1));
        }
        return arr;
      }
      case YAML::NodeType::Map: {
        nlohmann::json obj = nlohmann::json::object();
        for (const auto& kv : node) {
          if (!kv.first.IsScalar()) {
            throw TooBig("a mapping key must be a plain word", kv.first.Mark().line + 1);
          }
          const std::string key = kv.first.Scalar();
          const std::string child = absl::StrCat(pointer, "/", EscapePointerToken(key));
          doc->lines.emplace(child, kv.first.Mark().line + 1);
          obj[key] = Convert(kv.second, child, depth + 1);
        }
        return obj;
      }
    }
    return nullptr;
  }
};

}  // namespace

int Document::LineOf(absl::string_view pointer) const {
  std::string p(pointer);
  while (true) {
    auto it = lines.find(p);
    if (it != lines.end()) return it->second;
    const size_t slash = p.rfind('/');
    if (slash == std::string::npos) return line;
    p.resize(slash);
  }
}

std::vector<Document> ReadYamlDocuments(absl::string_view text, const std::string& file,
                                        std::vector<Diagnostic>* diagnostics) {
  std::vector<Document> docs;
  std::vector<YAML::Node> nodes;
  try {
    nodes = YAML::LoadAll(std::string(text));
  } catch (const YAML::Exception& e) {
    diagnostics->push_back({Diagnostic::Severity::kError, file, e.mark.line + 1, "", "",
                            absl::StrCat("not valid YAML: ", e.msg)});
    return docs;
  }
  for (const auto& node : nodes) {
    const int line = node.Mark().line + 1;
    if (node.IsNull()) continue;  // empty document ("---" twice, or a file of comments)
    if (!node.IsMap()) {
      diagnostics->push_back({Diagnostic::Severity::kError, file, line, "", "",
                              "each YAML document must be an object with apiVersion and kind"});
      continue;
    }
    Document doc;
    doc.file = file;
    doc.line = line;
    Converter conv{&doc};
    try {
      doc.object = conv.Convert(node, "", 0);
    } catch (const TooBig& e) {
      diagnostics->push_back({Diagnostic::Severity::kError, file, e.line(), "", "", e.what()});
      continue;
    } catch (const YAML::Exception& e) {
      diagnostics->push_back({Diagnostic::Severity::kError, file, e.mark.line + 1, "", "",
                              absl::StrCat("not valid YAML: ", e.msg)});
      continue;
    }
    docs.push_back(std::move(doc));
  }
  return docs;
}

}  // namespace ironlb::config

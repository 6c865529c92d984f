#include "config/yaml_documents.h"

#include <yaml.h>

#include <memory>
#include <regex>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"

// The YAML parser is libyaml (Debian's libyaml-dev), not yaml-cpp: yaml-cpp 0.7 loops forever
// on some malformed inputs (found by test/fuzz/config_fuzz), and a daemon must not hang on a
// typo in its configuration. libyaml is the parser PyYAML and many others rely on.

namespace ironlb::config {
namespace {

// A configuration is shallow and small; these bound the work an adversarial file can cause
// (deep nesting, alias "billion laughs" expansion, alias cycles).
constexpr int kMaxDepth = 64;
// Values reached a second time through an alias; plain documents of any size are not limited.
constexpr int64_t kMaxAliasExpansion = 100'000;

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
  yaml_document_t* ydoc;
  Document* doc;
  std::vector<bool> seen = std::vector<bool>(ydoc->nodes.top - ydoc->nodes.start, false);
  int64_t alias_expansion = 0;

  static int LineOf(const yaml_node_t* n) { return static_cast<int>(n->start_mark.line) + 1; }

  std::string ScalarText(const yaml_node_t* n) {
    return std::string(reinterpret_cast<const char*>(n->data.scalar.value), n->data.scalar.length);
  }

  nlohmann::json Convert(const yaml_node_t* node, const std::string& pointer, int depth) {
    const int line = LineOf(node);
    const size_t index = static_cast<size_t>(node - ydoc->nodes.start);
    if (index < seen.size() && seen[index] && ++alias_expansion > kMaxAliasExpansion) {
      throw TooBig("aliases expand the document to too many values", line);
    }
    if (index < seen.size()) seen[index] = true;
    if (depth > kMaxDepth)
      throw TooBig("the document is nested too deeply (or aliases itself)", line);
    switch (node->type) {
      case YAML_SCALAR_NODE:
        if (node->data.scalar.style != YAML_PLAIN_SCALAR_STYLE) return ScalarText(node);
        return ResolvePlainScalar(ScalarText(node));
      case YAML_SEQUENCE_NODE: {
        nlohmann::json arr = nlohmann::json::array();
        size_t i = 0;
        for (yaml_node_item_t* it = node->data.sequence.items.start;
             it < node->data.sequence.items.top; ++it) {
          const yaml_node_t* item = yaml_document_get_node(ydoc, *it);
          if (item == nullptr) continue;
          const std::string child = absl::StrCat(pointer, "/", i++);
          doc->lines.emplace(child, LineOf(item));
          arr.push_back(Convert(item, child, depth + 1));
        }
        return arr;
      }
      case YAML_MAPPING_NODE: {
        nlohmann::json obj = nlohmann::json::object();
        for (yaml_node_pair_t* p = node->data.mapping.pairs.start; p < node->data.mapping.pairs.top;
             ++p) {
          const yaml_node_t* key = yaml_document_get_node(ydoc, p->key);
          const yaml_node_t* value = yaml_document_get_node(ydoc, p->value);
          if (key == nullptr || value == nullptr) continue;
          if (key->type != YAML_SCALAR_NODE) {
            throw TooBig("a mapping key must be a plain word", LineOf(key));
          }
          const std::string k = ScalarText(key);
          const std::string child = absl::StrCat(pointer, "/", EscapePointerToken(k));
          doc->lines.emplace(child, LineOf(key));
          obj[k] = Convert(value, child, depth + 1);
        }
        return obj;
      }
      default:
        return nullptr;
    }
  }
};

struct ParserDeleter {
  void operator()(yaml_parser_t* p) const {
    yaml_parser_delete(p);
    delete p;
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

std::optional<std::vector<Document>> ListItems(const Document& doc) {
  const nlohmann::json& obj = doc.object;
  const auto kind = obj.is_object() ? obj.find("kind") : obj.end();
  if (kind == obj.end() || !kind->is_string() || kind->get<std::string>() != "List" ||
      !obj.contains("items") || !obj["items"].is_array()) {
    return std::nullopt;
  }
  std::vector<Document> items;
  for (size_t i = 0; i < obj["items"].size(); ++i) {
    Document item;
    item.object = obj["items"][i];
    item.file = doc.file;
    const std::string prefix = absl::StrCat("/items/", i);
    item.line = doc.LineOf(prefix);
    for (auto it = doc.lines.lower_bound(prefix); it != doc.lines.end(); ++it) {
      if (!absl::StartsWith(it->first, prefix)) break;
      const std::string rest = it->first.substr(prefix.size());
      if (!rest.empty() && rest[0] != '/') continue;  // "/items/10" is not under "/items/1"
      item.lines.emplace(rest, it->second);
    }
    items.push_back(std::move(item));
  }
  return items;
}

std::vector<Document> ReadYamlDocuments(absl::string_view text, const std::string& file,
                                        std::vector<Diagnostic>* diagnostics) {
  std::vector<Document> docs;
  std::unique_ptr<yaml_parser_t, ParserDeleter> parser(new yaml_parser_t);
  if (!yaml_parser_initialize(parser.get())) {
    diagnostics->push_back({Diagnostic::Severity::kError, file, 0, "", "", "out of memory"});
    return docs;
  }
  yaml_parser_set_input_string(parser.get(), reinterpret_cast<const unsigned char*>(text.data()),
                               text.size());
  while (true) {
    yaml_document_t ydoc;
    if (!yaml_parser_load(parser.get(), &ydoc)) {
      // A syntax error ends the stream: libyaml cannot resynchronise after one.
      const yaml_mark_t& mark = parser->problem_mark;
      diagnostics->push_back(
          {Diagnostic::Severity::kError, file, static_cast<int>(mark.line) + 1, "", "",
           absl::StrCat("not valid YAML: ", parser->problem ? parser->problem : "syntax error",
                        parser->context ? absl::StrCat(" (", parser->context, ")") : "")});
      return docs;
    }
    std::unique_ptr<yaml_document_t, void (*)(yaml_document_t*)> guard(&ydoc, yaml_document_delete);
    const yaml_node_t* root = yaml_document_get_root_node(&ydoc);
    if (root == nullptr) return docs;  // end of the stream
    const int line = Converter::LineOf(root);
    const bool empty_scalar = root->type == YAML_SCALAR_NODE &&
                              root->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
                              root->data.scalar.length == 0;
    if (empty_scalar) continue;  // an empty document ("---" twice)
    if (root->type != YAML_MAPPING_NODE) {
      diagnostics->push_back({Diagnostic::Severity::kError, file, line, "", "",
                              "each YAML document must be an object with apiVersion and kind"});
      continue;
    }
    Document doc;
    doc.file = file;
    doc.line = line;
    Converter conv{&ydoc, &doc};
    try {
      doc.object = conv.Convert(root, "", 0);
    } catch (const TooBig& e) {
      diagnostics->push_back({Diagnostic::Severity::kError, file, e.line(), "", "", e.what()});
      continue;
    }
    docs.push_back(std::move(doc));
  }
}

namespace {

struct EmitterDeleter {
  void operator()(yaml_emitter_t* e) const {
    yaml_emitter_delete(e);
    delete e;
  }
};

int AppendToString(void* data, unsigned char* buffer, size_t size) {
  static_cast<std::string*>(data)->append(reinterpret_cast<const char*>(buffer), size);
  return 1;
}

bool EmitScalar(yaml_emitter_t* e, const std::string& text, bool quote) {
  yaml_event_t ev;
  yaml_scalar_event_initialize(&ev, nullptr, nullptr,
                               reinterpret_cast<yaml_char_t*>(const_cast<char*>(text.data())),
                               static_cast<int>(text.size()), 1, 1,
                               quote ? YAML_DOUBLE_QUOTED_SCALAR_STYLE : YAML_ANY_SCALAR_STYLE);
  return yaml_emitter_emit(e, &ev) != 0;
}

bool Emit(yaml_emitter_t* e, const nlohmann::json& v) {
  yaml_event_t ev;
  switch (v.type()) {
    case nlohmann::json::value_t::object:
      yaml_mapping_start_event_initialize(&ev, nullptr, nullptr, 1, YAML_BLOCK_MAPPING_STYLE);
      if (!yaml_emitter_emit(e, &ev)) return false;
      for (const auto& [k, child] : v.items()) {
        if (!EmitScalar(e, k, !ResolvePlainScalar(k).is_string()) || !Emit(e, child)) {
          return false;
        }
      }
      yaml_mapping_end_event_initialize(&ev);
      return yaml_emitter_emit(e, &ev) != 0;
    case nlohmann::json::value_t::array:
      yaml_sequence_start_event_initialize(&ev, nullptr, nullptr, 1, YAML_BLOCK_SEQUENCE_STYLE);
      if (!yaml_emitter_emit(e, &ev)) return false;
      for (const auto& child : v) {
        if (!Emit(e, child)) return false;
      }
      yaml_sequence_end_event_initialize(&ev);
      return yaml_emitter_emit(e, &ev) != 0;
    case nlohmann::json::value_t::string: {
      const std::string& s = v.get_ref<const std::string&>();
      const nlohmann::json plain = ResolvePlainScalar(s);
      return EmitScalar(e, s, !plain.is_string() || plain != v || absl::StrContains(s, ':'));
    }
    case nlohmann::json::value_t::null:
      return EmitScalar(e, "null", false);
    default:
      return EmitScalar(e, v.dump(), false);
  }
}

}  // namespace

std::string ToYaml(const nlohmann::json& value) {
  std::string out;
  std::unique_ptr<yaml_emitter_t, EmitterDeleter> e(new yaml_emitter_t);
  if (!yaml_emitter_initialize(e.get())) return value.dump();
  yaml_emitter_set_output(e.get(), AppendToString, &out);
  yaml_emitter_set_unicode(e.get(), 1);
  yaml_emitter_set_width(e.get(), -1);
  yaml_event_t ev;
  bool ok = yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING) &&
            yaml_emitter_emit(e.get(), &ev) &&
            yaml_document_start_event_initialize(&ev, nullptr, nullptr, nullptr, 1) &&
            yaml_emitter_emit(e.get(), &ev) && Emit(e.get(), value) &&
            yaml_document_end_event_initialize(&ev, 1) && yaml_emitter_emit(e.get(), &ev) &&
            yaml_stream_end_event_initialize(&ev) && yaml_emitter_emit(e.get(), &ev) &&
            yaml_emitter_flush(e.get());
  if (!ok) return value.dump();  // JSON is YAML too
  return out;
}

}  // namespace ironlb::config

#include "config/yaml_documents.h"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <map>
#include <optional>
#include <regex>
#include <sstream>

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

// Builds JSON documents straight from the parser's events. (YAML::LoadAll is not used: in
// yaml-cpp 0.7 some malformed input makes it produce empty documents forever, see
// jbeder/yaml-cpp#1319; driving the parser ourselves lets us notice and stop.)
class JsonBuilder : public YAML::EventHandler {
 public:
  explicit JsonBuilder(const std::string& file) : file_(file) {}

  // The document just handled, or why it is unusable. `null_root` marks an empty document.
  Document& document() { return doc_; }
  const std::string& error() const { return error_; }
  int error_line() const { return error_line_; }
  bool null_root() const { return root_is_null_; }
  size_t null_root_pos() const { return null_pos_; }

  void OnDocumentStart(const YAML::Mark& mark) override {
    doc_ = Document{};
    doc_.file = file_;
    doc_.line = mark.line + 1;
    stack_.clear();
    anchors_.clear();
    error_.clear();
    nodes_ = 0;
    root_is_null_ = false;
  }
  void OnDocumentEnd() override {}

  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    if (stack_.empty()) {
      root_is_null_ = true;
      null_pos_ = static_cast<size_t>(mark.pos);
    }
    Attach(mark, anchor, nullptr, 1, nullptr);
  }
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    auto it = anchors_.find(anchor);
    if (it == anchors_.end()) return Fail(mark, "an alias refers to an unknown anchor");
    // Checked before the copy, so that an expansion bomb costs nothing.
    if (nodes_ + it->second.second > kMaxNodesPerDocument) {
      return Fail(mark, "the document expands to too many values (aliases?)");
    }
    Attach(mark, YAML::NullAnchor, it->second.first, it->second.second, nullptr);
  }
  void OnScalar(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                const std::string& value) override {
    // Quoted scalars carry the tag "!": always text.
    Attach(mark, anchor, tag == "!" ? nlohmann::json(value) : ResolvePlainScalar(value), 1, &value);
  }
  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value) override {
    Open(mark, anchor, nlohmann::json::array());
  }
  void OnSequenceEnd() override { Close(); }
  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                  YAML::EmitterStyle::value) override {
    Open(mark, anchor, nlohmann::json::object());
  }
  void OnMapEnd() override { Close(); }

 private:
  struct Frame {
    nlohmann::json value;
    std::string pointer;
    YAML::anchor_t anchor = YAML::NullAnchor;
    int64_t nodes_before = 0;
    bool has_key = false;
    std::string key;
    int key_line = 0;
  };

  void Fail(const YAML::Mark& mark, std::string message) {
    if (!error_.empty()) return;
    error_ = std::move(message);
    error_line_ = mark.line + 1;
  }

  // Where the next value goes: its JSON pointer, recording its line. False when the value
  // is a mapping key (then `raw` is taken as the key) or the document is already bad.
  bool Place(const YAML::Mark& mark, bool is_scalar, const std::string* raw, std::string* ptr) {
    if (stack_.empty()) {
      *ptr = "";
      return true;
    }
    Frame& top = stack_.back();
    if (top.value.is_object()) {
      if (!top.has_key) {
        if (!is_scalar || raw == nullptr) {
          Fail(mark, "a mapping key must be a plain word");
          return false;
        }
        top.has_key = true;
        top.key = *raw;
        top.key_line = mark.line + 1;
        return false;
      }
      *ptr = absl::StrCat(top.pointer, "/", EscapePointerToken(top.key));
      doc_.lines.emplace(*ptr, top.key_line);
      return true;
    }
    *ptr = absl::StrCat(top.pointer, "/", top.value.size());
    doc_.lines.emplace(*ptr, mark.line + 1);
    return true;
  }

  void Count(const YAML::Mark& mark, int64_t n) {
    nodes_ += n;
    if (nodes_ > kMaxNodesPerDocument) {
      Fail(mark, "the document expands to too many values (aliases?)");
    }
  }

  void Attach(const YAML::Mark& mark, YAML::anchor_t anchor, nlohmann::json value, int64_t nodes,
              const std::string* raw) {
    if (!error_.empty()) return;
    std::string ptr;
    if (!Place(mark, raw != nullptr, raw, &ptr)) return;
    Count(mark, nodes);
    if (!error_.empty()) return;
    if (anchor != YAML::NullAnchor) anchors_[anchor] = {value, nodes};
    Store(std::move(value));
  }

  void Store(nlohmann::json value) {
    if (stack_.empty()) {
      doc_.object = std::move(value);
      return;
    }
    Frame& top = stack_.back();
    if (top.value.is_object()) {
      top.value[top.key] = std::move(value);
      top.has_key = false;
    } else {
      top.value.push_back(std::move(value));
    }
  }

  void Open(const YAML::Mark& mark, YAML::anchor_t anchor, nlohmann::json empty) {
    if (!error_.empty()) {
      ++ignored_depth_;
      return;
    }
    std::string ptr;
    if (!Place(mark, false, nullptr, &ptr)) {
      ++ignored_depth_;
      return;
    }
    Count(mark, 1);
    if (static_cast<int>(stack_.size()) >= kMaxDepth)
      Fail(mark, "the document is nested too deeply");
    if (!error_.empty()) {
      ++ignored_depth_;
      return;
    }
    Frame f;
    f.value = std::move(empty);
    f.pointer = std::move(ptr);
    f.anchor = anchor;
    f.nodes_before = nodes_;
    stack_.push_back(std::move(f));
  }

  void Close() {
    if (ignored_depth_ > 0) {
      --ignored_depth_;
      return;
    }
    if (stack_.empty()) return;
    Frame f = std::move(stack_.back());
    stack_.pop_back();
    if (!error_.empty()) return;
    if (f.anchor != YAML::NullAnchor) {
      anchors_[f.anchor] = {f.value, nodes_ - f.nodes_before + 1};
    }
    Store(std::move(f.value));
  }

  const std::string& file_;
  Document doc_;
  std::vector<Frame> stack_;
  std::map<YAML::anchor_t, std::pair<nlohmann::json, int64_t>> anchors_;
  std::string error_;
  int error_line_ = 0;
  int64_t nodes_ = 0;
  int ignored_depth_ = 0;
  bool root_is_null_ = false;
  size_t null_pos_ = 0;
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
  std::istringstream in{std::string(text)};
  JsonBuilder builder(file);
  // Every real document consumes input; this bounds the loop even if the parser stops doing so.
  const size_t max_documents = text.size() / 3 + 2;
  std::optional<size_t> last_null_pos;
  try {
    YAML::Parser parser(in);
    for (size_t n = 0; parser.HandleNextDocument(builder); ++n) {
      if (n >= max_documents) {
        diagnostics->push_back({Diagnostic::Severity::kError, file, 0, "", "",
                                "not valid YAML: the parser stopped making progress"});
        break;
      }
      if (!builder.error().empty()) {
        diagnostics->push_back(
            {Diagnostic::Severity::kError, file, builder.error_line(), "", "", builder.error()});
        last_null_pos.reset();
        continue;
      }
      Document& doc = builder.document();
      if (builder.null_root()) {
        // An empty document ("---" twice, or a file of comments) is skipped; the same empty
        // document again at the same place is yaml-cpp looping on malformed input.
        if (last_null_pos == builder.null_root_pos()) {
          diagnostics->push_back({Diagnostic::Severity::kError, file, doc.line, "", "",
                                  "not valid YAML: the parser stopped making progress"});
          break;
        }
        last_null_pos = builder.null_root_pos();
        continue;
      }
      last_null_pos.reset();
      if (!doc.object.is_object()) {
        diagnostics->push_back({Diagnostic::Severity::kError, file, doc.line, "", "",
                                "each YAML document must be an object with apiVersion and kind"});
        continue;
      }
      docs.push_back(std::move(doc));
    }
  } catch (const YAML::Exception& e) {
    diagnostics->push_back({Diagnostic::Severity::kError, file, e.mark.line + 1, "", "",
                            absl::StrCat("not valid YAML: ", e.msg)});
  }
  return docs;
}

}  // namespace ironlb::config

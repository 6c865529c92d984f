#include "test/kube/fake_selectors.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace ironlb::kube::testing {
namespace {

// Splits on commas outside parentheses.
std::vector<std::string> SplitTerms(absl::string_view text) {
  std::vector<std::string> out;
  std::string current;
  int depth = 0;
  for (const char c : text) {
    if (c == '(') ++depth;
    if (c == ')') --depth;
    if (c == ',' && depth == 0) {
      out.push_back(current);
      current.clear();
    } else {
      current.push_back(c);
    }
  }
  if (!current.empty() || !out.empty()) out.push_back(current);
  return out;
}

// The value at a dotted path ("metadata.name"), or nullptr.
const nlohmann::json* AtPath(const nlohmann::json& object, absl::string_view path) {
  const nlohmann::json* cur = &object;
  for (absl::string_view part : absl::StrSplit(path, '.')) {
    if (!cur->is_object()) return nullptr;
    const auto it = cur->find(std::string(part));
    if (it == cur->end()) return nullptr;
    cur = &*it;
  }
  return cur;
}

}  // namespace

// key!=value, key==value or key=value (both selector kinds); false when `term` is none of them.
bool Selector::ParseEqualityTerm(absl::string_view term, Term* t) {
  size_t pos;
  size_t skip;
  if ((pos = term.find("!=")) != absl::string_view::npos) {
    t->op = Term::Op::kNotEq;
    skip = 2;
  } else if ((pos = term.find("==")) != absl::string_view::npos) {
    skip = 2;
  } else if ((pos = term.find('=')) != absl::string_view::npos) {
    skip = 1;
  } else {
    return false;
  }
  t->key = std::string(term.substr(0, pos));
  t->values.emplace_back(term.substr(pos + skip));
  return true;
}

absl::StatusOr<Selector> Selector::ParseLabels(absl::string_view text) {
  Selector s;
  for (const std::string& raw : SplitTerms(text)) {
    const absl::string_view term = absl::StripAsciiWhitespace(raw);
    if (term.empty()) return absl::InvalidArgumentError("labelSelector: empty term");
    Term t;
    size_t pos;
    if (term[0] == '!') {
      t.op = Term::Op::kNotExists;
      t.key = std::string(absl::StripAsciiWhitespace(term.substr(1)));
    } else if ((pos = term.find(" notin ")) != absl::string_view::npos ||
               (pos = term.find(" in ")) != absl::string_view::npos) {
      const bool notin = term.substr(pos, 7) == " notin ";
      t.op = notin ? Term::Op::kNotIn : Term::Op::kIn;
      t.key = std::string(absl::StripAsciiWhitespace(term.substr(0, pos)));
      absl::string_view set = absl::StripAsciiWhitespace(term.substr(pos + (notin ? 7 : 4)));
      if (!absl::ConsumePrefix(&set, "(") || !absl::ConsumeSuffix(&set, ")")) {
        return absl::InvalidArgumentError(absl::StrCat("labelSelector: bad set in \"", term, "\""));
      }
      for (absl::string_view v : absl::StrSplit(set, ',')) {
        t.values.emplace_back(absl::StripAsciiWhitespace(v));
      }
    } else if (ParseEqualityTerm(term, &t)) {
    } else {
      t.op = Term::Op::kExists;
      t.key = std::string(term);
    }
    if (t.key.empty()) return absl::InvalidArgumentError("labelSelector: empty key");
    s.terms_.push_back(std::move(t));
  }
  return s;
}

absl::StatusOr<Selector> Selector::ParseFields(absl::string_view text) {
  Selector s;
  s.fields_ = true;
  for (const std::string& raw : SplitTerms(text)) {
    const absl::string_view term = absl::StripAsciiWhitespace(raw);
    Term t;
    if (!ParseEqualityTerm(term, &t)) {
      return absl::InvalidArgumentError(
          absl::StrCat("fieldSelector: \"", term, "\" is not field=value or field!=value"));
    }
    s.terms_.push_back(std::move(t));
  }
  return s;
}

bool Selector::Matches(const nlohmann::json& object) const {
  for (const Term& t : terms_) {
    const nlohmann::json* v = nullptr;
    if (fields_) {
      v = AtPath(object, t.key);
    } else {
      const nlohmann::json* labels = AtPath(object, "metadata.labels");
      if (labels != nullptr && labels->is_object()) {
        const auto it = labels->find(t.key);
        if (it != labels->end()) v = &*it;
      }
    }
    const bool present = v != nullptr && v->is_string();
    const std::string value = present ? v->get<std::string>() : "";
    auto in_values = [&] {
      for (const auto& candidate : t.values) {
        if (candidate == value) return true;
      }
      return false;
    };
    switch (t.op) {
      case Term::Op::kEq:
        if (fields_ ? value != t.values[0] : (!present || value != t.values[0])) return false;
        break;
      case Term::Op::kNotEq:
        if (present && value == t.values[0]) return false;
        break;
      case Term::Op::kExists:
        if (!present) return false;
        break;
      case Term::Op::kNotExists:
        if (present) return false;
        break;
      case Term::Op::kIn:
        if (!present || !in_values()) return false;
        break;
      case Term::Op::kNotIn:
        if (present && in_values()) return false;
        break;
    }
  }
  return true;
}

}  // namespace ironlb::kube::testing

#include "config/fields.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/string_view.h"
#include "config/types.h"

namespace ironlb::config {
namespace {

std::string TypeName(const Json& v) {
  switch (v.type()) {
    case Json::value_t::object:
      return "an object";
    case Json::value_t::array:
      return "a list";
    case Json::value_t::string:
      return absl::StrCat("the text \"", v.get<std::string>().substr(0, 64), "\"");
    case Json::value_t::boolean:
      return v.get<bool>() ? "true" : "false";
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned:
    case Json::value_t::number_float:
      return absl::StrCat("the number ", v.dump());
    default:
      return "null";
  }
}

const Json* Find(const Json& parent, absl::string_view key) {
  if (!parent.is_object()) return nullptr;
  auto it = parent.find(key);
  if (it == parent.end() || it->is_null()) return nullptr;
  return &*it;
}

}  // namespace

FieldPath FieldPath::Key(absl::string_view key) const {
  return {dotted.empty() ? std::string(key) : absl::StrCat(dotted, ".", key),
          absl::StrCat(pointer, "/", absl::StrReplaceAll(key, {{"~", "~0"}, {"/", "~1"}}))};
}

FieldPath FieldPath::Index(size_t i) const {
  return {absl::StrCat(dotted, "[", i, "]"), absl::StrCat(pointer, "/", i)};
}

void FieldContext::Add(Diagnostic::Severity sev, const FieldPath& path, std::string message) {
  std::string field = path.dotted;
  if (!doc_.field_names.empty()) {
    ObjectSource legacy;
    legacy.field_names =
        std::shared_ptr<const std::map<std::string, std::string>>(&doc_.field_names, [](auto*) {});
    field = legacy.FieldName(path.dotted);
  }
  out_->push_back({sev, doc_.file, doc_.file.empty() ? 0 : doc_.LineOf(path.pointer), object_,
                   std::move(field), std::move(message)});
}

void FieldContext::Error(const FieldPath& path, std::string message) {
  ++errors_;
  Add(Diagnostic::Severity::kError, path, std::move(message));
}

void FieldContext::Warning(const FieldPath& path, std::string message) {
  Add(Diagnostic::Severity::kWarning, path, std::move(message));
}

const Json* ReadObject(const Json& parent, const FieldPath& path, absl::string_view key,
                       FieldContext& ctx) {
  const Json* v = Find(parent, key);
  if (v == nullptr) return nullptr;
  if (!v->is_object()) {
    ctx.Error(path.Key(key), absl::StrCat("must be an object, not ", TypeName(*v)));
    return nullptr;
  }
  return v;
}

const Json* ReadArray(const Json& parent, const FieldPath& path, absl::string_view key,
                      FieldContext& ctx) {
  const Json* v = Find(parent, key);
  if (v == nullptr) return nullptr;
  if (!v->is_array()) {
    ctx.Error(path.Key(key), absl::StrCat("must be a list, not ", TypeName(*v)));
    return nullptr;
  }
  return v;
}

std::optional<std::string> ReadString(const Json& parent, const FieldPath& path,
                                      absl::string_view key, FieldContext& ctx) {
  const Json* v = Find(parent, key);
  if (v == nullptr) return std::nullopt;
  if (!v->is_string()) {
    ctx.Error(path.Key(key), absl::StrCat("must be text, not ", TypeName(*v)));
    return std::nullopt;
  }
  return v->get<std::string>();
}

std::optional<bool> ReadBool(const Json& parent, const FieldPath& path, absl::string_view key,
                             FieldContext& ctx) {
  const Json* v = Find(parent, key);
  if (v == nullptr) return std::nullopt;
  if (!v->is_boolean()) {
    ctx.Error(path.Key(key), absl::StrCat("must be true or false, not ", TypeName(*v)));
    return std::nullopt;
  }
  return v->get<bool>();
}

std::optional<int64_t> ReadInt(const Json& parent, const FieldPath& path, absl::string_view key,
                               int64_t min, int64_t max, FieldContext& ctx) {
  const Json* v = Find(parent, key);
  if (v == nullptr) return std::nullopt;
  int64_t value = 0;
  if (v->is_number_integer()) {
    value = v->get<int64_t>();
  } else if (v->is_number_unsigned() && v->get<uint64_t>() <= static_cast<uint64_t>(max)) {
    value = static_cast<int64_t>(v->get<uint64_t>());
  } else if (v->is_number_unsigned()) {
    ctx.Error(path.Key(key), absl::StrCat(v->dump(), " is out of range ", min, "..", max));
    return std::nullopt;
  } else {
    ctx.Error(path.Key(key), absl::StrCat("must be a whole number, not ", TypeName(*v)));
    return std::nullopt;
  }
  if (value < min || value > max) {
    ctx.Error(path.Key(key), absl::StrCat(value, " is out of range ", min, "..", max));
    return std::nullopt;
  }
  return value;
}

std::vector<std::string> ReadStringList(const Json& parent, const FieldPath& path,
                                        absl::string_view key, FieldContext& ctx) {
  std::vector<std::string> out;
  const Json* arr = ReadArray(parent, path, key, ctx);
  if (arr == nullptr) return out;
  const FieldPath p = path.Key(key);
  for (size_t i = 0; i < arr->size(); ++i) {
    const Json& v = (*arr)[i];
    if (!v.is_string()) {
      ctx.Error(p.Index(i), absl::StrCat("must be text, not ", TypeName(v)));
      continue;
    }
    out.push_back(v.get<std::string>());
  }
  return out;
}

std::map<std::string, std::string> ReadStringMap(const Json& parent, const FieldPath& path,
                                                 absl::string_view key, FieldContext& ctx) {
  std::map<std::string, std::string> out;
  const Json* obj = ReadObject(parent, path, key, ctx);
  if (obj == nullptr) return out;
  const FieldPath p = path.Key(key);
  for (const auto& [k, v] : obj->items()) {
    if (!v.is_string()) {
      ctx.Error(p.Key(k),
                absl::StrCat("must be text (quote numbers and true/false), not ", TypeName(v)));
      continue;
    }
    out[k] = v.get<std::string>();
  }
  return out;
}

std::optional<LabelSelector> ReadSelector(const Json& value, const FieldPath& path,
                                          FieldContext& ctx) {
  if (!value.is_object()) {
    ctx.Error(path, absl::StrCat("a label selector must be an object, not ", TypeName(value)));
    return std::nullopt;
  }
  WarnUnknownFields(value, path, {"matchLabels", "matchExpressions"}, ctx);
  const int errors_before = ctx.errors();
  LabelSelector sel;
  sel.match_labels = ReadStringMap(value, path, "matchLabels", ctx);
  if (const Json* exprs = ReadArray(value, path, "matchExpressions", ctx)) {
    const FieldPath ep = path.Key("matchExpressions");
    for (size_t i = 0; i < exprs->size(); ++i) {
      const Json& e = (*exprs)[i];
      const FieldPath p = ep.Index(i);
      if (!e.is_object()) {
        ctx.Error(p, absl::StrCat("must be an object, not ", TypeName(e)));
        continue;
      }
      WarnUnknownFields(e, p, {"key", "operator", "values"}, ctx);
      LabelRequirement req;
      auto k = ReadString(e, p, "key", ctx);
      auto op = ReadString(e, p, "operator", ctx);
      req.values = ReadStringList(e, p, "values", ctx);
      if (!k || k->empty()) {
        ctx.Error(p.Key("key"), "a match expression needs a key");
        continue;
      }
      req.key = *k;
      if (!op) {
        ctx.Error(p.Key("operator"),
                  "a match expression needs an operator (In, NotIn, Exists, "
                  "DoesNotExist)");
        continue;
      }
      if (*op == "In") {
        req.op = LabelRequirement::Op::kIn;
      } else if (*op == "NotIn") {
        req.op = LabelRequirement::Op::kNotIn;
      } else if (*op == "Exists") {
        req.op = LabelRequirement::Op::kExists;
      } else if (*op == "DoesNotExist") {
        req.op = LabelRequirement::Op::kDoesNotExist;
      } else {
        ctx.Error(p.Key("operator"), absl::StrCat("\"", *op,
                                                  "\" is not one of In, NotIn, Exists, "
                                                  "DoesNotExist"));
        continue;
      }
      const bool wants_values =
          req.op == LabelRequirement::Op::kIn || req.op == LabelRequirement::Op::kNotIn;
      if (wants_values && req.values.empty()) {
        ctx.Error(p.Key("values"), absl::StrCat("operator ", *op, " needs at least one value"));
      } else if (!wants_values && !req.values.empty()) {
        ctx.Error(p.Key("values"), absl::StrCat("operator ", *op, " takes no values"));
      }
      sel.match_expressions.push_back(std::move(req));
    }
  }
  if (ctx.errors() != errors_before) return std::nullopt;
  return sel;
}

std::vector<LabelSelector> ReadSelectorList(const Json& parent, const FieldPath& path,
                                            absl::string_view key, FieldContext& ctx) {
  std::vector<LabelSelector> out;
  const Json* arr = ReadArray(parent, path, key, ctx);
  if (arr == nullptr) return out;
  const FieldPath p = path.Key(key);
  for (size_t i = 0; i < arr->size(); ++i) {
    if (auto sel = ReadSelector((*arr)[i], p.Index(i), ctx)) out.push_back(std::move(*sel));
  }
  return out;
}

void WarnUnknownFields(const Json& obj, const FieldPath& path,
                       std::initializer_list<absl::string_view> known, FieldContext& ctx) {
  if (!obj.is_object()) return;
  for (const auto& [k, v] : obj.items()) {
    if (std::find(known.begin(), known.end(), k) == known.end()) {
      ctx.Warning(path.Key(k), "unknown field, ignored (a typo, or a field of a newer ironlb?)");
    }
  }
}

}  // namespace ironlb::config

// Typed, located reads of JSON fields for the decoders: a missing field is "not set", a field
// of the wrong type or out of range is a diagnostic naming its path, and fields the decoder
// does not know are warned about (newer configs still load).
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "config/diagnostic.h"
#include "config/label_selector.h"
#include "config/yaml_documents.h"
#include "nlohmann/json.hpp"

namespace ironlb::config {

using Json = nlohmann::json;

// A field's location: "spec.addresses[1]" for people, "/spec/addresses/1" for line lookup.
struct FieldPath {
  std::string dotted;
  std::string pointer;

  FieldPath Key(absl::string_view key) const;
  FieldPath Index(size_t i) const;
};

class FieldContext {
 public:
  // `doc` supplies file and lines; `object` is "Kind/name".
  FieldContext(const Document& doc, std::string object, std::vector<Diagnostic>* out)
      : doc_(doc), object_(std::move(object)), out_(out) {}

  void Error(const FieldPath& path, std::string message);
  void Warning(const FieldPath& path, std::string message);
  int errors() const { return errors_; }
  int LineOf(const FieldPath& path) const { return doc_.LineOf(path.pointer); }

 private:
  void Add(Diagnostic::Severity sev, const FieldPath& path, std::string message);
  const Document& doc_;
  std::string object_;
  std::vector<Diagnostic>* out_;
  int errors_ = 0;
};

// Each reader returns nullopt/nullptr when the field is absent (or null), or when it is
// malformed, in which case it has reported why.
const Json* ReadObject(const Json& parent, const FieldPath& path, absl::string_view key,
                       FieldContext& ctx);
const Json* ReadArray(const Json& parent, const FieldPath& path, absl::string_view key,
                      FieldContext& ctx);
std::optional<std::string> ReadString(const Json& parent, const FieldPath& path,
                                      absl::string_view key, FieldContext& ctx);
std::optional<bool> ReadBool(const Json& parent, const FieldPath& path, absl::string_view key,
                             FieldContext& ctx);
std::optional<int64_t> ReadInt(const Json& parent, const FieldPath& path, absl::string_view key,
                               int64_t min, int64_t max, FieldContext& ctx);
// A list of strings; a malformed element is reported and skipped.
std::vector<std::string> ReadStringList(const Json& parent, const FieldPath& path,
                                        absl::string_view key, FieldContext& ctx);
std::vector<LabelSelector> ReadSelectorList(const Json& parent, const FieldPath& path,
                                            absl::string_view key, FieldContext& ctx);
std::optional<LabelSelector> ReadSelector(const Json& value, const FieldPath& path,
                                          FieldContext& ctx);
std::map<std::string, std::string> ReadStringMap(const Json& parent, const FieldPath& path,
                                                 absl::string_view key, FieldContext& ctx);

// Warns once per field of `obj` not in `known`.
void WarnUnknownFields(const Json& obj, const FieldPath& path,
                       std::initializer_list<absl::string_view> known, FieldContext& ctx);

}  // namespace ironlb::config

#include "config/types.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace ironlb::config {
namespace {

template <typename T>
const T* FindByName(const std::vector<T>& list, absl::string_view name) {
  auto it = std::find_if(list.begin(), list.end(), [&](const T& o) { return o.meta.name == name; });
  return it == list.end() ? nullptr : &*it;
}

// "spec.addresses[1]" -> "/spec/addresses/1"
std::string PointerOf(absl::string_view field) {
  std::string pointer;
  for (char c : field) {
    if (c == '.' || c == '[') {
      pointer.push_back('/');
    } else if (c != ']') {
      pointer.push_back(c);
    }
  }
  if (!pointer.empty()) pointer.insert(pointer.begin(), '/');
  return pointer;
}

}  // namespace

int ObjectSource::LineOf(absl::string_view field) const {
  if (!field_lines) return line;
  std::string pointer = PointerOf(field);
  while (!pointer.empty()) {
    auto it = field_lines->find(pointer);
    if (it != field_lines->end()) return it->second;
    pointer.resize(pointer.rfind('/'));
  }
  return line;
}

std::string ObjectSource::FieldName(absl::string_view field) const {
  if (!field_names || field.empty()) return std::string(field);
  std::string pointer = PointerOf(field);
  // The nearest ancestor with a legacy spelling, and the rest as it is.
  std::string rest;
  while (!pointer.empty()) {
    auto it = field_names->find(pointer);
    if (it != field_names->end()) return absl::StrCat(it->second, rest);
    const size_t slash = pointer.rfind('/');
    const std::string token = pointer.substr(slash + 1);
    const bool index = !token.empty() && token.find_first_not_of("0123456789") == std::string::npos;
    rest = absl::StrCat(index ? absl::StrCat("[", token, "]") : absl::StrCat(".", token), rest);
    pointer.resize(slash);
  }
  return std::string(field);
}

std::string ObjectMeta::Label(absl::string_view kind) const {
  if (!source.label.empty()) return source.label;
  return absl::StrCat(kind, "/", name);
}

const AddressPool* Config::FindPool(absl::string_view name) const {
  return FindByName(pools, name);
}
const BGPPeer* Config::FindPeer(absl::string_view name) const {
  return FindByName(bgp_peers, name);
}
const BFDProfile* Config::FindBfdProfile(absl::string_view name) const {
  return FindByName(bfd_profiles, name);
}

}  // namespace ironlb::config

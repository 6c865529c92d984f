#include "config/types.h"

#include <algorithm>

#include "absl/strings/string_view.h"

namespace ironlb::config {
namespace {

template <typename T>
const T* FindByName(const std::vector<T>& list, absl::string_view name) {
  auto it = std::find_if(list.begin(), list.end(), [&](const T& o) { return o.meta.name == name; });
  return it == list.end() ? nullptr : &*it;
}

}  // namespace

int ObjectSource::LineOf(absl::string_view field) const {
  if (!field_lines) return line;
  std::string pointer;
  for (char c : field) {
    if (c == '.' || c == '[') {
      pointer.push_back('/');
    } else if (c != ']') {
      pointer.push_back(c);
    }
  }
  if (!pointer.empty()) pointer.insert(pointer.begin(), '/');
  while (!pointer.empty()) {
    auto it = field_lines->find(pointer);
    if (it != field_lines->end()) return it->second;
    pointer.resize(pointer.rfind('/'));
  }
  return line;
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

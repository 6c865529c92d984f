// An informer's local cache: the objects it has seen, keyed "namespace/name" ("name" for
// cluster-scoped objects). Thread-safe; handlers and other threads read it while the informer
// writes. Objects are shared immutable snapshots, so a reader never sees one half-updated.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "nlohmann/json.hpp"

namespace ironlb::kube {

using ObjectPtr = std::shared_ptr<const nlohmann::json>;

class Store {
 public:
  ObjectPtr Get(absl::string_view key) const;
  ObjectPtr Get(absl::string_view ns, absl::string_view name) const;
  std::vector<ObjectPtr> List() const;
  std::vector<std::string> Keys() const;
  size_t size() const;

  // Inserts or replaces; returns the previous object (nullptr when new).
  ObjectPtr Put(ObjectPtr object);
  // Removes `key`; returns the removed object (nullptr when absent).
  ObjectPtr Remove(absl::string_view key);
  // Swaps the whole content (after a list) and returns the old one.
  std::map<std::string, ObjectPtr> Replace(std::map<std::string, ObjectPtr> objects);

 private:
  mutable std::mutex mu_;
  std::map<std::string, ObjectPtr, std::less<>> objects_;
};

}  // namespace ironlb::kube

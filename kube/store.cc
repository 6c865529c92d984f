#include "kube/store.h"

#include "absl/strings/str_cat.h"
#include "kube/watch_event.h"

namespace ironlb::kube {

ObjectPtr Store::Get(absl::string_view key) const {
  std::lock_guard<std::mutex> lock(mu_);
  const auto it = objects_.find(key);
  return it == objects_.end() ? nullptr : it->second;
}

ObjectPtr Store::Get(absl::string_view ns, absl::string_view name) const {
  return ns.empty() ? Get(name) : Get(absl::StrCat(ns, "/", name));
}

std::vector<ObjectPtr> Store::List() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<ObjectPtr> out;
  out.reserve(objects_.size());
  for (const auto& entry : objects_) out.push_back(entry.second);
  return out;
}

std::vector<std::string> Store::Keys() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::string> out;
  out.reserve(objects_.size());
  for (const auto& entry : objects_) out.push_back(entry.first);
  return out;
}

size_t Store::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return objects_.size();
}

ObjectPtr Store::Put(ObjectPtr object) {
  std::string key = ObjectKey(*object);
  std::lock_guard<std::mutex> lock(mu_);
  ObjectPtr& slot = objects_[std::move(key)];
  ObjectPtr old = std::move(slot);
  slot = std::move(object);
  return old;
}

ObjectPtr Store::Remove(absl::string_view key) {
  std::lock_guard<std::mutex> lock(mu_);
  const auto it = objects_.find(key);
  if (it == objects_.end()) return nullptr;
  ObjectPtr old = std::move(it->second);
  objects_.erase(it);
  return old;
}

std::map<std::string, ObjectPtr> Store::Replace(std::map<std::string, ObjectPtr> objects) {
  std::lock_guard<std::mutex> lock(mu_);
  std::map<std::string, ObjectPtr> old(std::make_move_iterator(objects_.begin()),
                                       std::make_move_iterator(objects_.end()));
  objects_.clear();
  for (auto& entry : objects) objects_.emplace(entry.first, std::move(entry.second));
  return old;
}

}  // namespace ironlb::kube

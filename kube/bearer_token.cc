#include "kube/bearer_token.h"

#include <sys/stat.h>

#include <cerrno>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/errno_status.h"
#include "kube/client_config.h"

namespace ironlb::kube {

BearerToken BearerToken::Fixed(std::string token) {
  BearerToken t;
  t.token_ = std::move(token);
  t.loaded_ = true;
  return t;
}

BearerToken BearerToken::FromFile(std::string path) {
  BearerToken t;
  t.path_ = std::move(path);
  return t;
}

BearerToken::BearerToken(BearerToken&& other) noexcept
    : token_(std::move(other.token_)),
      path_(std::move(other.path_)),
      ino_(other.ino_),
      size_(other.size_),
      mtime_(other.mtime_),
      loaded_(other.loaded_) {}

absl::StatusOr<std::string> BearerToken::Get() {
  std::lock_guard<std::mutex> lock(mu_);
  if (path_.empty()) return token_;
  struct stat st;
  if (stat(path_.c_str(), &st) != 0) {
    if (loaded_) return token_;
    return ErrnoToStatus(errno, absl::StrCat("bearer token file ", path_));
  }
  const bool changed = !loaded_ || st.st_ino != ino_ || st.st_size != size_ ||
                       st.st_mtim.tv_sec != mtime_.tv_sec || st.st_mtim.tv_nsec != mtime_.tv_nsec;
  if (!changed) return token_;
  auto text = ReadFileToString(path_, "bearer token file");
  if (!text.ok()) {
    if (loaded_) return token_;
    return text.status();
  }
  token_ = std::string(absl::StripAsciiWhitespace(*text));
  ino_ = st.st_ino;
  size_ = st.st_size;
  mtime_ = st.st_mtim;
  loaded_ = true;
  return token_;
}

}  // namespace ironlb::kube

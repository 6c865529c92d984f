// The bearer token sent with each request: fixed (kubeconfig `token`) or read from a file that
// is re-read whenever it changes, because service-account tokens are projected and rotated by
// the kubelet (the file is swapped through a symlink, so inode and mtime change).
#pragma once

#include <sys/types.h>

#include <ctime>
#include <mutex>
#include <string>

#include "absl/status/statusor.h"

namespace ironlb::kube {

class BearerToken {
 public:
  BearerToken() = default;  // no token
  static BearerToken Fixed(std::string token);
  static BearerToken FromFile(std::string path);

  BearerToken(BearerToken&& other) noexcept;

  // The current token ("" when none). A file that vanished keeps the last token read and
  // reports nothing; a file never readable is an error naming it.
  absl::StatusOr<std::string> Get();

 private:
  std::mutex mu_;
  std::string token_;
  std::string path_;
  // What the file looked like when last read.
  ino_t ino_ = 0;
  off_t size_ = -1;
  timespec mtime_{};
  bool loaded_ = false;
};

}  // namespace ironlb::kube

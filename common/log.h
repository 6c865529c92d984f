// Structured logging: one line per event, logfmt (default) or JSON, written to stderr.
//
//   IRONLB_LOG(kInfo, "config loaded").With("pools", 3).With("dir", dir);
//   -> ts=2026-11-21T05:00:00.123Z level=info msg="config loaded" pools=3 dir=/etc/ironlb
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace ironlb::log {

enum class Level { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };
enum class Format { kLogfmt, kJson };

void SetLevel(Level level);
void SetFormat(Format format);
bool Enabled(Level level);
// Replaces stderr as the destination of whole lines (without the trailing newline); nullptr
// restores stderr. For tests.
void SetSink(std::function<void(absl::string_view)> sink);

// Applies --log-level and --log-format; an unknown value is an error naming the flag.
absl::Status ConfigureFromFlags();
absl::Status Configure(absl::string_view level, absl::string_view format);

// One log event; emitted when it goes out of scope.
class Line {
 public:
  Line(Level level, absl::string_view msg) : level_(level), msg_(msg) {}
  ~Line();
  Line(const Line&) = delete;
  Line& operator=(const Line&) = delete;

  Line& With(absl::string_view key, absl::string_view value);
  Line& With(absl::string_view key, const char* value) {
    return With(key, absl::string_view(value));
  }
  Line& With(absl::string_view key, const std::string& value) {
    return With(key, absl::string_view(value));
  }
  Line& With(absl::string_view key, bool value);
  Line& With(absl::string_view key, double value);
  Line& With(absl::string_view key, const absl::Status& status);
  template <typename T>
  requires std::is_integral_v<T> Line& With(absl::string_view key, T value) {
    fields_.emplace_back(std::string(key), static_cast<int64_t>(value));
    return *this;
  }

 private:
  using Value = std::variant<std::string, int64_t, double, bool>;
  Level level_;
  std::string msg_;
  std::vector<std::pair<std::string, Value>> fields_;
};

}  // namespace ironlb::log

#define IRONLB_LOG(level, msg)                                \
  if (!::ironlb::log::Enabled(::ironlb::log::Level::level)) { \
  } else                                                      \
    ::ironlb::log::Line(::ironlb::log::Level::level, msg)

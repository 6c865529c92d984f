#include "common/log.h"

#include <atomic>
#include <cstdio>
#include <mutex>

#include "absl/flags/flag.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "nlohmann/json.hpp"

ABSL_FLAG(std::string, log_level, "info",
          "Least severe log level printed: debug, info, warn, error.");
ABSL_FLAG(std::string, log_format, "logfmt", "Log line format: logfmt or json.");

namespace ironlb::log {
namespace {

std::atomic<int> g_level{static_cast<int>(Level::kInfo)};
std::atomic<Format> g_format{Format::kLogfmt};
std::mutex g_mu;
std::function<void(absl::string_view)>* g_sink = nullptr;  // guarded by g_mu

absl::string_view LevelName(Level level) {
  switch (level) {
    case Level::kDebug:
      return "debug";
    case Level::kInfo:
      return "info";
    case Level::kWarn:
      return "warn";
    case Level::kError:
      return "error";
  }
  return "info";
}

// logfmt values are bare when they hold no space, quote or '='; else quoted with escapes.
void AppendLogfmtValue(std::string& out, absl::string_view v) {
  bool bare = !v.empty();
  for (char c : v) {
    if (c <= ' ' || c == '"' || c == '=' || c == '\\' || static_cast<unsigned char>(c) >= 0x7f) {
      bare = false;
      break;
    }
  }
  if (bare) {
    out.append(v.data(), v.size());
    return;
  }
  out.push_back('"');
  for (char c : v) {
    switch (c) {
      case '"':
        out.append("\\\"");
        break;
      case '\\':
        out.append("\\\\");
        break;
      case '\n':
        out.append("\\n");
        break;
      case '\t':
        out.append("\\t");
        break;
      default:
        out.push_back(c);
    }
  }
  out.push_back('"');
}

}  // namespace

void SetLevel(Level level) { g_level.store(static_cast<int>(level)); }
void SetFormat(Format format) { g_format.store(format); }
bool Enabled(Level level) { return static_cast<int>(level) >= g_level.load(); }

void SetSink(std::function<void(absl::string_view)> sink) {
  std::lock_guard<std::mutex> lock(g_mu);
  delete g_sink;
  g_sink = sink ? new std::function<void(absl::string_view)>(std::move(sink)) : nullptr;
}

absl::Status Configure(absl::string_view level, absl::string_view format) {
  const std::string l = absl::AsciiStrToLower(level);
  if (l == "debug") {
    SetLevel(Level::kDebug);
  } else if (l == "info") {
    SetLevel(Level::kInfo);
  } else if (l == "warn" || l == "warning") {
    SetLevel(Level::kWarn);
  } else if (l == "error") {
    SetLevel(Level::kError);
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat("--log-level: \"", level, "\" is not one of debug, info, warn, error"));
  }
  const std::string f = absl::AsciiStrToLower(format);
  if (f == "logfmt") {
    SetFormat(Format::kLogfmt);
  } else if (f == "json") {
    SetFormat(Format::kJson);
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat("--log-format: \"", format, "\" is not one of logfmt, json"));
  }
  return absl::OkStatus();
}

absl::Status ConfigureFromFlags() {
  return Configure(absl::GetFlag(FLAGS_log_level), absl::GetFlag(FLAGS_log_format));
}

Line& Line::With(absl::string_view key, absl::string_view value) {
  fields_.emplace_back(std::string(key), std::string(value));
  return *this;
}
Line& Line::With(absl::string_view key, bool value) {
  fields_.emplace_back(std::string(key), value);
  return *this;
}
Line& Line::With(absl::string_view key, double value) {
  fields_.emplace_back(std::string(key), value);
  return *this;
}
Line& Line::With(absl::string_view key, const absl::Status& status) {
  return With(key, status.ok() ? std::string("ok") : std::string(status.message()));
}

Line::~Line() {
  const std::string ts = absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::Now(), absl::UTCTimeZone());
  std::string out;
  if (g_format.load() == Format::kJson) {
    nlohmann::ordered_json j;
    j["ts"] = ts;
    j["level"] = LevelName(level_);
    j["msg"] = msg_;
    for (const auto& field : fields_) {
      const std::string& key = field.first;
      std::visit([&j, &key](const auto& x) { j[key] = x; }, field.second);
    }
    out = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  } else {
    absl::StrAppend(&out, "ts=", ts, " level=", LevelName(level_), " msg=");
    AppendLogfmtValue(out, msg_);
    for (const auto& [k, v] : fields_) {
      absl::StrAppend(&out, " ", k, "=");
      std::visit(
          [&out](const auto& x) {
            using T = std::decay_t<decltype(x)>;
            if constexpr (std::is_same_v<T, std::string>) {
              AppendLogfmtValue(out, x);
            } else if constexpr (std::is_same_v<T, bool>) {
              out.append(x ? "true" : "false");
            } else {
              absl::StrAppend(&out, x);
            }
          },
          v);
    }
  }
  std::lock_guard<std::mutex> lock(g_mu);
  if (g_sink != nullptr) {
    (*g_sink)(out);
  } else {
    out.push_back('\n');
    std::fwrite(out.data(), 1, out.size(), stderr);
  }
}

}  // namespace ironlb::log
